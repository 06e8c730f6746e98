"""A suggest run on the page: the search as it goes (configurations tried of the budget, the
best so far and its settings, every score on a chart, Stop), then what to use instead: the
verdict of the check on fresh seeds (against the user's settings first, then against no
augmentation, in one box of the verdict's colour), the IDG line, FastImageDataGenerator and
Keras 3 layers, and what each change from the user's settings was worth in the search.

The check's own figure, verdict and per-class table follow, drawn by `results.show_run`
like any comparison's (its arms: no augmentation, yours and the suggestion).
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from ..experiments.analysis.stats import percent
from ..experiments.runs.folders import RunInfo
from ..experiments.runs.queue import JobManager
from ..experiments.suggest.space import (
    HELPS,
    KEEP_YOURS,
    NO_BETTER,
    UNCHECKED,
    WORSE,
    SearchProgress,
    Suggestion,
    worth_text,
)
from ..interchange.export import exact_layer_code, fast_code, idg_code, keras_layers_code, kwargs_text
from . import session
from .actions import stop_run

AFFINITY_TEXT = (
    "Measuring which settings change what the images show (the baseline model on validation "
    "images augmented by each choice alone)..."
)


def search_text(state: SearchProgress) -> str:
    """The search's progress line: configurations tried, the best score so far, time left."""
    if state.phase == "affinity":
        return AFFINITY_TEXT
    best = (
        f"best so far {percent(state.best_score)} validation accuracy"
        if state.best_score is not None
        else "no configuration scored yet"
    )
    pruned = sum(1 for score in state.scores if score is None)
    pruned_text = f" ({pruned} pruned early)" if pruned else ""
    eta = f" · about {state.eta:.0f} s left in the search" if state.eta is not None else ""
    return f"Search: {state.done} of {state.budget} configurations tried{pruned_text} · {best}{eta}"


def percent_axis(values: list[float | None]) -> dict:
    """Vega-Lite axis for accuracies (fractions): as many decimals of a percent as the span
    of `values` needs (0 from a 5 point span, 1 from 0.5 points, else 2), and ticks never
    closer than those decimals show, so no two ticks read the same ("96%" at every tick)."""
    known = [v for v in values if v is not None]
    span = max(known) - min(known) if known else 1.0
    decimals = 0 if span >= 0.05 - 1e-9 else 1 if span >= 0.005 - 1e-9 else 2  # tolerance: 0.97 - 0.92 < 0.05
    return {"format": f".{decimals}%", "tickMinStep": 10.0 ** -(decimals + 2)}


def search_chart(state: SearchProgress) -> tuple[dict, dict]:
    """Vega-Lite columns and spec: each configuration's score (a dot; pruned ones left out)
    and the best so far (a step line), against the configuration's number."""
    columns: dict[str, list] = {"configuration": [], "score": [], "series": []}
    best = None
    for number, score in enumerate(state.scores, start=1):
        if score is None:
            continue
        best = score if best is None else max(best, score)
        for series, value in (("tried", score), ("best so far", best)):
            columns["configuration"].append(number)
            columns["score"].append(value)
            columns["series"].append(series)
    encoding = {
        "x": {
            "field": "configuration",
            "type": "quantitative",
            "axis": {"format": "d", "tickMinStep": 1},
            "scale": {"domain": [1, max(2, state.budget)]},
        },
        "y": {
            "field": "score",
            "type": "quantitative",
            "title": "validation accuracy",
            "scale": {"zero": False},
            "axis": percent_axis(columns["score"]),
        },
        "color": {
            "field": "series",
            "type": "nominal",
            "title": "",
            "scale": {"domain": ["tried", "best so far"], "range": ["#8c8c8c", "#DD8452"]},
        },
        "tooltip": [{"field": "configuration"}, {"field": "score", "format": ".1%"}],
    }
    tried, best_line = ({"filter": f"datum.series == '{name}'"} for name in ("tried", "best so far"))
    spec = {
        "layer": [
            {"mark": {"type": "point", "filled": True}, "transform": [tried]},
            {"mark": {"type": "line", "interpolate": "step-after"}, "transform": [best_line]},
        ],
        "encoding": encoding,
    }
    return columns, spec


