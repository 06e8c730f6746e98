"""Taking a Keras 3 augmentation stack in from pasted code or a script, parsed, never run.

`parse_stack(source)` finds the stack in any of the forms Keras's guides write it:

- `keras.Sequential([...])` (or `tf.keras.Sequential`, `keras.models.Sequential`,
  `Sequential` imported from Keras, `keras.layers.Pipeline`), with `seq.add(layer)` calls after;
- a plain list of layers (`augment = [layers.RandomFlip("horizontal"), ...]`);
- the augmentation layers at the head of a model: a Sequential model's first layers before
  Conv2D or Dense, or a functional chain `x = layers.RandomFlip("horizontal")(inputs)`.

Arguments are bound as Keras binds them (positional ones in the signature's order, which the
`explorer.augment.keras3` dataclasses mirror), read as literals by `keras_source`, and checked
by the dataclass, which refuses what Keras refuses with Keras's reason. Whatever cannot be taken
(a value only running the code would give, an argument Keras refuses, a layer not reproduced
yet) is a `StackFinding` naming the line; the other layers are still taken. Where the stack
is applied (in the model, in a `tf.data` map, on the validation data) is in `placements`.
Text that is not Python, too long or nested too deeply is an `InputError`.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..augment.keras3 import COMMON_KWARGS, LAYERS, KerasArgumentError, KerasLayer, Stack
from ..errors import InputError
from .keras_placement import IN_MODEL, Placement, find_placements, index_script, stack_aliases
from .keras_source import (
    CONTAINERS,
    DETERMINISTIC,
    INPUTS,
    KERAS_IMAGE_LAYERS,
    REMOVED_IN_KERAS3,
    Imports,
    Scope,
    Tree,
    Unresolved,
    keras_class,
    literal,
    nodes_of,
    read_imports,
    source_text,
)

# Keyword arguments Keras's Layer takes besides each layer's own (keras/src/layers/layer.py):
# base.COMMON_KWARGS, and two it also takes. Rescaling is not an image preprocessing layer and
# refuses bounding_box_format.
LAYER_KWARGS = (*COMMON_KWARGS, "input_dim", "activity_regularizer")
_NOT_TAKEN = {"Rescaling": ("bounding_box_format",)}
MAX_CHARS = 1_048_576  # a whole training script fits; more is not a script to read here

# How a stack is written (ParsedStack.form).
SEQUENTIAL, LIST, MODEL_HEAD, FUNCTIONAL = "sequential", "list", "model head", "functional"
# What a finding is about (StackFinding.code).
NOT_REPRODUCED = "not_reproduced"  # a Keras layer the explorer does not reproduce yet
REMOVED = "not_in_keras3"  # a TF 2.x layer Keras 3 removed
UNRESOLVED = "unresolved_argument"  # a value only running the code would give
REFUSED = "keras_refuses"  # an argument Keras refuses, in Keras's (or Python's) words
HEAD_ENDS = "head_ends"  # augmentation layers after the first non-augmentation layer
SEVERAL = "several_stacks"


@dataclass(frozen=True)
class StackFinding:
    """Something in the stack that was not taken, or is worth saying. line: 1-based; code: one
    of the module's codes; message: in the user's words, with the line; layer: the Keras class;
    argument: the argument concerned, when one is."""

    line: int
    code: str
    message: str
    layer: str | None = None
    argument: str | None = None


@dataclass(frozen=True)
class ParsedLayer:
    """One layer taken in: the reproduced layer, its line, and the common Keras keyword
    arguments (name, dtype, trainable...) as written, which do not change the pixels."""

    layer: KerasLayer
    line: int
    common: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ParsedStack:
    """A Keras 3 augmentation stack found in code. form: SEQUENTIAL, LIST, MODEL_HEAD or
    FUNCTIONAL; line: where it starts; name: the variable it is bound to (None if none);
    layers: those taken, in order; findings: what was not taken, and why; placements: where
    the script applies it."""

    form: str
    line: int
    name: str | None
    layers: tuple[ParsedLayer, ...]
    findings: tuple[StackFinding, ...] = ()
    placements: tuple[Placement, ...] = ()

    @property
    def stack(self) -> Stack:
        """The layers taken, as a `Stack` to preview."""
        return Stack(tuple(parsed.layer for parsed in self.layers))

    @property
    def augments(self) -> bool:
        """Whether it holds a layer that draws (not only Rescaling, Resizing, CenterCrop)."""
        names = [parsed.layer.layer_name() for parsed in self.layers] + [item.layer for item in self.findings]
        return any(name and name not in DETERMINISTIC for name in names)

    @property
    def augments_validation(self) -> tuple[Placement, ...]:
        """The `tf.data` maps that run the stack, in training mode, over validation data."""
        return tuple(place for place in self.placements if place.augments_validation)


@dataclass(frozen=True)
class _Context:
    source: str
    imports: Imports
    scope: Scope
    registry: Mapping[str, type[KerasLayer]]
    stack_names: frozenset[str]


def parse_stack(source: str, layers: Mapping[str, type[KerasLayer]] | None = None) -> ParsedStack:
    """The first Keras augmentation stack in `source` (see the module's docstring); where
    there is none, the first Sequential or list of preprocessing layers only (Rescaling...).

    Args:
        source: Python code: a pasted stack or a whole script. It is parsed, never run.
        layers: Keras class name -> reproduced layer; `explorer.augment.keras3.LAYERS` by default.

    Returns:
        The stack, with a SEVERAL finding when the code holds more than one.

    Raises:
        InputError: the text is not Python, too long, nested too deeply, or holds no stack.
    """
    found = find_stacks(source, layers)
    if not found:
        raise InputError(
            "no Keras augmentation stack found: paste keras.Sequential([...]) of augmentation layers "
            "(RandomFlip, RandomRotation...), a list of them, or a model whose first layers are augmentation layers"
        )
    augmenting = [stack for stack in found if stack.augments]
    first = (augmenting or found)[0]
    if len(augmenting) > 1:
        lines = ", ".join(str(stack.line) for stack in augmenting)
        note = StackFinding(
            first.line,
            SEVERAL,
            f"found {len(augmenting)} augmentation stacks (lines {lines}); this is the one of line {first.line}",
        )
        first = dataclasses.replace(first, findings=(*first.findings, note))
    return first


def stack_from_file(path: str | Path, layers: Mapping[str, type[KerasLayer]] | None = None) -> ParsedStack:
    """The stack of a `.py` file (`--config stack.py`): its text is read and parsed, never
    imported. InputError for a file that is missing, too large, not UTF-8 or holds no stack."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CHARS * 4:
            raise InputError(f"{path.name} is too large ({size:,} bytes) to be a stack")
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a .py file") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path.name} is not UTF-8 text (byte {error.start} cannot be read)") from None
    except OSError as error:
        raise InputError(f"{path} cannot be read: {error.strerror}") from None
    return parse_stack(text, layers)


