"""A self-contained HTML report of a comparison or ablation, for someone who never saw the tool.

`build_report(result, analysis, config, findings, pixels)` renders ONE HTML page from the
Jinja2 template `templates/report.html.j2`, with autoescaping on, so every dataset name,
class name and message is escaped and the only markup is the template's: inline CSS, every
figure embedded as a base64 PNG, no JavaScript, no external resource. Sections whose data is
missing are left out. This module gathers what the page shows; the per-class numbers come
from `perclass`, the verdicts and effects from `experiments`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from ..augment.config import AugmentConfig
from ..experiments.analysis.ablation import CHANGE_HEADING, analyze, effect_rows
from ..experiments.analysis.stats import agreement_text, effect_text, percent, points
from ..experiments.analysis.verdict import headline_summary, summarize, verdict_tone, wording
from ..experiments.records.results import AblationAnalysis, RunResult, Summary
from ..experiments.records.spec import (
    ALONE,
    AUGMENTED,
    BASELINE,
    FULL,
    IDG_ARM,
    STACK_ARM,
    SUGGESTED,
    WITHOUT,
    YOURS,
    setting_of,
)
from ..experiments.suggest.space import HELPS, NO_BETTER, WORSE, Suggestion
from ..interchange.export import idg_code, kwargs_text
from .findings import UNITS_PROBLEMS, WARNING, Finding
from .perclass import per_class
from .pixels import PixelStats
from .plots import (
    ablation_figure,
    affinity_figure,
    broken_images_figure,
    comparison_figure,
    confusion_figure,
    figure_png,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


_ENVIRONMENT.filters.update(effect=effect_text, points=points, percent=percent)

METHOD_NOTES = (
    "Paired seeds: for each seed, every arm starts from the same initial weights and sees the same training "
    "images in the same batch order, so the difference between two arms on one seed comes from the "
    "augmentation alone. The effect on one seed is the difference of the mean validation accuracy over the last "
    "3 finished epochs (fewer when the run had fewer), in percentage points: one epoch alone swings by several "
    "points, and the last epochs together use what the run measured.",
    "Validation images are never augmented: they get the same preprocessing as the training images (rescale, "
    "samplewise normalisation) and nothing else. The one exception is the affinity probe, which tests the "
    "already trained baseline model on augmented validation images; nothing is ever trained on them.",
    "95% intervals: the mean of the per-seed differences ± t(0.975, n−1) × sd / √n, a Student t interval over "
    "n paired seeds. One seed gives no interval. An interval that includes zero means these runs cannot tell "
    "whether the effect is positive or negative; more seeds narrow it. 'Probably' is said when the interval "
    "includes zero but at least 3 in 4 seeds agree with the estimate.",
    "One at a time: each setting alone against the baseline (same preprocessing, no random transform). "
    "Leave-one-out: the full config against the full config without the setting, i.e. what the setting adds on "
    "top of the others. Settings can interact, so the two can disagree.",
    'Affinity and diversity follow Gontijo-Lopes et al. 2020, "Affinity and Diversity: Quantifying Mechanisms '
    'of Data Augmentation". Affinity: accuracy of the baseline model on validation images augmented by the '
    "setting divided by its clean validation accuracy, averaged over seeds (1 = no distribution shift). "
    "Diversity: final training loss of the model trained with the setting alone divided by the baseline's "
    "(above 1 = harder, more varied training data).",
    "Per-class numbers come from the confusion matrices of the final models on the validation set, summed over "
    "the seeds where both arms have one.",
)


@dataclass(frozen=True)
class Row:
    """A table row: its cells (text, escaped by the template) and its colour class."""

    cells: tuple
    kind: str = ""


def _png(figure) -> str:
    return base64.b64encode(figure_png(figure)).decode("ascii")


def arm_label(arm: str) -> str:
    """What an arm trained, in words."""
    if (setting := setting_of(arm, ALONE)) is not None:
        return f"{setting} alone"
    if (setting := setting_of(arm, WITHOUT)) is not None:
        return f"full config without {setting}"
    return {
        FULL: "the full config",
        BASELINE: "no random transform (same preprocessing)",
        AUGMENTED: "the config",
        YOURS: "your settings",
        IDG_ARM: "your ImageDataGenerator config",
        STACK_ARM: "your Keras 3 stack",
        SUGGESTED: "the suggestion",
    }.get(arm, arm)


def _comparison_summary(result: RunResult) -> Summary | None:
    """The baseline-vs-augmented summary ("full" stands in for an ablation), or None."""
    arm = result.headline_arm
    if BASELINE not in result.arms or arm is None:
        return None
    stored = result.summary
    if result.is_migration:
        return stored or headline_summary(result)
    return stored if stored is not None and arm == AUGMENTED else summarize(result, augmented=arm)


def _chosen_arm(result: RunResult, analysis: AblationAnalysis | None) -> str | None:
    """The arm whose per-class changes the report shows: full, else augmented, else the most
    harmful setting alone."""
    confusion = result.confusion
    for arm in (FULL, AUGMENTED):
        if arm in confusion:
            return arm
    for effect in analysis.one_at_a_time if analysis else []:
        if ALONE + effect.transform in confusion and effect.delta_mean is not None:
            return ALONE + effect.transform
    return next((arm for arm in confusion if arm.startswith(ALONE)), None)


def _effect_table(effects, analysis: AblationAnalysis) -> list[Row]:
    """An ablation table's rows (`ablation.effect_rows`, as the page and the CLI print them),
    each coloured by the decision it prints."""
    return [
        Row(
            (row.setting, row.change, row.decision, row.seeds, row.affinity, row.diversity),
            row.decision if row.decision != "unclear" else "",
        )
        for row in effect_rows(effects, analysis)
    ]


def _ablation_context(result: RunResult, analysis: AblationAnalysis) -> dict:
    header = ["setting", CHANGE_HEADING, "decision", "seeds", "affinity", "diversity"]
    rows = _effect_table(analysis.one_at_a_time, analysis)
    ratios = [*analysis.affinity.values(), *analysis.diversity.values()]
    figures = {"ablation": _png(ablation_figure(analysis))}
    if any(value is not None for value in ratios):
        figures["affinity"] = _png(affinity_figure(analysis))
    return {
        "effect_header": header,
        "effect_rows": rows,
        "loo_rows": _effect_table(analysis.leave_one_out, analysis),
        "figures": figures,
    }


def _classes_context(result: RunResult, analysis: AblationAnalysis | None) -> dict:
    classes = per_class(result)
    arm = _chosen_arm(result, analysis)
    if arm is None or arm not in classes.arms:
        return {}
    change = classes.arms[arm]
    # Summed confusion counts have no interval, so no decision: the rows are not coloured (a
    # colour is a decision's, as in the table of per-class effects over seeds).
    rows = [
        Row((name, percent(before), percent(after), points(delta)), "")
        for name, before, after, delta in zip(
            classes.class_names, change.baseline_accuracy, change.accuracy, change.change
        )
    ]
    return {
        "class_arm": arm,
        "class_arm_label": arm_label(arm),
        "class_change": change,
        "class_rows": rows,
        "class_pairs": [pair.sentence() for pair in change.most_affected_pairs],
        "figures": {"confusion": _png(confusion_figure(result, arm))},
    }


def _effects_context(result: RunResult, comparison: Summary | None, images) -> dict:
    """Per-class effects with intervals over seeds, and the images augmentation fixed or broke."""
    if comparison is None or not comparison.classes:
        return {}
    rows = [
        Row(
            (
                c.name,
                percent(c.baseline_accuracy),
                percent(c.augmented_accuracy),
                effect_text(c.effect),
                agreement_text(c.effect.per_seed),
            ),
            c.effect.decision() if c.effect.decision() != "unclear" else "",
        )
        for c in comparison.classes
    ]
    harmed = [c.name for c in comparison.classes if c.effect.decision() == "hurts"]
    words = wording(result)
    context = {
        "effect_class_rows": rows,
        "class_columns": [words.before, "with augmentation" if words.after == "with" else words.after],
        "harmed_classes": harmed,
        "average_rose": comparison.delta_mean is not None and comparison.delta_mean > 0,
        "image_effects": comparison.images,
        "figures": {},
    }
    if comparison.images is not None and images is not None:
        figure = broken_images_figure(result, images)
        if figure is not None:
            context["figures"]["broken"] = _png(figure)
    return context


def _pixels_context(pixels: PixelStats, findings: list[Finding]) -> dict:
    fed = {"0-255": "0..255 (as loaded)", "0-1": "0..1 (divided by 255)"}.get(pixels.input_range, "")
    rows = [
        Row((label, *(f"{getattr(stats, name):.4g}" for name in ("min", "max", "mean", "std"))))
        for label, stats in ((f"fed to IDG, {fed}", pixels.original), ("after augmentation", pixels.augmented))
    ]
    return {"pixel_rows": rows, "units_findings": [f for f in findings if f.code in UNITS_PROBLEMS]}


def _arm_settings(arm: str, config: AugmentConfig, result: RunResult) -> str:
    """An arm's settings in a few words: its IDG keywords, then the Keras 3 layers it ran."""
    stack = result.stacks.get(arm)
    layers = ", ".join(layer.call_text() for layer in stack.stack.layers) if stack else ""
    said = [part for part in (kwargs_text(config), f"Keras 3: {layers}" if layers else "") if part]
    return "; ".join(said) or "defaults"