def search_status(run: RunInfo, jobs: JobManager, controls: bool = True) -> None:
    """While the search runs: its progress, the best so far, the chart, and two ways to stop
    (`controls`: the visitor's own run only)."""
    state = run.search
    if state is not None:
        st.progress(min(1.0, (state.done + state.fraction) / max(1, state.budget)), text=search_text(state))
    if controls:
        left, right = st.columns(2)
        left.button(
            "Stop the search, check the best so far",
            key="stop_search",
            on_click=stop_run,
            args=(jobs, run.run_id, "STOP_SEARCH"),
            help="Ends the search within a batch; the best configuration so far, yours and no augmentation "
            "still train on the fresh seeds.",
        )
        right.button(
            "Stop",
            key="stop_run",
            on_click=stop_run,
            args=(jobs, run.run_id),
            help="Ends the run within a batch; the scores so far are kept, nothing is checked.",
        )
    if state is None or state.phase == "affinity":
        return
    if state.best_stack is not None:
        st.caption(
            f"Best so far: {' -> '.join(layer.call_text() for layer in state.best_stack.stack.layers) or 'no layer'}"
        )
    elif state.best is not None:
        st.caption(f"Best so far: ImageDataGenerator({kwargs_text(state.best)})")
    columns, spec = search_chart(state)
    if columns["score"]:
        st.vega_lite_chart(
            columns, spec, width="stretch", alt="Each configuration's validation accuracy and the best so far"
        )


# A suggestion's one tone (`words.verdict_of`) as the box it is drawn in: green only when the
# pick beats no augmentation; "no better than none" is a warning box, never small grey text.
TONES = {HELPS: st.success, KEEP_YOURS: st.info, NO_BETTER: st.warning, WORSE: st.error, UNCHECKED: st.info}


def _verdict(suggestion: Suggestion) -> None:
    """The check's verdict in one box of one colour: the pick against the user's settings,
    against no augmentation, the user's settings against no augmentation, and what to do."""
    verdict = suggestion.verdict
    TONES[verdict.tone]("\n\n".join((*verdict.lines, *([f"**{verdict.advice}**"] if verdict.advice else []))))


def use_stack(code: str) -> None:
    """ "Use it" for a suggested stack: the page's Keras 3 stack becomes the suggestion's code
    (the preview and Train then use it), through the record."""
    session.put(replace(session.record(), engine="keras3", stack_text=code))
    session.say("success", "The suggested stack is now your Keras 3 stack: the preview and Train use it.")


def _stack_code(suggestion: Suggestion, key: str) -> None:
    """A stack search's answer: the picked stack as code, where it runs, and "Use it"."""
    st.code(suggestion.stack.code, language="python")
    st.caption(f"Run it as yours ran: {suggestion.stack.where}.")
    st.button(
        "Use it",
        key=key,
        on_click=use_stack,
        args=(suggestion.stack.code,),
        help="Puts this stack into the page's Keras 3 stack, in place of yours.",
    )


def _changes_table(suggestion: Suggestion) -> None:
    stack = suggestion.stack is not None
    st.markdown(
        "**What changed from yours, and what each change was worth in the search** (mean score of the "
        "configurations tried with the new value minus those with yours)"
    )
    # A static table wraps its cells: a data grid cuts the worth's longer notes at its column's edge.
    st.table(
        [
            {
                "layer" if stack else "setting": c.setting,
                "yours": c.yours if stack else repr(c.yours),
                "suggested": c.suggested if stack else repr(c.suggested),
                "worth in the search": worth_text(c),
            }
            for c in suggestion.changes
        ],
        hide_index=True,
        width="stretch",
    )


def show_suggestion(run: RunInfo, where: str = "current") -> None:
    """What to use instead and why: verdict, code to copy (a stack search's: its Keras 3
    layers, with "Use it"), the changes and their worth. `where`: "current" or "history"
    (the same run may be drawn in both: its button keys differ)."""
    suggestion = run.suggestion
    st.markdown("**Suggestion**" + (" (search stopped early)" if suggestion.stopped else ""))
    _verdict(suggestion)
    if suggestion.stack is not None:
        _stack_code(suggestion, f"use_suggested_stack_{where}_{run.run_id}")
    else:
        _idg_code(suggestion)
    if suggestion.changes:
        _changes_table(suggestion)
    for item in suggestion.excluded:
        st.caption(f"Held off: **{item.setting}**: {item.reason}.")
    scored = [t for t in suggestion.trials if t.score is not None]
    st.caption(
        f"{len(suggestion.trials)} configurations tried on seed(s) {suggestion.seeds_used_for_search} "
        f"({len(suggestion.trials) - len(scored)} pruned); checked on fresh seeds "
        f"{suggestion.seeds_used_for_check}. Below: the check's curves and verdict (no augmentation, "
        "yours, suggested)."
    )


def _idg_code(suggestion: Suggestion) -> None:
    idg, fast, exact, layers = st.tabs(
        ["ImageDataGenerator", "FastImageDataGenerator", "Keras 3, exact", "Keras 3 layers"]
    )
    idg.code(idg_code(suggestion.config), language="python")
    fast.code(fast_code(suggestion.config), language="python")
    exact.code(exact_layer_code(suggestion.config)[0], language="python")
    code, notes = keras_layers_code(suggestion.config)
    layers.code(code, language="python")
    for note in notes:
        layers.caption(note)
