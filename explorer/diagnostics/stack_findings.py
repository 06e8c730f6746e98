"""The Keras 3 stack doctor's vocabulary: what its rules see, what they say, how a fix is
written so code can apply it, and the measurements they quote.

A rule is a small function `StackInputs -> list[LayerFinding]` registered with
`@stack_check(code)` into `STACK_CHECKS`; `stack_doctor.diagnose_stack` runs them in order. A
fix that is a change of the stack is a `StackChange` (replace or remove layers); the tests apply
every proposed change and run the doctor again: the finding must be gone and no new warning
may appear. The measurements run the layers through `explorer.augment.keras3`, the same
reproduction the preview draws, so a number in a finding is what the tiles show.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..augment.config import AugmentConfig
from ..augment.keras3 import KerasArgumentError, KerasLayer, Stack
from ..augment.keras3.render import filled, random_draws, range_after
from ..interchange.keras_placement import Placement
from ..interchange.keras_stack import StackFinding
from .findings import NOTE, WARNING, num, pct

__all__ = ["NOTE", "WARNING", "num", "pct"]

AFFINE = ("RandomRotation", "RandomTranslation", "RandomZoom", "RandomShear")
# Draws per measurement: enough for a mean within about a percentage point on these ranges.
DRAWS = 32
MEASURE_SIDE = 96  # measurements of geometry run on a blank of this height (width follows the image's aspect)


@dataclass(frozen=True)
class StackEdit:
    """Replace the layer at `index` with `layer`, or remove it (`layer` None)."""

    index: int
    layer: KerasLayer | None


@dataclass(frozen=True)
class StackChange:
    """A fix as edits of the stack, applied together (indices refer to the stack as it was)."""

    edits: tuple[StackEdit, ...] = ()

    def apply(self, layers: tuple[KerasLayer, ...]) -> tuple[KerasLayer, ...]:
        """The layers with this change made."""
        by_index = {edit.index: edit.layer for edit in self.edits}
        out = []
        for index, layer in enumerate(layers):
            if index not in by_index:
                out.append(layer)
            elif by_index[index] is not None:
                out.append(by_index[index])
        return tuple(out)


def replace_layer(index: int, layer: KerasLayer, **arguments) -> StackChange | None:
    """A `StackChange` that gives the layer at `index` these arguments; None when Keras would
    refuse them (the fix is then advice only)."""
    try:
        return StackChange((StackEdit(index, dataclasses.replace(layer, **arguments)),))
    except KerasArgumentError:
        return None


@dataclass(frozen=True)
class LayerFinding:
    """One thing the user should know about their Keras 3 stack.

    code: stable id (one per rule). severity: WARNING (probably not what the user wants) or
    NOTE (works, but not as the name suggests). index: the layer's position in the stack (None
    when about the script). line: the script's line (None when unknown). layer: the Keras
    class ("" when general). message: the user's numbers in words. fix: one concrete line.
    change: the fix as a `StackChange` when it is one, else None (advice).
    """

    code: str
    severity: str
    index: int | None
    line: int | None
    layer: str
    message: str
    fix: str
    change: StackChange | None = None

    @property
    def where(self) -> str:
        """'line 4, RandomRotation' or 'RandomRotation' or 'line 12'."""
        parts = [f"line {self.line}"] if self.line else []
        return ", ".join([*parts, self.layer] if self.layer else parts)


@dataclass(frozen=True)
class StackInputs:
    """What every stack rule sees.

    layers: the stack, in order. lines: each layer's script line (None when unknown).
    input_range: "0-255" or "0-1", the data the stack is fed. placements: where the script
    applies it. parse_findings: what the parser could not take. backend: the Keras backend the
    script selects ("tensorflow", "jax", "torch" or None when it does not say). images: the
    picked images (0..255, H x W x C) for measurements; may be empty. idg: the
    ImageDataGenerator config this stack replaces, for the migration rules (None: no migration).
    form: how the script writes the stack (`keras_stack.SEQUENTIAL`...), None when not parsed.
    """

    layers: tuple[KerasLayer, ...]
    lines: tuple[int | None, ...] = ()
    input_range: str = "0-255"
    placements: tuple[Placement, ...] = ()
    parse_findings: tuple[StackFinding, ...] = ()
    backend: str | None = None
    images: tuple[np.ndarray, ...] = ()
    idg: AugmentConfig | None = None
    form: str | None = None

    def line(self, index: int) -> int | None:
        return self.lines[index] if index < len(self.lines) else None

    def named(self, *names: str) -> list[tuple[int, KerasLayer]]:
        """(index, layer) of the layers of these Keras classes, in order."""
        return [(i, layer) for i, layer in enumerate(self.layers) if layer.layer_name() in names]

    def data_range(self, index: int) -> tuple[float, float]:
        """The range of the values reaching layer `index`: the input range through every
        Rescaling before it (`render.range_after`, as the tiles are shown)."""
        low, high = (0.0, 255.0) if self.input_range == "0-255" else (0.0, 1.0)
        return range_after(self.layers[:index], low, high)

    def size(self) -> tuple[int, int]:
        """(height, width) measurements use: the first image's aspect at MEASURE_SIDE rows."""
        if self.images:
            height, width = self.images[0].shape[:2]
            return MEASURE_SIDE, max(8, round(MEASURE_SIDE * width / height))
        return MEASURE_SIDE, MEASURE_SIDE

    def finding(self, code: str, severity: str, index: int | None, message: str, fix: str, change=None) -> LayerFinding:
        """A finding about layer `index` (its line and class filled in)."""
        layer = "" if index is None else self.layers[index].layer_name()
        line = None if index is None else self.line(index)
        return LayerFinding(code, severity, index, line, layer, message, fix, change)


