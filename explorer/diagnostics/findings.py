"""The doctor's vocabulary: what a finding is, what every rule sees, the registry of rules,
the one table of thresholds the rules compare against, and the one set of wording helpers.

A rule is a small function `Inputs -> Finding | None` registered with `@check(code)` into
`CHECKS`; `doctor.diagnose` runs them in registration order. The rules themselves live in
`checks.py`; the pixel measurements some of them read come from `pixels.measure_pixels`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..augment.config import AugmentConfig
from .pixels import PixelStats

WARNING = "warning"
NOTE = "note"
# The findings that are units mistakes, which the pixel statistics show in numbers.
UNITS_PROBLEMS = (
    "black_output",
    "brightness_on_unit_data",
    "channel_shift_invisible",
    "channel_shift_huge",
    "rescale_twice",
)


@dataclass(frozen=True)
class Thresholds:
    """Every number a rule compares against. Fractions are 0..1; "the data's range" is the
    measured max - min of the batch IDG is fed when pixels were measured, else the input
    range's span (255 for 0..255 data, 1 for 0..1 data). See `Inputs.data_span`."""

    # channel_shift_range as a fraction of the data's range.
    channel_shift_invisible: float = 0.02  # below 2% (5.1 levels of 255): nothing visible
    channel_shift_huge: float = 0.5  # from 50% (127.5 of 255): shifted images pile up at min/max
    # Share of augmented pixels filled from outside the image (measured on the preview).
    fill_note: float = 0.05  # from 5%: a note
    fill_warning: float = 0.15  # from 15%: a warning
    # Black or flat output (measured).
    flat_std_ratio: float = 0.01  # augmented std under 1% of the original's: flat
    flat_share: float = 0.95  # 95% of pixels at their image's darkest value: "nearly all" ...
    flat_shrink: float = 0.2  # ... when the share of other pixels shrank to a fifth or less
    # Rescale applied twice (measured): the fed 0..1 data must reach at least this maximum for
    # a squeezed augmented maximum to prove anything, and the augmented maximum counts as
    # squeezed up to |rescale| times (1 + this slack, for float32 rounding).
    rescale_confirm_max: float = 0.5
    rescale_slack: float = 1e-3
    # Data counts as 0..1 (brightness truncates it to 0) when its measured maximum is at most this.
    unit_data_max: float = 1.0
    # shear_range below this many degrees changes nothing visible.
    shear_invisible_deg: float = 1.0
    # rotation_range below this many degrees changes nothing visible (0.2 is Keras 3's fraction of a turn).
    rotation_invisible_deg: float = 1.0
    # Over-augmentation: rotation from 30 degrees plus a shift from 20% of the image size,
    # plus shear or zoom.
    over_rotation_deg: float = 30.0
    over_shift: float = 0.2
    # Brightness factors below this give nearly black images.
    brightness_dark: float = 0.3


THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Change:
    """A fix that is a change of settings, in a form code can apply (the script doctor turns
    it into an edit of the IDG call; the tests apply it and run the doctor again).

    settings: (IDG keyword, new value) pairs, the value as IDG takes it; None means "leave
    the argument out" (IDG's default). input_range: the range to feed IDG instead ("0-255"
    or "0-1"), None to keep the pipeline's.
    """

    settings: tuple[tuple[str, Any], ...] = ()
    input_range: str | None = None

    def apply(self, config: AugmentConfig) -> AugmentConfig:
        """The config with this change made."""
        defaults = {field.name: field.default for field in dataclasses.fields(AugmentConfig)}
        return dataclasses.replace(
            config, **{name: defaults[name] if value is None else value for name, value in self.settings}
        )


def change(**settings: Any) -> Change:
    """A `Change` of these settings (keyword order kept)."""
    return Change(tuple(settings.items()))


@dataclass(frozen=True)
class Finding:
    """One thing the user should know about their settings.

    code: stable id (one per check). severity: "warning" (the result is probably not what
    the user wants) or "note" (IDG works, but not as the names suggest). setting: the IDG
    keyword the finding is about ("" if general; the first one when it is about a pair).
    message: one or two sentences with the user's numbers. fix: one concrete line.
    change: the fix as a `Change` of settings when it is one (the same values the fix
    names); None when the fix is advice (crop the images, measure it, nothing to change).
    """

    code: str
    severity: str
    setting: str
    message: str
    fix: str
    change: Change | None = None


