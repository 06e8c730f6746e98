"""A self-contained HTML report of a comparison or ablation, for someone who never saw the tool.

`build_report(result, analysis, config, findings, pixel)` writes ONE HTML page: inline CSS,
every figure embedded as a base64 PNG, no JavaScript, no external resource, all user text
(dataset and class names) escaped. Sections whose data is missing are left out.

`per_class(result)` turns the stored confusion matrices into per-class validation accuracy
per arm, its change against the baseline, and the (true, predicted) cells whose counts grew
the most: where an augmentation makes the model confuse one class with another.
"""

from __future__ import annotations

import base64
import html
import math
from typing import Any, Iterable

import numpy as np

from ..augment.config import AugmentConfig
from ..experiments.ablation import ALONE, BASELINE, FULL, WITHOUT, analyze
from ..experiments.stats import summarize
from ..interchange.export import idg_code
from .plots import (
    ablation_figure,
    affinity_figure,
    class_names,
    comparison_figure,
    confusion_figure,
    figure_png,
    paired_confusion_seeds,
)

TOP_PAIRS = 3


# --- per-class accuracy from the confusion matrices ------------------------------------------


def _summed(matrices: list, seeds: Iterable[int]) -> np.ndarray:
    return np.sum([np.asarray(matrices[i], dtype=np.int64) for i in seeds], axis=0)


def _accuracy(counts: np.ndarray) -> list[float | None]:
    """Per true class: correct / all images of that class (None for a class with none)."""
    rows = counts.sum(axis=1)
    return [float(counts[i, i] / rows[i]) if rows[i] else None for i in range(len(rows))]


def _difference(ours: list, theirs: list) -> list[float | None]:
    return [a - b if a is not None and b is not None else None for a, b in zip(ours, theirs)]


def per_class(result: dict, baseline: str = BASELINE) -> dict:
    """Per-class validation accuracy per arm against the baseline, from the confusion matrices.

    Counts are summed over seeds (rows: true class, columns: predicted class). Each arm is
    compared with the baseline over the seeds where BOTH have a matrix, so the two sums cover
    the same seeds. Returns (JSON-able):
    {"class_names", "baseline", "baseline_accuracy" (per class, every baseline seed with a
    matrix, or None), "n_seeds", "arms": {arm: {"n_seeds", "accuracy", "baseline_accuracy",
    "change", "most_affected_pairs"}}}; accuracies are fractions, None for a class with no
    validation image. most_affected_pairs: up to 3 off-diagonal cells whose count grew most,
    as {"true", "predicted", "baseline_count", "arm_count", "increase"} with class names.
    """
    confusion = result.get("confusion") or {}
    base = confusion.get(baseline) or []
    base_seeds = [i for i, matrix in enumerate(base) if matrix is not None]
    shapes = [np.shape(m) for matrices in confusion.values() for m in (matrices or []) if m is not None]
    classes = shapes[0][0] if shapes else len(result.get("class_names") or [])
    names = class_names(result, classes)
    out = {
        "class_names": names,
        "baseline": baseline,
        "baseline_accuracy": _accuracy(_summed(base, base_seeds)) if base_seeds else None,
        "n_seeds": len(base_seeds),
        "arms": {},
    }
    for arm in confusion:
        if arm == baseline:
            continue
        seeds = paired_confusion_seeds(result, arm, baseline)
        if not seeds:
            continue
        ours, theirs = _summed(confusion[arm], seeds), _summed(base, seeds)
        accuracy, reference = _accuracy(ours), _accuracy(theirs)
        increase = ours - theirs
        cells = [(int(increase[i, j]), int(ours[i, j]), i, j) for i in range(classes) for j in range(classes)
                 if i != j and increase[i, j] > 0]
        cells.sort(key=lambda cell: (-cell[0], -cell[1], cell[2], cell[3]))
        out["arms"][arm] = {
            "n_seeds": len(seeds),
            "accuracy": accuracy,
            "baseline_accuracy": reference,
            "change": _difference(accuracy, reference),
            "most_affected_pairs": [
                {"true": names[i], "predicted": names[j], "baseline_count": int(theirs[i, j]),
                 "arm_count": count, "increase": grown}
                for grown, count, i, j in cells[:TOP_PAIRS]
            ],
        }
    return out