StackCheck = Callable[[StackInputs], list[LayerFinding]]
STACK_CHECKS: list[StackCheck] = []


def stack_check(code: str) -> Callable[[StackCheck], StackCheck]:
    """Register a stack rule under its code; rules run in registration order."""

    def register(function: StackCheck) -> StackCheck:
        if any(existing.code == code for existing in STACK_CHECKS):  # type: ignore[attr-defined]
            raise ValueError(f"a stack check with code {code!r} is already registered")
        function.code = code  # type: ignore[attr-defined]
        STACK_CHECKS.append(function)
        return function

    return register


def filled_share(layers: list[KerasLayer], size: tuple[int, int], draws: int = DRAWS) -> float:
    """Mean share of pixels that come from outside the image after these geometric layers,
    measured as the tiles' fill is (`render.filled`) over `draws` draws of seed 0."""
    stack = Stack(tuple(layers))
    return float(np.mean([filled(stack, drawn, *size).mean() for drawn in random_draws(stack, (*size, 1), draws, 0)]))


def measured_images(inputs: StackInputs, index: int) -> list[np.ndarray]:
    """The picked images (or a grey ramp when none) as the data reaching layer `index`: in
    the input range, through the layers before it that draw nothing random."""
    images = inputs.images or (np.tile(np.linspace(0, 255, 64, dtype=np.float32), (48, 1))[..., None].repeat(3, 2),)
    low, high = inputs.data_range(index)
    return [np.asarray(image, dtype=np.float32) / 255.0 * (high - low) + low for image in images[:4]]


def share_outside(layer: KerasLayer, images: list[np.ndarray], low: float, high: float) -> float:
    """Mean share of output values outside [low, high] (with a 0.5% margin of the span) or stuck
    at its ends that were not there before, over DRAWS draws per image."""
    rng = np.random.default_rng(0)
    margin = 0.005 * (high - low)
    shares = []
    for image in images:
        for _ in range(max(1, DRAWS // len(images))):
            out = layer.apply(image, layer.draw(rng, image.shape[0], image.shape[1]))
            outside = (out < low - margin) | (out > high + margin)
            stuck = (np.abs(out - low) <= margin) & (np.abs(image - low) > margin)
            stuck |= (np.abs(out - high) <= margin) & (np.abs(image - high) > margin)
            shares.append(float(np.mean(outside | stuck)))
    return float(np.mean(shares))