def find_stacks(source: str, layers: Mapping[str, type[KerasLayer]] | None = None) -> tuple[ParsedStack, ...]:
    """Every Keras augmentation stack in `source`, in text order (see `parse_stack`)."""
    tree = list(ast.walk(_parse(source)))
    imports = read_imports(tree)
    targets = _assigned_names(tree)
    candidates = _candidates(tree, imports, targets)
    names = frozenset(name for *_, name in candidates if name)
    context = _Context(source, imports, Scope.of(tree), LAYERS if layers is None else layers, names)
    index = index_script(tree, imports)
    stacks = []
    for form, line, elements, name in sorted(candidates, key=lambda item: item[1]):
        taken, findings, ended, augmenting = _read_head(elements, context)
        if not augmenting and (form not in (SEQUENTIAL, LIST) or ended or not taken):
            continue  # a model's own preprocessing (Rescaling) is no stack; keras.Sequential([Rescaling]) is
        if form == SEQUENTIAL and ended:
            form = MODEL_HEAD
        if form in (MODEL_HEAD, FUNCTIONAL):
            placements = (Placement(IN_MODEL, line),)
        else:
            placements = find_placements(index, stack_aliases(index, name)) if name else ()
        stacks.append(ParsedStack(form, line, name, tuple(taken), tuple(findings), placements))
    return tuple(stacks)


def _parse(source) -> ast.Module:
    if not isinstance(source, str):
        raise InputError(f"expected Python source text; got {type(source).__name__}")
    if len(source) > MAX_CHARS:
        raise InputError(f"the code is too long ({len(source):,} characters; at most {MAX_CHARS:,})")
    if "\x00" in source:
        raise InputError("the code contains null bytes: it is not Python")
    try:
        return ast.parse(source.lstrip("\ufeff"))
    except SyntaxError as error:
        if "digits" in str(error.msg):  # Python refuses int literals over 4,300 digits
            raise InputError("a number in the code has too many digits") from None
        where = f"line {error.lineno}: " if error.lineno else ""
        raise InputError(f"not valid Python ({where}{error.msg})") from None
    except (RecursionError, MemoryError):
        raise InputError("the code is nested too deeply to read") from None
    except (UnicodeError, ValueError) as error:
        raise InputError(f"the code cannot be read as Python: {error}") from None


