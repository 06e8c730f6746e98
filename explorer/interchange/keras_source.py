"""Reading Keras names and literal values out of a script's syntax tree, never running it.

Two jobs for `keras_stack`:

- which calls are Keras layers, under every import spelling: `keras.layers.RandomFlip`,
  `layers.RandomFlip` after `from keras import layers` (or `from tensorflow.keras import layers
  as L`), `tf.keras.layers.RandomFlip`, `RandomFlip` after `from keras.layers import RandomFlip`,
  and TF 2.x's `tf.keras.layers.experimental.preprocessing.RandomFlip`;
- the literal value of an argument: numbers, strings, True/False/None, tuples and lists of
  those, + - * / // of numbers (`20 / 360`, `1./255`), `math.pi`, and names bound earlier in the
  script to such a value (`FACTOR = 0.2`). Anything else raises `Unresolved`, saying what it is.
"""

from __future__ import annotations

import ast
import bisect
import math
import numbers
from dataclasses import dataclass, field

# Keras 3's image preprocessing layers (keras/src/layers/__init__.py, the
# preprocessing/image_preprocessing imports) and Rescaling: what may stand in an augmentation
# stack. tests/test_keras_stack.py checks the list against keras.layers.
KERAS_IMAGE_LAYERS = (
    "AugMix",
    "AutoContrast",
    "CenterCrop",
    "ContrastLimitedAdaptiveHistogramEqualization",
    "CutMix",
    "Equalization",
    "MaxNumBoundingBoxes",
    "MixUp",
    "RandAugment",
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomContrast",
    "RandomCrop",
    "RandomElasticTransform",
    "RandomErasing",
    "RandomFlip",
    "RandomGaussianBlur",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPerspective",
    "RandomPosterization",
    "RandomRotation",
    "RandomSaturation",
    "RandomSharpness",
    "RandomShear",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
    "Solarization",
)
# Layers that change what the model sees but draw nothing: kept in a stack, but a stack of
# only these is preprocessing, not augmentation.
DETERMINISTIC = ("Rescaling", "Resizing", "CenterCrop", "MaxNumBoundingBoxes")
# TF 2.x augmentation layers that Keras 3 removed, with what replaces them.
REMOVED_IN_KERAS3 = {
    "RandomHeight": "Keras 3 has no RandomHeight; RandomZoom(height_factor=..., width_factor=0.0) stretches height",
    "RandomWidth": "Keras 3 has no RandomWidth; RandomZoom(height_factor=0.0, width_factor=...) stretches width",
}
CONTAINERS = ("Sequential", "Pipeline")  # keras.Sequential, keras.models.Sequential, keras.layers.Pipeline
INPUTS = ("Input", "InputLayer")  # keras.Input(shape) may open a Sequential's list

MAX_DEPTH = 32  # nesting of one value; real arguments need 3 or 4
MAX_INT = 10**18
_ROOTS = ("keras", "tensorflow", "tf_keras")  # modules whose names may hold Keras layers
_CONSTANTS = {"math.pi": math.pi, "np.pi": math.pi, "numpy.pi": math.pi, "math.tau": math.tau}
_OPERATORS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
}
_KINDS = {
    ast.Call: "a function call",
    ast.Attribute: "an attribute",
    ast.Subscript: "an index or slice",
    ast.Lambda: "a lambda",
    ast.JoinedStr: "an f-string",
    ast.ListComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Compare: "a comparison",
    ast.BoolOp: "an and/or expression",
    ast.IfExp: "a conditional expression",
    ast.Starred: "a * unpacking",
}


Tree = ast.AST | list  # a syntax tree, or all its nodes in `ast.walk` order (walked once, read many times)


def nodes_of(tree: Tree):
    """The nodes of a tree in `ast.walk` order (breadth first), or the list already made of them."""
    return tree if isinstance(tree, list) else ast.walk(tree)


class Unresolved(Exception):
    """A value that cannot be known without running the code; `what` says what it is."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def dotted(node: ast.AST) -> str | None:
    """'a.b.c' for a name or an attribute chain on a name, else None (iterative)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def root_name(node: ast.AST) -> str | None:
    """The name a chain of attributes and calls starts from: `train_ds` in
    `train_ds.batch(32).map(...)`, or None."""
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


@dataclass(frozen=True)
class Imports:
    """What a script's imports bind. modules: local name -> dotted module (`L` ->
    `tensorflow.keras.layers`); classes: local name -> Keras class (`Flip` -> `RandomFlip`);
    foreign: local names imported from modules that are not Keras (torchvision, albumentations)."""

    modules: dict[str, str] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)
    foreign: frozenset[str] = frozenset()


