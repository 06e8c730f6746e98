"""A run's outcome on the page (a suggestion first: `suggestion`): what trained it (model,
image size, device, pace), the verdict in the colour of its code, how it was measured, the
figure, per-class and per-image effects, an ablation's two tables, the report, and "Add
seeds" to settle a verdict the interval left open (on the visitor's own runs only: someone
else's, shown with shared history, is read-only).

Colours follow `Summary.verdict_code`: red for hurt, amber for probably hurt, neutral for no
difference or probably helped, green only for helped; a drop is never shown as good news.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ..diagnostics.plots import ablation_figure, affinity_figure, comparison_figure, figure_png, run_summary
from ..experiments.analysis.ablation import CHANGE_HEADING, current_analysis, effect_rows
from ..experiments.analysis.stats import agreement_text, effect_text, percent
from ..experiments.analysis.verdict import ESTIMATOR_HELP, Wording, verdict_tone, wording
from ..experiments.records.results import AblationAnalysis, Effect, RunResult, Summary
from ..experiments.records.spec import SUGGEST, RunSpec
from ..experiments.records.status import RunState
from ..experiments.runs.folders import RunInfo
from . import session
from .actions import add_seeds, seeds_messages
from .suggestion import show_suggestion

TONES: dict[str | None, Callable] = {
    "hurt": st.error,
    "likely_hurt": st.warning,
    "no_difference": st.info,
    "likely_helped": st.info,
    "helped": st.success,
    None: st.info,
}
ENDED = (RunState.FINISHED, RunState.STOPPED, RunState.INTERRUPTED)  # with a result to show
READ_ONLY = "Someone else's run: you can read it; only they can stop it or add seeds."
DECISION_HELP = (
    "Each interval is the one its decision uses: a 95% interval widened (Bonferroni) for all the settings "
    "tested at once. hurts: entirely below zero; helps: entirely above; unclear: it includes zero. The "
    "finding, the recommendation, the chart's colours and the report use the same decisions."
)


def model_line(result: RunResult, spec: RunSpec | None = None) -> str:
    """What trained a run, in one line: the model, the image size (the spec's, what the worker
    loaded the images at, when there is one), the device and the mean epoch time (the last
    two only when recorded: runs from before they were are shown without them)."""
    size = (spec or result).settings.image_size
    parts = [result.model.label, f"{size} x {size} px"]
    if result.device:
        parts.append(result.device)
    seconds = result.mean_epoch_seconds()
    if seconds is not None:
        parts.append(f"{seconds:.1f} s per epoch" if seconds >= 0.1 else f"{seconds:.2g} s per epoch")
    if result.backend:
        parts.append(result.backend)
    return " · ".join(parts)


def show_model(result: RunResult, spec: RunSpec | None = None) -> None:
    """The model line, and what was done to fit the model to the data, a caption each."""
    st.caption(f"Trained: {model_line(result, spec)}")
    for note in result.model_notes:
        st.caption(note)


def _verdict(run: RunInfo, text: str, code: str | None, last_epochs: int) -> None:
    # A suggestion's status is its search's; this verdict is its check's ("augmentation": the pick).
    label = "The check, suggested against no augmentation" if run.suggestion is not None else run.status.capitalize()
    TONES.get(code, st.info)(f"{label}: {text}")
    st.caption(ESTIMATOR_HELP.format(k=last_epochs, difference=wording(run.result).difference))


def _class_effects(summary: Summary, words: Wording) -> None:
    """Each class's change with its interval, most harmed first, and the images it broke."""
    if not summary.classes:
        return
    st.markdown(
        "**Per class** (final models, paired by seed; flagged only when the interval, allowing for "
        "every class at once, is clear of zero)"
    )
    rows = [
        {
            "class": c.name,
            words.before: percent(c.baseline_accuracy),
            words.after: percent(c.augmented_accuracy),
            CHANGE_HEADING: effect_text(c.effect),
            "seeds": agreement_text(c.effect.per_seed),
            "flag": {"hurts": "harmed", "helps": "helped"}.get(c.effect.decision(), ""),
        }
        for c in summary.classes
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    harmed = [c.name for c in summary.classes if c.effect.decision() == "hurts"]
    if harmed and summary.delta_mean is not None and summary.delta_mean > 0:
        st.warning(f"The average rose, but {words.subject} harmed class(es) {', '.join(harmed)}.")
    images = summary.images
    if images is not None:
        broken, fixed = sum(1 for b in images.broken if b), sum(1 for f in images.fixed if f)
        always = sum(1 for b in images.broken if b == images.seeds)
        st.caption(
            f"Validation images over {images.seeds} paired seed(s): {fixed} fixed at least once, {broken} broken "
            f"at least once ({words.broken}), {always} broken in every seed."
        )


def _more_seeds(run: RunInfo, where: str, jobs) -> None:
    """'Add seeds': train only new seeds, keep the finished ones, compute the verdict again."""
    if run.spec is None or run.spec.mode == SUGGEST or run.status not in ENDED:
        return  # a suggestion's check is judged on the seeds it had; suggest again for more
    if not session.may_change(run.owner):
        st.caption(READ_ONLY)
        return
    key = f"more_seeds_{where}_{run.run_id}"
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    left.number_input("More seeds", 1, 10, 2, key=key)
    right.button(
        "Add seeds",
        key=f"add_seeds_{where}_{run.run_id}",
        on_click=add_seeds,
        args=(jobs, run.run_id, key),
        help="Trains only the new seeds; the seeds already finished are kept, and the verdict is "
        "computed again over all of them.",
    )
    for kind, text in session.take_messages(seeds_messages(run.run_id)):
        getattr(st, kind)(text)


def show_run(run: RunInfo, where: str, jobs) -> None:
    """A run's outcome: an ablation's two tables, or the comparison's figure and verdict."""
    if run.status == RunState.FAILED:
        st.error(f"The run failed: {run.error or 'unknown error'}")
        return
    if run.suggestion is not None:
        show_suggestion(run, where)
        if run.result is None:
            return
    if run.result is None:
        st.info("No finished epoch yet.")
        return
    show_model(run.result, run.spec)
    summary = run_summary(run.result)
    analysis = current_analysis(run.result) if run.result.ablation is not None else None
    if analysis is not None:
        _show_ablation(run, analysis, summary)
    else:
        figure = run.path / "figure.png"
        st.image(str(figure) if figure.is_file() else figure_png(comparison_figure(run.result)), width="stretch")
        _verdict(run, summary.verdict, verdict_tone(summary), summary.last_epochs)
        for warning in summary.warnings:
            st.warning(warning)
    _class_effects(summary, wording(run.result))
    if (run.path / "broken.png").is_file():
        st.image(str(run.path / "broken.png"), width="stretch")
    report = run.path / "report.html"
    if report.is_file():
        st.download_button(
            "Download the one-page report (HTML)",
            report.read_bytes(),
            file_name=f"{run.run_id}-report.html",
            mime="text/html",
            key=f"report_{where}_{run.run_id}",
        )
    _more_seeds(run, where, jobs)


def _effect_rows(effects: list[Effect], analysis: AblationAnalysis) -> list[dict]:
    """One table layout for both views (`ablation.effect_rows`, as the CLI and the report
    print it): setting, effect with the interval its decision uses, the decision, seeds,
    affinity, diversity."""
    return [
        {
            "setting": row.setting,
            CHANGE_HEADING: row.change,
            "decision": row.decision,
            "seeds": row.seeds,
            "affinity": row.affinity,
            "diversity": row.diversity,
        }
        for row in effect_rows(effects, analysis)
    ]


def _show_ablation(run: RunInfo, analysis: AblationAnalysis, summary: Summary) -> None:
    """The finding, then each setting alone and the full config minus each in the same table
    layout, the effect figure at full width and the affinity scatter."""
    _verdict(run, analysis.sentence, verdict_tone(summary, analysis), summary.last_epochs)
    for line in analysis.recommendation:
        st.markdown(f"- {line}")
    st.markdown("**Each setting alone** against no augmentation")
    st.dataframe(_effect_rows(analysis.one_at_a_time, analysis), hide_index=True, width="stretch")
    st.caption(DECISION_HELP)
    if analysis.leave_one_out:
        st.markdown(
            "**The full config without each setting**: full minus full-without-it (negative: leaving it "
            "out recovers accuracy)"
        )
        st.dataframe(_effect_rows(analysis.leave_one_out, analysis), hide_index=True, width="stretch")
    # A run saved by an older version is analysed again above; its stored figures then drew
    # other intervals and colours, so they are drawn again from this analysis.
    stale = run.result.ablation is None or run.result.ablation.sentence != analysis.sentence
    for name, draw in (("ablation.png", ablation_figure), ("affinity.png", affinity_figure)):
        width = "stretch" if name == "ablation.png" else "content"
        if stale and (name == "ablation.png" or any(v is not None for v in analysis.affinity.values())):
            st.image(figure_png(draw(analysis)), width=width)
        elif (run.path / name).is_file():
            st.image(str(run.path / name), width=width)