def _assigned_names(tree: Tree) -> dict[int, str]:
    """id(value node) -> the name it is assigned to, for `name = value`."""
    return {
        id(node.value): node.targets[0].id
        for node in nodes_of(tree)
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
    }


def _candidates(tree: Tree, imports: Imports, targets: dict[int, str]) -> list:
    """(form, line, element nodes, name) of every container, list and functional chain that
    may hold augmentation layers; `_read_head` decides."""
    found, in_containers = [], set()
    calls = sorted((node for node in nodes_of(tree) if isinstance(node, ast.Call)), key=_place)
    adds: dict[str, list[ast.Call]] = {}
    for call in calls:
        if _is_add(call):
            adds.setdefault(call.func.value.id, []).append(call)
    for call in calls:
        if keras_class(call.func, imports) not in CONTAINERS:
            continue
        listed = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "layers"), None)
        elements = list(listed.elts) if isinstance(listed, (ast.List, ast.Tuple)) else []
        in_containers.add(id(listed))
        name = targets.get(id(call))
        elements += [add.args[0] for add in adds.get(name, ()) if add.lineno >= call.lineno]
        found.append((SEQUENTIAL, call.lineno, elements, name))
    for node in nodes_of(tree):
        if isinstance(node, (ast.List, ast.Tuple)) and id(node) not in in_containers and node.elts:
            first = node.elts[0]
            if isinstance(first, ast.Call) and _is_image_layer(keras_class(first.func, imports)):
                found.append((LIST, node.lineno, list(node.elts), targets.get(id(node))))
    found += [(FUNCTIONAL, chain[0].lineno, chain, None) for chain in _chains(tree, imports)]
    return found