def _config_context(config: AugmentConfig, result: RunResult) -> dict:
    rows = [
        Row((arm, arm_label(arm), _arm_settings(arm, arm_config, result))) for arm, arm_config in result.configs.items()
    ]
    stack = next((result.stacks[arm] for arm in (STACK_ARM, AUGMENTED, FULL) if arm in result.stacks), None)
    shown = {"stack_code": stack.code, "stack_where": stack.where} if stack is not None else {"stack_code": ""}
    return {"idg_code": idg_code(config), "arm_rows": rows, **shown}


# A suggestion's tone (`words.verdict_of`) as the summary box's colour class.
SUGGESTION_BOX = {HELPS: "helped", NO_BETTER: "likely_hurt", WORSE: "hurt"}


def _suggestion_context(suggestion: Suggestion) -> dict:
    """A suggest run: its verdict (against the user's settings first), the box's colour, the
    suggested code (the IDG line, or a stack search's `keras.Sequential([...])`) and the
    three comparisons on the fresh seeds."""
    verdict = suggestion.verdict
    rows = [
        Row(
            (label, comparison.text(), comparison.decision),
            {"better": "helps", "worse": "hurts"}.get(comparison.decision, "")
            if comparison.delta_mean is not None
            else "",
        )
        for label, comparison in (
            ("the suggestion vs your settings", suggestion.vs_user),
            ("the suggestion vs no augmentation", suggestion.vs_baseline),
            ("your settings vs no augmentation", suggestion.yours_vs_baseline),
        )
    ]
    return {
        "suggestion_verdict": verdict,
        "tone": SUGGESTION_BOX.get(verdict.tone, "no_difference"),
        "suggested_code": suggestion.stack.code if suggestion.stack is not None else idg_code(suggestion.config),
        "suggested_stack": suggestion.stack.where if suggestion.stack is not None else "",
        "suggestion_rows": rows,
        "against": "the suggestion",
    }


