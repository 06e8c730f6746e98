"""Keras's checks of the `factor`-like and `value_range` arguments, with Keras's own messages.

The pixel layers (RandomGaussianBlur, RandomSharpness, RandomErasing, CutMix, AutoContrast,
Equalization) do not use the base layer's `factor or 0.0`: they call `_set_factor` directly,
so `None` and `[]` are refused there, and the `scale`/`sigma` checks print `factor=` whatever
the argument's name (Keras's `_set_factor_by_name`). Both are reproduced as they are.
"""

from __future__ import annotations

from typing import Any

from .base import KerasArgumentError

UNIT = (0, 1)


def keras_range(layer: str, value: Any, name: str = "factor", bounds: tuple = UNIT) -> tuple[float, float]:
    """Keras's `_set_factor` / `_set_factor_by_name`: `(lower, upper)` or Keras's refusal.

    Args:
        layer: The Keras class name, for the error.
        value: The argument as the user wrote it (number, or list/tuple of two numbers).
        name: The argument's name as Keras's message spells it ("factor", "scale", "sigma").
        bounds: Keras's `_FACTOR_BOUNDS`.

    Returns:
        The sorted pair, numbers as given (Keras passes them on so: 2 stays 2, not 2.0); a
        number `f` gives `(max(-|f|, bounds[0]), |f|)`.
    """
    message = (
        f"The `{name}` argument should be a number (or a list of two numbers) in the range "
        f"[{bounds[0]}, {bounds[1]}]. Received: factor={value}"
    )
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or not all(_is_number(item) for item in value):
            raise KerasArgumentError(layer, message)
        if value[0] > bounds[1] or value[1] < bounds[0]:
            raise KerasArgumentError(layer, message)
        lower, upper = sorted(value)
        return lower, upper
    if _is_number(value):
        if value < bounds[0] or value > bounds[1]:
            raise KerasArgumentError(layer, message)
        return max(-abs(value), bounds[0]), abs(value)
    raise KerasArgumentError(layer, message)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float))


def sorted_value_range(layer: str, value: Any) -> tuple[float, float]:
    """Keras's `_set_value_range` (RandomSharpness, AutoContrast, Equalization): sorted pair."""
    if not isinstance(value, (tuple, list)) or len(value) != 2 or not all(_is_number(v) for v in value):
        raise KerasArgumentError(
            layer, f"The `value_range` argument should be a list of two numbers. Received: value_range={value}"
        )
    low, high = sorted(value)
    return float(low), float(high)


def plain_value_range(layer: str, value: Any) -> tuple[float, float]:
    """`value_range` as RandomGaussianBlur and RandomErasing keep it: not checked, not sorted.

    Keras's constructor stores anything; the layer then fails when it runs unless the value
    starts with two numbers (more items are ignored; low > high clips everything to high). We
    refuse at construction with that reason (Keras gives none of its own).
    """
    if not isinstance(value, (tuple, list)) or len(value) < 2 or not all(_is_number(v) for v in value[:2]):
        raise KerasArgumentError(
            layer,
            "value_range must start with two numbers [low, high]; Keras accepts other values in the "
            f"constructor but fails when the layer runs. Received: value_range={value}",
        )
    return float(value[0]), float(value[1])