def pair_sentence(pair: dict) -> str:
    """'6 predicted as 9: +14 images (3 -> 17)'."""
    return (f"{pair['true']} predicted as {pair['predicted']}: +{pair['increase']} images "
            f"({pair['baseline_count']} → {pair['arm_count']})")


# --- formatting -------------------------------------------------------------------------------


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _points(fraction: float | None, signed: bool = True) -> str:
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return "–"
    text = f"{fraction * 100:{'+' if signed else ''}.1f}"
    return "0.0" if float(text) == 0 else text


def _percent(fraction: float | None) -> str:
    return "–" if fraction is None else f"{fraction * 100:.1f}%"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _effect(row: dict | None) -> tuple[str, str]:
    """(text, css class) of an effect: '-3.1 (95% CI -5.0 to -1.2)', red / green / grey."""
    if not row or row.get("delta_mean") is None:
        return "no finished paired runs", "unclear"
    low, high = row.get("ci95") or (None, None)
    if low is None or high is None:
        return f"{_points(row['delta_mean'])} (one seed: no interval)", "unclear"
    decide_low, decide_high = row.get("ci_family") or (low, high)  # family-wise when available
    kind = "hurts" if decide_high < 0 else "helps" if decide_low > 0 else "unclear"
    return f"{_points(row['delta_mean'])} (95% CI {_points(low)} to {_points(high)})", kind