def _sections(context: dict) -> list[tuple[str, str]]:
    """(id, heading) of each section with something to show, in the order a reader needs them."""
    wanted = [
        ("summary", "Summary", True),
        ("suggestion", "The suggestion, checked on fresh seeds", "suggestion_rows" in context),
        (
            "config",
            "Your augmentation config" if "suggestion_rows" in context else "The augmentation config",
            "idg_code" in context,
        ),
        ("doctor", "Config doctor", bool(context["findings"])),
        (
            "comparison",
            "ImageDataGenerator vs the Keras 3 stack"
            if context["result"].is_migration
            else "With vs without augmentation",
            bool(context["result"].arms),
        ),
        ("effects", "Which classes and images it changed", "effect_class_rows" in context),
        ("ablation", "Which setting hurts (ablation)", "effect_rows" in context),
        ("affinity", "Affinity and diversity", "affinity" in context["figures"]),
        ("classes", "Per-class changes", "class_rows" in context),
        ("pixels", "Pixel statistics", "pixel_rows" in context),
        ("method", "How these numbers were made", True),
    ]
    return [(key, heading) for key, heading, shown in wanted if shown]


def build_report(
    result: RunResult,
    analysis: AblationAnalysis | None = None,
    config: AugmentConfig | None = None,
    findings: Iterable[Finding] = (),
    pixels: PixelStats | None = None,
    title: str = "Augmentation report",
    images=None,
    suggestion: Suggestion | None = None,
) -> str:
    """One self-contained HTML page about a comparison (or ablation) result.

    analysis: the ablation's analysis (the result's own, or computed here when the result
    has "only:" arms). config: the augmentation (default: the result's "full" or
    "augmented" arm). findings: the config doctor's `Finding`s, pixel findings included.
    pixels: `measure_pixels(...)`, shown as a table. images: the dataset's images, for
    thumbnails of the validation images augmentation broke. suggestion: a suggest run's
    (its result is the check), said first: against the user's settings, then against no
    augmentation. Sections whose data is missing
    are left out. Figures are inline PNGs; no script, no external resource.
    """
    findings = list(findings)
    analysis = analysis or result.ablation
    if analysis is None and BASELINE in result.arms and any(setting_of(a, ALONE) for a in result.arms):
        analysis = analyze(result)
    if analysis is not None and not analysis.one_at_a_time:
        analysis = None
    comparison = _comparison_summary(result)
    config = config or result.configs.get(FULL) or result.configs.get(AUGMENTED)
    context = {
        "title": title,
        "result": result,
        "analysis": analysis,
        "comparison": comparison,
        "findings": findings,
        "tone": verdict_tone(comparison, analysis),
        "warnings": sum(finding.severity == WARNING for finding in findings),
        "method_notes": METHOD_NOTES,
        "against": "augmentation" if AUGMENTED in result.arms else "the full config",
        "figures": {"comparison": _comparison_png(result, comparison, analysis)} if result.arms else {},
        "epoch_seconds": result.mean_epoch_seconds(),
        "suggestion_verdict": None,
    }
    for part in (
        _config_context(config, result) if config else {},
        _ablation_context(result, analysis) if analysis else {},
        _classes_context(result, analysis),
        _effects_context(result, comparison, images),
        _pixels_context(pixels, findings) if pixels else {},
        _suggestion_context(suggestion) if suggestion is not None else {},
    ):
        context["figures"].update(part.pop("figures", {}))
        context.update(part)
    context["sections"] = _sections(context)
    return _ENVIRONMENT.get_template("report.html.j2").render(context)


def _comparison_png(result: RunResult, comparison: Summary | None, analysis: AblationAnalysis | None) -> str:
    if comparison is not None:
        return _png(comparison_figure(result, caption=comparison.verdict))
    caption = "Learning curves of every arm" + (
        " (the ablation's numbers are in the next section)." if analysis else "."
    )
    return _png(comparison_figure(result, caption=caption))
