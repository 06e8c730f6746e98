"""A Keras 3 stack from whatever the CLI or a notebook is handed: its source text, a .py
file holding it, a reproduced `Stack`, a parsed stack, or the real `keras.Sequential` (read
from each layer's `get_config()`, never called). Source is parsed, never run.

This module sits above every layer, like the CLI and the notebook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .augment.keras3 import COMMON_KWARGS, Stack
from .augment.keras3.serial import stack_from_json
from .errors import InputError
from .experiments.records.stack_arm import IN_MODEL, StackArm
from .interchange.keras_stack import ParsedStack, parse_stack, stack_from_file


def _from_keras(model: Any) -> Stack:
    """The reproduced stack of a real Keras model's layers, from their configs."""
    entries = []
    for layer in model.layers:
        config = {key: value for key, value in layer.get_config().items() if key not in COMMON_KWARGS}
        entries.append({"class_name": type(layer).__name__, "config": config})
    try:
        return stack_from_json(entries)
    except ValueError as error:
        raise InputError(f"the Keras model's layers: {error}") from None


def _parsed(parsed: ParsedStack, where: str) -> Stack:
    if not parsed.layers:
        refused = [item.message for item in parsed.findings]
        detail = f" ({'; '.join(refused[:3])})" if refused else ""
        raise InputError(f"{where}: no Keras 3 augmentation layer found{detail}")
    return parsed.stack


def is_stack(value: Any) -> bool:
    """Whether `value` is a stack rather than ImageDataGenerator settings: source text or a
    .py path, a Stack, a parsed stack, a StackArm or a Keras model with layers."""
    if isinstance(value, (Stack, ParsedStack, StackArm)):
        return True
    if isinstance(value, (str, Path)):
        return str(value).endswith(".py") or "Random" in str(value) or "layers." in str(value)
    return hasattr(value, "layers") and hasattr(value, "get_config")


def read_stack(value: Any, placement: str = IN_MODEL) -> StackArm:
    """`value` as a `StackArm` running `placement` ("model" or "map"). InputError naming
    the problem for anything that holds no stack."""
    if isinstance(value, StackArm):
        return value
    if isinstance(value, Stack):
        stack = value
    elif isinstance(value, ParsedStack):
        stack = _parsed(value, "the stack")
    elif isinstance(value, Path) or (isinstance(value, str) and value.endswith(".py") and "\n" not in value):
        stack = _parsed(stack_from_file(value), str(value))
    elif isinstance(value, str):
        stack = _parsed(parse_stack(value), "the stack")
    elif hasattr(value, "layers") and hasattr(value, "get_config"):
        stack = _from_keras(value)
    else:
        raise InputError(
            f"a stack must be its source, a .py file, a Stack or a keras.Sequential; got {type(value).__name__}"
        )
    try:
        return StackArm(stack, placement)
    except ValueError as error:
        raise InputError(str(error)) from None
