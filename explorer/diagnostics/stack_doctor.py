"""The Keras 3 stack doctor: every rule of `stack_checks`, `stack_script_checks` and
`stack_migration` over a stack found in pasted code or a script.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..augment.config import AugmentConfig, as_config, check_input_range
from ..augment.keras3 import KerasLayer, Stack
from ..errors import InputError
from ..interchange.keras_stack import ParsedStack, parse_stack
from . import stack_checks, stack_migration, stack_script_checks  # noqa: F401  (registers the rules)
from .stack_findings import STACK_CHECKS, LayerFinding, StackInputs

BACKENDS = ("tensorflow", "jax", "torch", "numpy", "openvino")


def diagnose_stack(
    stack: ParsedStack | Stack | Sequence[KerasLayer],
    images: Sequence[np.ndarray] = (),
    input_range: str = "0-255",
    idg: AugmentConfig | dict | None = None,
    backend: str | None = None,
) -> list[LayerFinding]:
    """Every finding about a Keras 3 augmentation stack, rule by rule.

    Args:
        stack: A `ParsedStack` (its lines, placements and parse findings are used too), a
            `Stack`, or the layers.
        images: Picked images (0..255, H x W x C) the measurements run on; may be empty.
        input_range: "0-255" or "0-1": the data the stack is fed.
        idg: The ImageDataGenerator config (or its keyword arguments) the stack replaces; the
            migration rules run only with it.
        backend: The Keras backend the script selects, if it says.

    Returns:
        The findings, in rule order.

    Raises:
        ValueError: An unknown input range, backend or IDG setting.

    Example:
        >>> from explorer.augment.keras3.geometric import RandomRotation
        >>> [f.code for f in diagnose_stack([RandomRotation(0.2)])]
        ['rotation_fraction_of_turn', 'filled_border']
    """
    check_input_range(input_range)
    if backend is not None and backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    inputs = StackInputs(
        layers=_layers(stack),
        lines=tuple(parsed.line for parsed in stack.layers) if isinstance(stack, ParsedStack) else (),
        input_range=input_range,
        placements=stack.placements if isinstance(stack, ParsedStack) else (),
        parse_findings=stack.findings if isinstance(stack, ParsedStack) else (),
        backend=backend,
        images=tuple(np.asarray(image) for image in images),
        idg=None if idg is None else as_config(idg),
        form=stack.form if isinstance(stack, ParsedStack) else None,
    )
    return [finding for rule in STACK_CHECKS for finding in rule(inputs)]


def _layers(stack) -> tuple[KerasLayer, ...]:
    if isinstance(stack, ParsedStack):
        return stack.stack.layers
    if isinstance(stack, Stack):
        return stack.layers
    return tuple(stack)


def _constant(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _backend_named(node: ast.AST) -> str | None:
    """The backend one statement selects: os.environ["KERAS_BACKEND"] = "jax",
    os.environ.setdefault("KERAS_BACKEND", "jax") or keras.config.set_backend("jax")."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        if isinstance(target, ast.Subscript) and _constant(target.slice) == "KERAS_BACKEND":
            return _constant(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "setdefault" and len(node.args) == 2 and _constant(node.args[0]) == "KERAS_BACKEND":
            return _constant(node.args[1])
        if node.func.attr == "set_backend" and len(node.args) == 1:
            return _constant(node.args[0])
    return None


def script_backend(source: str) -> str | None:
    """The Keras backend a script selects, read (never run); the last one written wins.

    Args:
        source: Python source.

    Returns:
        One of `BACKENDS`, or None when the script does not say (or is not Python).

    Example:
        >>> script_backend('import os\\nos.environ["KERAS_BACKEND"] = "jax"\\n')
        'jax'
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found = None
    for node in ast.walk(tree):
        name = _backend_named(node)
        if name in BACKENDS:
            found = name
    return found


@dataclass(frozen=True)
class StackReport:
    """A Keras 3 stack found in a script, and what the stack doctor says about it.

    parsed: the stack as read. findings: the doctor's, in rule order. backend: the backend
    the script selects (None when it does not say). cells: (cell, first line) of each
    notebook cell in the text the lines count in; empty for a .py script.
    """

    parsed: ParsedStack
    findings: tuple[LayerFinding, ...]
    backend: str | None = None
    cells: tuple[tuple[int, int], ...] = ()

    def locate(self, line: int | None) -> tuple[int | None, int | None]:
        """(cell, line in that cell) of a line of the read text; (None, line) in a .py script."""
        if line is None:
            return None, None
        cell, first = next(((c, f) for c, f in reversed(self.cells) if f <= line), (None, 1))
        return cell, line - first + 1

    def where(self, line: int | None) -> str:
        """'line 12', or 'cell 3, line 2' in a notebook ('the script' when no line)."""
        cell, inside = self.locate(line)
        if inside is None:
            return "the script"
        return f"line {inside}" if cell is None else f"cell {cell}, line {inside}"

    def to_json(self, finding: LayerFinding) -> dict:
        """One finding as the CLI's --json writes the script doctor's (plus the layer)."""
        cell, line = self.locate(finding.line)
        return {
            "line": line,
            "cell": cell,
            "code": finding.code,
            "severity": finding.severity,
            "message": finding.message,
            "fix": finding.fix,
            "layer": finding.layer or None,
        }


def stack_report(sources: Sequence[tuple[int | None, str]]) -> StackReport | None:
    """The stack doctor's report on the Keras 3 stack of a script or notebook, read from its
    (cell, source) pairs; None when it holds no stack (or cannot be read as one)."""
    text, cells, line = "", [], 1
    for cell, source in sources:
        if cell is not None:
            cells.append((cell, line))
        text += source if source.endswith("\n") else source + "\n"
        line += source.count("\n") + (0 if source.endswith("\n") else 1)
    try:
        parsed = parse_stack(text)
    except InputError:
        return None
    if not parsed.augments:
        return None
    backend = script_backend(text)
    return StackReport(parsed, tuple(diagnose_stack(parsed, backend=backend)), backend, tuple(cells))
