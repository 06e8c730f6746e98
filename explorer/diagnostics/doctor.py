"""The doctor: plain-language warnings about ImageDataGenerator's surprising semantics.

`diagnose(config, images, input_range, mean_fill_fraction, pixels)` looks at the settings a
user chose (and, where it helps, the images they picked, the range their pipeline feeds IDG,
the measured share of filled pixels and the measured pixel statistics) and returns
`Finding`s: what IDG will really do, with the user's numbers, and a one-line fix.

One registry of rules: each finding comes from one small check (`Inputs -> Finding | None`,
in `checks.py`) registered in `CHECKS` (`findings.py`), in the order the findings are
reported; the numbers they compare against are `THRESHOLDS`. Pixel measurements come from
`pixels.measure_pixels` and are only an input: the rules decide.

`model_findings(config, model)` is apart from that registry: it needs the model a run trains,
which the config alone does not say, so it is called where a model is chosen (the train panel).
The model is anything with the `kind` and `name` of an `experiments.records.spec.ModelRef`: the doctor
reads settings, images and measurements, never the run records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..augment.config import AugmentConfig, as_config, check_input_range
from . import checks, oddities  # noqa: F401  (register the rules in CHECKS, in this order)
from .findings import CHECKS, NOTE, THRESHOLDS, WARNING, Change, Finding, Inputs, Thresholds, change, rescale_text
from .pixels import BatchStats, PixelStats, measure_pixels

__all__ = [
    "CHECKS",
    "NOTE",
    "THRESHOLDS",
    "WARNING",
    "BatchStats",
    "Change",
    "Finding",
    "Inputs",
    "PixelStats",
    "Thresholds",
    "diagnose",
    "measure_pixels",
    "model_findings",
]


def _checked_fill(mean_fill_fraction: float | None) -> float | None:
    if mean_fill_fraction is None:
        return None
    fraction = float(mean_fill_fraction)
    if not 0 <= fraction <= 1:  # also rejects NaN
        raise ValueError(f"mean_fill_fraction must be between 0 and 1; got {mean_fill_fraction!r}")
    return fraction


def _checked_pixels(pixels: PixelStats | None, input_range: str) -> PixelStats | None:
    if pixels is None:
        return None
    if not isinstance(pixels, PixelStats):
        raise TypeError(f"pixels must be a PixelStats from measure_pixels; got {type(pixels).__name__}")
    if pixels.input_range != input_range:
        raise ValueError(f"pixels were measured for input_range {pixels.input_range!r}, not {input_range!r}")
    return pixels


def diagnose(
    config: AugmentConfig,
    images: Sequence = (),
    input_range: str = "0-255",
    mean_fill_fraction: float | None = None,
    pixels: PixelStats | None = None,
    size: tuple[int, int] | None = None,
) -> list[Finding]:
    """Every finding that applies to these settings, in `CHECKS` order.

    config: an `AugmentConfig` (or a dict of IDG keyword arguments). images: the picked
    images, uint8 H x W x C as loaded (may be empty). input_range: "0-255" if the pipeline
    feeds IDG the images as loaded, "0-1" if it divides by 255 first. mean_fill_fraction:
    the measured share (0..1) of preview pixels IDG filled from outside the image, or None.
    pixels: `measure_pixels(images, config, input_range)`, or None; with it the rules about
    the data's range use the measured range, and the measured-only rules (black_output) run.
    size: (height, width) in pixels that the pixel figures (shifts, pivot) refer to, e.g. the
    size the user trains at; None: the first image's own size.
    """
    config = as_config(config)
    check_input_range(input_range)
    inputs = Inputs(
        config,
        () if images is None else tuple(images),
        input_range,
        _checked_fill(mean_fill_fraction),
        _checked_pixels(pixels, input_range),
        _checked_size(size),
    )
    return [finding for check in CHECKS if (finding := check(inputs)) is not None]


def _checked_size(size) -> tuple[int, int] | None:
    if size is None:
        return None
    try:
        height, width = (int(side) for side in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be (height, width) in pixels; got {size!r}") from None
    if height < 1 or width < 1:
        raise ValueError(f"size must be at least 1 x 1 pixels; got {size!r}")
    return height, width


APPLICATION = "applications"  # experiments.records.spec.APPLICATION, the kind of a keras.applications model


class ModelChoice(Protocol):
    """What the doctor reads of a model choice (an `experiments.records.spec.ModelRef`)."""

    kind: str
    name: str


def model_findings(config: AugmentConfig, model: ModelChoice) -> list[Finding]:
    """What the chosen model changes about the config: a keras.applications architecture
    with `rescale` set (IDG skips a rescale of 0, None or 1). The architecture's own
    preprocess_input expects 0..255 images; the comparison runs it in place of rescale, but a
    script that passes both feeds the model 0..1 data."""
    config = as_config(config)
    rescale = config.rescale
    if model.kind != APPLICATION or not rescale or rescale == 1:
        return []
    factor = rescale_text(rescale)
    return [
        Finding(
            "applications_rescale",
            WARNING,
            "rescale",
            f"{model.name} expects 0..255 images: its own preprocess_input maps them to the range its weights were "
            f"trained on. The comparison runs preprocess_input in place of rescale={factor}, which it sets aside; "
            f"in your own script, passing both rescale={factor} and preprocessing_function=preprocess_input "
            "feeds the model 0..1 data.",
            f"In your script, leave rescale out of ImageDataGenerator and pass preprocessing_function="
            f"preprocess_input from {model.name}'s keras.applications module.",
            change(rescale=None),
        )
    ]