def read_imports(tree: Tree) -> Imports:
    """The names every `import` and `from ... import` of the tree binds."""
    modules, classes, foreign = {}, {}, set()
    for node in nodes_of(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                full = alias.name if alias.asname else local
                if _is_keras(full):
                    modules[local] = full
                else:
                    foreign.add(local)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                local = alias.asname or alias.name
                if not _is_keras(node.module):
                    foreign.add(local)
                elif alias.name[:1].isupper():
                    classes[local] = alias.name
                else:
                    modules[local] = f"{node.module}.{alias.name}"
    return Imports(modules, classes, frozenset(foreign - set(modules) - set(classes)))


def _is_keras(module: str) -> bool:
    return module.split(".")[0] in _ROOTS


def keras_class(func: ast.AST, imports: Imports) -> str | None:
    """The Keras class a call's function names, or None when it is not one. A name or prefix
    that nothing imports is taken as Keras's (pasted code often leaves the imports out)."""
    if isinstance(func, ast.Name):
        if func.id in imports.classes:
            return imports.classes[func.id]
        return None if func.id in imports.foreign or func.id in imports.modules else func.id
    path = dotted(func)
    if path is None:
        return None
    *prefix, name = path.split(".")
    root = prefix[0]
    if root in imports.foreign or (root in imports.classes):
        return None
    full = ".".join([imports.modules.get(root, root), *prefix[1:]]).split(".")
    if root in imports.modules or full[0] in _ROOTS:
        while full and full[0] in ("tensorflow", "tf"):
            full = full[1:]
        return name if full and full[0] in ("keras", "tf_keras") else None
    return name


@dataclass(frozen=True)
class Scope:
    """Names bound to values by the script's assignments, in text order: a name used at a line
    means its last assignment before that line."""

    assignments: dict[str, tuple[tuple[int, int, ast.AST], ...]]

    @classmethod
    def of(cls, tree: Tree) -> Scope:
        """The assignments of a tree: `A = 1`, `A: float = 1`, `H, W = 180, 180`."""
        found: dict[str, list] = {}
        for node in nodes_of(tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name, value in _pairs(target, node.value):
                        found.setdefault(name, []).append((node.lineno, node.col_offset, value))
        return cls({name: tuple(sorted(places, key=lambda p: p[:2])) for name, places in found.items()})

    def value(self, name: str, line: int, depth: int):
        """The literal the name holds at `line`, or Unresolved."""
        places = self.assignments.get(name, ())
        before = places[: bisect.bisect_left(places, line, key=lambda place: place[0])]
        if not before:
            raise Unresolved(f"the name {name}, not bound to a literal constant earlier in the script")
        where, _, node = before[-1]
        try:
            return literal(node, self, where, depth + 1)
        except Unresolved as error:
            raise Unresolved(f"the name {name}, bound on line {where} to {error.what}") from None


def _pairs(target: ast.AST, value: ast.AST):
    """(name, value node) of an assignment: `A = 1`, and `H, W = 180, 180`."""
    if isinstance(target, ast.Name):
        yield target.id, value
    elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)):
        if len(target.elts) == len(value.elts):
            for item, item_value in zip(target.elts, value.elts):
                yield from _pairs(item, item_value)


def literal(node: ast.AST, scope: Scope, line: int, depth: int = 0):
    """The value an expression holds without running anything (see the module's docstring)."""
    if depth > MAX_DEPTH:
        raise Unresolved("an expression nested too deeply")
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)):
            return _bounded(value)
        raise Unresolved({complex: "a complex number", bytes: "bytes"}.get(type(value), repr(value)))
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [literal(item, scope, line, depth + 1) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _number(node.operand, scope, line, depth)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _number(node.left, scope, line, depth), _number(node.right, scope, line, depth)
        try:
            return _bounded(_OPERATORS[type(node.op)](left, right))
        except ZeroDivisionError:
            raise Unresolved("a division by zero") from None
        except OverflowError:
            raise Unresolved("a number too large") from None
    if isinstance(node, ast.BinOp):
        raise Unresolved(f"the {type(node.op).__name__} operator (only + - * / // are evaluated)")
    if isinstance(node, ast.Name):
        return scope.value(node.id, line, depth)
    if isinstance(node, ast.Attribute) and dotted(node) in _CONSTANTS:
        return _CONSTANTS[dotted(node)]
    raise Unresolved(_KINDS.get(type(node), type(node).__name__))


def _number(node: ast.AST, scope: Scope, line: int, depth: int):
    value = literal(node, scope, line, depth + 1)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise Unresolved(f"arithmetic on {value!r} (only numbers are evaluated)")
    return value


def _bounded(value):
    if isinstance(value, int) and abs(value) > MAX_INT:
        raise Unresolved("a number too large")
    return value


def source_text(source: str, node: ast.AST, limit: int = 60) -> str:
    """The text an expression is written in, shortened to `limit` characters."""
    text = ast.get_source_segment(source, node) or type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