def _place(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _is_add(call: ast.Call) -> bool:
    """`name.add(layer)`: a layer added to a Sequential."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "add"
        and isinstance(func.value, ast.Name)
        and len(call.args) == 1
    )


def _is_image_layer(name: str | None) -> bool:
    return name in KERAS_IMAGE_LAYERS or name in REMOVED_IN_KERAS3


def _chains(tree: Tree, imports: Imports) -> list[list[ast.Call]]:
    """Functional chains of image layers: `x = layers.RandomFlip()(inputs); x = ...(x)`; each
    chain is its layers' constructor calls, in order, up to the first other layer."""
    applied = []
    for node in nodes_of(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Call) and value.args:
                argument = value.args[0].id if isinstance(value.args[0], ast.Name) else None
                applied.append((_place(node), node.targets[0].id, value.func, argument))
    chains, current, output, inner = [], [], None, set()
    for _, target, layer, argument in sorted(applied, key=lambda item: item[0]):
        image = _is_image_layer(keras_class(layer.func, imports))
        if current and argument == output and image:
            current.append(layer)
        elif image and argument not in inner:  # after Conv2D: the middle of a model, not its head
            current = [layer]
            chains.append(current)
        else:
            current = []
            inner.add(target)
        output = target
    return chains


def _read_head(elements: list, context: _Context) -> tuple[list, list, bool, bool]:
    """(layers taken, findings, whether a non-augmentation layer ended the head, whether the
    head holds an augmentation layer) of a container's or chain's elements."""
    taken, findings, augmenting = [], [], False
    for index, element in enumerate(elements):
        if isinstance(element, ast.Name) and element.id in context.stack_names:
            continue  # another stack, used inside this model: one of that stack's placements
        name = keras_class(element.func, context.imports) if isinstance(element, ast.Call) else None
        if name in INPUTS:
            continue
        if not _is_image_layer(name):
            later = [item for item in elements[index + 1 :] if _is_layer_call(item, context)]
            if later:
                what = name or source_text(context.source, element, 30)
                message = (
                    f"line {later[0].lineno}: the augmentation layers after {what} (line {element.lineno}) are "
                    "not at the head of the model, so they are not part of the stack"
                )
                findings.append(
                    StackFinding(later[0].lineno, HEAD_ENDS, message, keras_class(later[0].func, context.imports))
                )
            return taken, findings, True, augmenting
        augmenting = augmenting or name not in DETERMINISTIC
        if name in context.registry:
            parsed, problems = bind_layer(context.registry[name], element, context.source, context.scope)
            taken += [parsed] if parsed else []
            findings += problems
        elif name in REMOVED_IN_KERAS3:
            findings.append(
                StackFinding(element.lineno, REMOVED, f"line {element.lineno}: {REMOVED_IN_KERAS3[name]}", name)
            )
        else:
            message = f"line {element.lineno}: keras.layers.{name} is not reproduced yet, so the preview leaves it out"
            findings.append(StackFinding(element.lineno, NOT_REPRODUCED, message, name))
    return taken, findings, False, augmenting


def _is_layer_call(node: ast.AST, context: _Context) -> bool:
    return isinstance(node, ast.Call) and _is_image_layer(keras_class(node.func, context.imports))


def bind_layer(
    cls: type[KerasLayer], call: ast.Call, source: str, scope: Scope
) -> tuple[ParsedLayer | None, list[StackFinding]]:
    """A layer from its constructor call, bound as Python binds Keras's signature; (None,
    [finding]) when Python or Keras would refuse the call or a value cannot be read."""
    name, line = cls.layer_name(), call.lineno

    def finding(code: str, reason: str, argument: str | None = None):
        return None, [StackFinding(line, code, f"line {line}: keras.layers.{name}: {reason}", name, argument)]

    if any(isinstance(arg, ast.Starred) for arg in call.args) or any(k.arg is None for k in call.keywords):
        return finding(UNRESOLVED, "* and ** unpacking cannot be read without running the code")
    fields = [item for item in dataclasses.fields(cls) if item.init]
    given, refusal = _bind_names(name, fields, call)
    if refusal:
        return finding(REFUSED, refusal)
    taken = set(LAYER_KWARGS) - set(_NOT_TAKEN.get(name, ()))
    unknown = {k.arg: k.value for k in call.keywords if k.arg not in given and k.arg not in taken}
    if unknown:
        shown = ", ".join(f"{key!r}: {_shown(node, source, scope, line)}" for key, node in unknown.items())
        return finding(REFUSED, f"Unrecognized keyword arguments passed to {name}: {{{shown}}}", next(iter(unknown)))
    values = {}
    for argument, node in given.items():
        try:
            values[argument] = literal(node, scope, line)
        except Unresolved as error:
            return finding(
                UNRESOLVED,
                f"`{argument}` is {error.what}: it cannot be read without running the code, so the layer is "
                "left out; write it as a literal (a number, a string, a tuple) or a constant assigned before it",
                argument,
            )
    try:
        layer = cls(**values)
    except KerasArgumentError as error:
        return finding(REFUSED, error.reason)
    except (TypeError, ValueError) as error:
        return finding(REFUSED, str(error))
    common = tuple((k.arg, source_text(source, k.value)) for k in call.keywords if k.arg not in given)
    return ParsedLayer(layer, line, common), []


def _bind_names(name: str, fields: list, call: ast.Call) -> tuple[dict[str, ast.AST], str | None]:
    """argument -> value node as Python binds the call, or the TypeError Python would raise."""
    names = [item.name for item in fields]
    required = [
        item.name
        for item in fields
        if item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING
    ]
    function = f"{name}.__init__()"
    if len(call.args) > len(names):
        most = len(names) + 1
        takes = f"from {len(required) + 1} to {most}" if len(required) < len(names) else str(most)
        return {}, f"{function} takes {takes} positional arguments but {len(call.args) + 1} were given"
    given = dict(zip(names, call.args))
    seen = set()
    for keyword in call.keywords:
        if keyword.arg in seen:
            return {}, f"keyword argument repeated: {keyword.arg}"
        seen.add(keyword.arg)
        if keyword.arg in given:
            return {}, f"{function} got multiple values for argument '{keyword.arg}'"
        if keyword.arg in names:
            given[keyword.arg] = keyword.value
    missing = [item for item in required if item not in given]
    if missing:
        quoted = [f"'{item}'" for item in missing]
        listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
        plural = "argument" if len(missing) == 1 else "arguments"
        return {}, f"{function} missing {len(missing)} required positional {plural}: {listed}"
    return given, None


def _shown(node: ast.AST, source: str, scope: Scope, line: int) -> str:
    """A value as Keras's message shows it: its repr when it can be read, else as written."""
    try:
        return repr(literal(node, scope, line))
    except Unresolved:
        return source_text(source, node)