def _image(figure, alt: str) -> str:
    data = base64.b64encode(figure_png(figure)).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _table(header: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    """A table; cells are HTML already escaped by the caller."""
    head = "".join(f"<th>{cell}</th>" for cell in header)
    body = []
    for index, row in enumerate(rows):
        css = f' class="{classes[index]}"' if classes and classes[index] else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _list(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(item)}</li>" for item in items) + "</ul>"


CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;
margin-top:2em}.meta{color:#555;font-size:.92em}.lead{font-size:1.08em}
.box{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:6px;padding:.8em 1.1em}
pre{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:6px;padding:.8em;overflow-x:auto;font-size:.9em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}th,td{border:1px solid #d0d7de;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#f0f2f4}tr.hurts td{background:#fdecec}
tr.helps td{background:#eaf6ec}img{max-width:100%;height:auto;display:block;margin:.8em 0}
.warning{color:#a40000;font-weight:600}.note{color:#555;font-weight:600}.muted{color:#666;font-size:.9em}
nav ol{columns:2;font-size:.92em}
"""


# --- sections -----------------------------------------------------------------------------------


def _config(config: Any, result: dict) -> AugmentConfig | None:
    if isinstance(config, AugmentConfig):
        return config
    if isinstance(config, dict):
        return AugmentConfig.from_dict(config)
    configs = result.get("configs") or {}
    for arm in (FULL, "augmented"):
        if isinstance(configs.get(arm), dict):
            return AugmentConfig.from_dict(configs[arm])
    return None


def _comparison_summary(result: dict) -> dict | None:
    """The baseline-vs-augmented summary ("full" stands in for an ablation), or None."""
    arms = result.get("arms") or {}
    if BASELINE not in arms:
        return None
    if "augmented" in arms:
        stored = result.get("summary") or {}
        return stored if "verdict" in stored and "per_epoch" in stored else summarize(result)
    if FULL in arms:
        return summarize(result, augmented=FULL)
    return None


def _chosen_arm(result: dict, analysis: dict | None) -> str | None:
    """The arm whose per-class changes the report shows: full, else augmented, else the most
    harmful setting alone."""
    confusion = result.get("confusion") or {}
    for arm in (FULL, "augmented"):
        if arm in confusion:
            return arm
    if analysis:
        for row in analysis.get("one_at_a_time") or []:
            if ALONE + row["transform"] in confusion and row.get("delta_mean") is not None:
                return ALONE + row["transform"]
    return next((arm for arm in confusion if arm.startswith(ALONE)), None)


def _arm_label(arm: str) -> str:
    if arm.startswith(ALONE):
        return f"{arm[len(ALONE):]} alone"
    if arm.startswith(WITHOUT):
        return f"full config without {arm[len(WITHOUT):]}"
    if arm == FULL:
        return "the full config"
    if arm == BASELINE:
        return "no random transform (same preprocessing)"
    if arm == "augmented":
        return "the config"
    return arm


def _setting_value(value: Any) -> str:
    """A setting as typed: 40.0 -> 40, 0.00392... -> 1/255, lists as lists."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_setting_value(item) for item in value) + "]"
    if isinstance(value, float):
        if 0 < value < 1 and round(1 / value) > 2 and math.isclose(1 / value, round(1 / value), rel_tol=1e-9):
            return f"1/{round(1 / value)}"
        return str(int(value)) if value.is_integer() else f"{value:g}"
    return str(value)


def _summary_section(result: dict, analysis: dict | None, comparison: dict | None, findings: list,
                     pixel: dict | None) -> str:
    parts = []
    if analysis:
        parts.append(f'<p class="lead">{_e(analysis.get("sentence", ""))}</p>')
        advice = analysis.get("recommendation") or []
        if advice:
            parts.append("<p><strong>What to do:</strong></p>" + _list(advice))
        full = analysis.get("full")
        if full and full.get("delta_mean") is not None:
            text, _ = _effect(full)
            parts.append(f"<p>The full config against no augmentation, in points of final validation "
                         f"accuracy: {_e(text)}.</p>")
    elif comparison:
        parts.append(f'<p class="lead">{_e(comparison["verdict"])}</p>')
    else:
        parts.append("<p>No finished paired runs yet.</p>")
    warnings = [f for f in findings if _field(f, "severity") == "warning"]
    if warnings:
        parts.append(f"<p>The config doctor raised {len(warnings)} warning(s) about the settings: see "
                     '<a href="#doctor">Config doctor</a>.</p>')
    if pixel and pixel.get("flags"):
        parts.append(f"<p>The pixel statistics show {len(pixel['flags'])} units problem(s): see "
                     '<a href="#pixels">Pixel statistics</a>.</p>')
    if result.get("status") not in (None, "finished"):
        parts.append(f'<p class="muted">This run is {_e(result["status"])}: the numbers cover the seeds and '
                     "epochs that finished.</p>")
    return '<div class="box">' + "".join(parts) + "</div>"


def _field(finding: Any, name: str) -> str:
    value = finding.get(name, "") if isinstance(finding, dict) else getattr(finding, name, "")
    return "" if value is None else str(value)


def _config_section(config: AugmentConfig, result: dict) -> str:
    parts = ["<p>The augmentation as Keras <code>ImageDataGenerator</code> code:</p>",
             f"<pre><code>{_e(idg_code(config))}</code></pre>"]
    configs = result.get("configs") or {}
    if len(configs) > 1:
        rows = []
        for arm, settings in configs.items():
            try:
                changed = AugmentConfig.from_dict(settings).to_idg_kwargs(only_changed=True)
            except (TypeError, ValueError):
                changed = {}
            text = ", ".join(f"{key}={_setting_value(value)}" for key, value in changed.items()) or "defaults"
            rows.append([_e(arm), _e(_arm_label(arm)), f"<code>{_e(text)}</code>"])
        parts.append("<p>Arms trained (each one is a separate model per seed):</p>"
                     + _table(["arm", "meaning", "non-default settings"], rows))
    return "".join(parts)


def _doctor_section(findings: list) -> str:
    items = []
    for finding in findings:
        severity = _field(finding, "severity") or "note"
        setting = _field(finding, "setting")
        label = f"{severity}" + (f" · {setting}" if setting else "")
        items.append(f'<li><span class="{_e(severity)}">{_e(label)}</span>: {_e(_field(finding, "message"))}'
                     f"<br><em>Fix:</em> {_e(_field(finding, 'fix'))}</li>")
    return ("<p>What ImageDataGenerator really does with these settings, and how to fix the surprises:</p>"
            "<ul>" + "".join(items) + "</ul>")


def _comparison_section(result: dict, comparison: dict | None, has_ablation: bool) -> str:
    parts = []
    if comparison:
        against = "the full config" if "augmented" not in (result.get("arms") or {}) else "augmentation"
        parts.append(f"<p><strong>Verdict ({_e(against)} vs no augmentation):</strong> "
                     f"{_e(comparison['verdict'])}</p>")
        if comparison.get("baseline_final") is not None and comparison.get("augmented_final") is not None:
            parts.append(f"<p>Mean final validation accuracy: {_percent(comparison['baseline_final'])} without, "
                         f"{_percent(comparison['augmented_final'])} with augmentation, over "
                         f"{comparison.get('n_seeds', 0)} paired seed(s).</p>")
        if comparison.get("warnings"):
            parts.append("<p><strong>Warnings:</strong></p>" + _list(comparison["warnings"]))
        figure_summary = comparison
    else:
        figure_summary = dict(summarize(result), verdict="Learning curves of every arm"
                              + (" (the ablation's numbers are in the next section)." if has_ablation else "."))
    figure = comparison_figure(dict(result, summary=figure_summary))
    parts.append(_image(figure, "Validation and training accuracy and loss per epoch for each arm"))
    parts.append('<p class="muted">Lines: mean over seeds; bands: ±1 standard deviation. Solid: validation '
                 "(never augmented), dashed: training (augmented). A training curve below the validation "
                 "curve is normal with augmentation: the training images are harder.</p>")
    return "".join(parts)


def _ablation_section(analysis: dict) -> str:
    one = analysis.get("one_at_a_time") or []
    loo = {row["transform"]: row for row in analysis.get("leave_one_out") or []}
    affinity, diversity = analysis.get("affinity") or {}, analysis.get("diversity") or {}
    header = ["setting", "alone vs no augmentation, points"]
    if loo:
        header.append("share in the full config, points")
    header += ["affinity", "diversity", "paired seeds"]
    rows, classes = [], []
    for row in one:
        text, kind = _effect(row)
        cells = [f"<code>{_e(row['transform'])}</code>", _e(text)]
        if loo:
            cells.append(_e(_effect(loo.get(row["transform"]))[0]))
        cells += [_ratio(affinity.get(row["transform"])), _ratio(diversity.get(row["transform"])),
                  str(row.get("n_seeds", 0))]
        rows.append(cells)
        classes.append(kind if kind != "unclear" else "")
    parts = [
        "<p>Each setting was trained on its own against the same baseline (same preprocessing, no random "
        "transform), with the same seeds. Negative = the setting costs accuracy. The intervals shown are 95% "
        "intervals; a row is coloured (red: hurts, green: helps) only when its interval stays clear of zero "
        "after allowing for all the settings tested at once (Bonferroni), since with several settings one "
        "plain 95% interval misses zero by chance fairly often. Uncoloured: the data cannot tell.</p>",
        _table(header, rows, classes),
    ]
    if loo:
        parts.append('<p class="muted">"Share in the full config" is the full config\'s accuracy minus the '
                     "full config without that setting: what it adds on top of the others.</p>")
    parts.append(_image(ablation_figure(analysis), "Effect of each setting on final validation accuracy"))
    return "".join(parts)


def _affinity_section(analysis: dict) -> str:
    return (
        "<p><strong>Affinity</strong>: the baseline model's accuracy on validation images augmented by the "
        "setting, divided by its accuracy on clean ones. Near 1: augmented images still look like the data; "
        "well below 1: the setting pushes images off the data's distribution. <strong>Diversity</strong>: the "
        "final training loss with the setting, divided by the baseline's: how much harder the training data "
        "became. Helpful augmentations tend to combine high affinity with high diversity.</p>"
        + _image(affinity_figure(analysis), "Affinity against diversity per setting")
    )


def _per_class_section(result: dict, arm: str, classes: dict) -> str:
    data = classes["arms"][arm]
    names = classes["class_names"]
    rows, css = [], []
    for name, before, after, change in zip(names, data["baseline_accuracy"], data["accuracy"], data["change"]):
        rows.append([_e(name), _percent(before), _percent(after), _points(change)])
        css.append("hurts" if change is not None and change < 0 else "helps" if change and change > 0 else "")
    parts = [
        f"<p>Validation accuracy per class, baseline vs <code>{_e(arm)}</code> ({_e(_arm_label(arm))}), from "
        f"the confusion counts summed over {data['n_seeds']} seed(s):</p>",
        _table(["class", "baseline", _e(arm), "change, points"], rows, css),
    ]
    pairs = data["most_affected_pairs"]
    if pairs:
        parts.append(f"<p><strong>Confusions that grew most</strong> with <code>{_e(arm)}</code> (true class "
                     f"predicted as another, summed over {data['n_seeds']} seed(s)):</p>"
                     + _list(pair_sentence(pair) for pair in pairs))
    else:
        parts.append("<p>No confusion between two classes grew.</p>")
    parts.append(_image(confusion_figure(result, arm), f"Change in confusion counts, {arm} minus baseline"))
    return "".join(parts)


def _pixel_section(pixel: dict) -> str:
    fed = {"0-255": "0..255 (as loaded)", "0-1": "0..1 (divided by 255)"}.get(pixel.get("input_range"), "")
    rows = []
    for key, label in (("original", f"fed to IDG, {fed}".rstrip(", ")), ("augmented", "after augmentation")):
        stats = pixel.get(key)
        if stats:
            rows.append([_e(label)] + [f"{stats[name]:.4g}" for name in ("min", "max", "mean", "std")])
    parts = ["<p>The picked images' pixel values before and after IDG, to catch units mistakes:</p>",
             _table(["", "min", "max", "mean", "std"], rows)]
    flags = pixel.get("flags") or []
    parts.append("<p><strong>Problems:</strong></p>" + _list(flags) if flags
                 else "<p>No units problem: the numbers change as the settings say they should.</p>")
    return "".join(parts)


METHOD_NOTES = (
    "Paired seeds: for each seed, every arm starts from the same initial weights and sees the same training "
    "images in the same batch order, so the difference between two arms on one seed comes from the "
    "augmentation alone. Effects are differences of final validation accuracy (the last finished epoch) per "
    "seed, in percentage points.",
    "Validation images are never augmented: they get the same preprocessing as the training images (rescale, "
    "samplewise normalisation) and nothing else. The one exception is the affinity probe, which tests the "
    "already trained baseline model on augmented validation images; nothing is ever trained on them.",
    "95% intervals: the mean of the per-seed differences ± t(0.975, n−1) × sd / √n, a Student t interval over "
    "n paired seeds. One seed gives no interval. An interval that includes zero means these runs cannot tell "
    "whether the effect is positive or negative; more seeds narrow it.",
    "One at a time: each setting alone against the baseline (same preprocessing, no random transform). "
    "Leave-one-out: the full config against the full config without the setting, i.e. what the setting adds on "
    "top of the others. Settings can interact, so the two can disagree.",
    "Affinity and diversity follow Gontijo-Lopes et al. 2020, \"Affinity and Diversity: Quantifying Mechanisms "
    "of Data Augmentation\". Affinity: accuracy of the baseline model on validation images augmented by the "
    "setting divided by its clean validation accuracy, averaged over seeds (1 = no distribution shift). "
    "Diversity: final training loss of the model trained with the setting alone divided by the baseline's "
    "(above 1 = harder, more varied training data).",
    "Per-class numbers come from the confusion matrices of the final models on the validation set, summed over "
    "the seeds where both arms have one.",
)


def build_report(
    result: dict,
    analysis: dict | None = None,
    config: Any = None,
    findings: Iterable = (),
    pixel: dict | None = None,
    title: str = "Augmentation report",
) -> str:
    """One self-contained HTML page about a comparison (or ablation) result.

    analysis: `ablation.analyze(result)` (computed here when None and the result has
    "only:" arms). config: the augmentation (`AugmentConfig` or dict; default: the result's
    "full" or "augmented" arm). findings: the config doctor's `Finding`s (or dicts with
    severity, setting, message, fix). pixel: `pixelstats.pixel_stats(...)`. Sections whose
    data is missing are left out. Figures are inline PNGs; no script, no external resource.
    """
    result = dict(result or {})
    result.setdefault("arms", {})
    findings = list(findings or [])
    if analysis is None and BASELINE in result["arms"] and any(arm.startswith(ALONE) for arm in result["arms"]):
        analysis = analyze(result)
    has_ablation = bool(analysis and analysis.get("one_at_a_time"))
    comparison = _comparison_summary(result)
    augmentation = _config(config, result)

    sections: list[tuple[str, str, str]] = [
        ("summary", "Summary", _summary_section(result, analysis if has_ablation else None, comparison,
                                                findings, pixel)),
    ]
    if augmentation is not None:
        sections.append(("config", "The augmentation config", _config_section(augmentation, result)))
    if findings:
        sections.append(("doctor", "Config doctor", _doctor_section(findings)))
    if result["arms"]:
        sections.append(("comparison", "With vs without augmentation",
                         _comparison_section(result, comparison, has_ablation)))
    if has_ablation:
        sections.append(("ablation", "Which setting hurts (ablation)", _ablation_section(analysis)))
        values = list((analysis.get("affinity") or {}).values()) + list((analysis.get("diversity") or {}).values())
        if any(value is not None for value in values):
            sections.append(("affinity", "Affinity and diversity", _affinity_section(analysis)))
    classes = per_class(result)
    arm = _chosen_arm(result, analysis)
    if arm is not None and arm in classes["arms"]:
        sections.append(("classes", "Per-class changes", _per_class_section(result, arm, classes)))
    if pixel and pixel.get("original") and pixel.get("augmented"):
        sections.append(("pixels", "Pixel statistics", _pixel_section(pixel)))
    sections.append(("method", "How these numbers were made", _list(METHOD_NOTES)))

    settings = result.get("settings") or {}
    meta = []
    if result.get("dataset"):
        meta.append(f"dataset <strong>{_e(result['dataset'])}</strong>")
    if result.get("class_names"):
        meta.append(f"{len(result['class_names'])} classes")
    if settings.get("seeds"):
        meta.append(f"{len(settings['seeds'])} seed(s)")
    if settings.get("epochs"):
        meta.append(f"{_e(settings['epochs'])} epoch(s)")
    if settings.get("train_images") and settings.get("validation_images"):
        meta.append(f"{_e(settings['train_images'])} training / {_e(settings['validation_images'])} validation images")
    if result.get("status"):
        meta.append(f"status: {_e(result['status'])}")

    nav = "".join(f'<li><a href="#{key}">{_e(heading)}</a></li>' for key, heading, _ in sections)
    body = "".join(f'<section id="{key}"><h2>{index}. {_e(heading)}</h2>{content}</section>'
                   for index, (key, heading, content) in enumerate(sections, start=1))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1>"
        f'<p class="meta">{" · ".join(meta)}</p>'
        f"<nav><ol>{nav}</ol></nav>"
        f"{body}"
        "</body></html>\n"
    )