@dataclass(frozen=True)
class Inputs:
    """What every check sees: the config, the picked images, the range fed to IDG, the
    measured share of filled pixels (None when not measured) and the measured pixel
    statistics (None when not measured)."""

    config: AugmentConfig
    images: tuple
    input_range: str
    mean_fill_fraction: float | None
    pixels: PixelStats | None = None
    size: tuple[int, int] | None = None  # (height, width) the pixel figures refer to: the training size

    @property
    def thresholds(self) -> Thresholds:
        """The threshold table in force (read at call time, so replacing `THRESHOLDS` in
        this module changes every rule)."""
        return THRESHOLDS

    @property
    def span(self) -> float:
        """The width of the input range in pixel units: 255 for 0..255 data, 1 for 0..1."""
        return 255.0 if self.input_range == "0-255" else 1.0

    @property
    def range_text(self) -> str:
        return "0..255" if self.input_range == "0-255" else "0..1"

    @property
    def data_span(self) -> float:
        """The range of the values IDG is fed, in pixel units: the measured max - min of the
        fed batch when pixels were measured (and not all one value), else `span`."""
        if self.pixels is not None:
            measured = self.pixels.original.max - self.pixels.original.min
            if measured > 0:
                return measured
        return self.span

    @property
    def data_text(self) -> str:
        """The data IDG is fed, in words: '0..255 data', or with the measured values
        ('0..255 data spanning 12..240')."""
        if self.pixels is None:
            return f"{self.range_text} data"
        original = self.pixels.original
        return f"{self.range_text} data spanning {num(original.min)}..{num(original.max)}"

    @property
    def unit_data(self) -> bool:
        """Whether IDG is fed data in 0..1: measured (maximum at most `unit_data_max`, and not
        all zero) when pixels were measured, else input_range == "0-1"."""
        if self.pixels is not None and self.pixels.original.max > 0:
            return self.pixels.original.max <= self.thresholds.unit_data_max
        return self.input_range == "0-1"

    @property
    def first_size(self) -> tuple[int, int] | None:
        """(height, width) the pixel figures refer to: the training size when one was given,
        else the first picked image's, or None."""
        if self.size is not None:
            return self.size
        for image in self.images:
            shape = getattr(image, "shape", None)
            if shape is not None and len(shape) >= 2:
                return int(shape[0]), int(shape[1])
        return None


Check = Callable[[Inputs], "Finding | None"]
CHECKS: list[Check] = []


def check(code: str) -> Callable[[Check], Check]:
    """Register a check under its finding code; checks run in registration order. A code
    can be registered once."""

    def register(function: Check) -> Check:
        if any(existing.code == code for existing in CHECKS):  # type: ignore[attr-defined]
            raise ValueError(f"a check with code {code!r} is already registered")
        function.code = code  # type: ignore[attr-defined]
        CHECKS.append(function)
        return function

    return register


# -- wording: the one way every rule writes numbers ----------------------------------------


def num(value: float) -> str:
    """A number as a user would type it: 40.0 -> '40', 0.2 -> '0.2', 25.5 -> '25.5'."""
    if isinstance(value, (bool, int)):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"


def value_text(value: Any) -> str:
    """A setting's value as it would be written in IDG's call: tuples as lists."""
    if isinstance(value, tuple):
        return "[" + ", ".join(num(item) for item in value) + "]"
    return num(value)


def setting_text(config: AugmentConfig, name: str) -> str:
    """'name=value' for one of the config's settings, as written in IDG's call."""
    return f"{name}={value_text(getattr(config, name))}"


def pct(fraction: float) -> str:
    """0.3 -> '30%', 0.08 -> '8%', 0.00039 -> '0.039%'; never rounds 'nearly all' up to
    'all' (0.9996 -> '99.9%')."""
    percent = fraction * 100
    if 99 < percent < 100:
        return f"{math.floor(percent * 10) / 10:.1f}%"
    if percent >= 10 or percent == round(percent):
        return f"{percent:.0f}%"
    return f"{percent:.2g}%"


def rescale_text(rescale: float) -> str:
    """A rescale factor as written: 1/255 for 1/255, else the number."""
    if math.isclose(rescale, 1 / 255, rel_tol=1e-6):
        return "1/255"
    return num(rescale)
