"""Where a script applies a Keras augmentation stack: inside the model, in a `tf.data` map,
and whether a map runs it over the validation data.

Inside the model the layers are active only in training (`fit`), never in `evaluate` or
`predict`. In a `tf.data` map they run on every element of that dataset: Keras 3's image
layers default to `training=True` when called outside a model, so
`val_ds.map(lambda x, y: (aug(x), y))` augments validation as surely as `training=True` does;
only `training=False` keeps it plain.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from .keras_source import CONTAINERS, INPUTS, Imports, Tree, keras_class, nodes_of, root_name

IN_MODEL, IN_MAP, CALLED = "model", "map", "call"  # Placement.kind
# A dataset's name that says it is validation or test data: val_ds, ds_val, validation_dataset,
# x_test, eval_ds (not "value" or "interval").
_VALIDATION = re.compile(r"(?:^|_)(?:val(?!ue)|valid|test|eval)", re.IGNORECASE)


@dataclass(frozen=True)
class Placement:
    """One place the script applies the stack. kind: IN_MODEL (a layer of the model, or called
    on the model's input tensor), IN_MAP (in a `dataset.map(...)`) or CALLED (called on arrays,
    e.g. to plot augmented images); line: the line of the model, map or call; dataset: the
    mapped dataset's name; training: the `training=` argument when written True or False,
    None when absent; validation: the mapped dataset is validation or test data (by its name,
    `subset="validation"`, or being passed as `validation_data=`)."""

    kind: str
    line: int
    dataset: str | None = None
    training: bool | None = None
    validation: bool = False

    @property
    def augments_validation(self) -> bool:
        """A map that runs the stack in training mode over validation data (the trap)."""
        return self.kind == IN_MAP and self.validation and self.training is not False


@dataclass(frozen=True)
class ScriptIndex:
    """What placements are looked up in, gathered in one pass over the script, so that each
    stack's look-up costs its own uses, not the script's size. Names are plain names (`aug`).

    functions: name -> definition; function_calls: name -> the plain-name calls inside it;
    enclosing: id(call) -> the innermost function holding it; aliases: name -> what stands for
    it (see `stack_aliases`); callers: name -> functions that call it; direct: name -> its calls;
    maps: name -> (`.map(...)` call, its function argument, the plain-name calls inside that
    argument) of the maps that name it;
    in_model: name -> lines of `keras.Sequential([..., name])` and `model.add(name)`;
    validation: names of validation data; assigned: id(value) -> a name it is assigned to;
    tensors: names of a functional model's tensors."""

    functions: dict
    function_calls: dict
    enclosing: dict
    aliases: dict
    callers: dict
    direct: dict
    maps: dict
    in_model: dict
    validation: frozenset[str]
    assigned: dict
    tensors: frozenset[str]


def index_script(tree: Tree, imports: Imports) -> ScriptIndex:
    """The `ScriptIndex` of a parsed script."""
    index = ScriptIndex({}, {}, {}, {}, {}, {}, {}, {}, _validation_names(tree), {}, _tensor_names(tree, imports))
    for node in nodes_of(tree):  # breadth first: an outer function comes before the ones inside it
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _index_function(index, node)
        elif isinstance(node, ast.Call):
            _index_call(index, node, imports)
        elif isinstance(node, ast.Assign):
            targets = {target.id for target in node.targets if isinstance(target, ast.Name)}
            index.assigned.update({id(node.value): name for name in targets})
            value = node.value
            if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Name):
                if keras_class(value.func, imports) in CONTAINERS:  # aug = keras.Sequential(aug_layers)
                    index.aliases.setdefault(value.args[0].id, set()).update(targets)
    return index


def _plain_calls(node: ast.AST) -> list[ast.Call]:
    return [sub for sub in ast.walk(node) if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name)]


def _index_function(index: ScriptIndex, node: ast.AST) -> None:
    calls = _plain_calls(node)
    index.functions[node.name] = node
    index.function_calls[node.name] = calls
    for call in calls:
        index.enclosing[id(call)] = node.name
        index.callers.setdefault(call.func.id, set()).add(node.name)
    for sub in ast.walk(node):
        if isinstance(sub, ast.For) and isinstance(sub.iter, ast.Name):  # for layer in augment_layers
            index.aliases.setdefault(sub.iter.id, set()).add(node.name)
        elif isinstance(sub, ast.Return) and sub.value is not None:  # return aug(x, training=True), y
            for call in _plain_calls(sub.value):
                index.aliases.setdefault(call.func.id, set()).add(node.name)


def _index_call(index: ScriptIndex, node: ast.Call, imports: Imports) -> None:
    func = node.func
    if isinstance(func, ast.Name):
        index.direct.setdefault(func.id, []).append(node)
    if isinstance(func, ast.Attribute) and func.attr == "map" and node.args:
        entry = (node, node.args[0], _plain_calls(node.args[0]))
        called = {call.func.id for call in entry[2]} | ({entry[1].id} if isinstance(entry[1], ast.Name) else set())
        for name in called:
            index.maps.setdefault(name, []).append(entry)
    elif _is_add(node) and node.args and isinstance(node.args[0], ast.Name):
        index.in_model.setdefault(node.args[0].id, []).append(node.lineno)
    elif node.args and isinstance(node.args[0], ast.List) and keras_class(func, imports) in CONTAINERS:
        for item in node.args[0].elts:
            if isinstance(item, ast.Name):
                index.in_model.setdefault(item.id, []).append(node.lineno)


def stack_aliases(index: ScriptIndex, name: str) -> frozenset[str]:
    """The stack's name and what stands for it: a function that loops over the stack's layers
    (`for layer in augment_layers: ...`, Keras's own tutorial) or returns what the stack gives
    (`def augment(x, y): return aug(x, training=True), y`), and a Sequential of the stack's list."""
    return frozenset({name, *index.aliases.get(name, ())})


def find_placements(index: ScriptIndex, names: frozenset[str]) -> tuple[Placement, ...]:
    """Every place the stack, under any of `names` (see `stack_aliases`), is applied."""
    # Functions that run the stack: `def augment(image, label): image = aug(image, training=True)...`
    runners = {name for name in names if name in index.functions}
    runners.update(*(index.callers.get(name, ()) for name in names))
    placements, used = [], set()
    entries = {id(entry[0]): entry for name in names | runners for entry in index.maps.get(name, ())}
    for call, mapped, inside in sorted(entries.values(), key=lambda entry: (entry[0].lineno, entry[0].col_offset)):
        named = isinstance(mapped, ast.Name) and (mapped.id in runners or mapped.id in names)
        outer = mapped if named else next((c for c in inside if c.func.id in names or c.func.id in runners), None)
        if outer is None:
            continue
        inner = _inner_use(index, outer, names, runners)
        used |= {id(item) for item in (*inside, inner, *index.function_calls.get(_called(outer), ()))}
        dataset = root_name(call.func.value)
        seen = {dataset, index.assigned.get(id(call))} - {None}
        placements.append(Placement(IN_MAP, call.lineno, dataset, _training(inner), bool(seen & index.validation)))
    placements += [Placement(IN_MODEL, line) for name in names for line in index.in_model.get(name, ())]
    for name in names:
        for call in index.direct.get(name, ()):
            if id(call) not in used and index.enclosing.get(id(call)) not in names:
                on_tensor = any(isinstance(arg, ast.Name) and arg.id in index.tensors for arg in call.args)
                placements.append(Placement(IN_MODEL if on_tensor else CALLED, call.lineno, training=_training(call)))
    return tuple(sorted(placements, key=lambda place: place.line))


def _called(node: ast.AST) -> str | None:
    return node.func.id if isinstance(node, ast.Call) else getattr(node, "id", None)


def _inner_use(index: ScriptIndex, outer: ast.AST, names, runners: set) -> ast.AST:
    """The call that runs the stack: in a function that runs it, the call inside."""
    name = _called(outer)
    if name in runners:
        found = [call for call in index.function_calls.get(name, ()) if call.func.id in names - {name}]
        if found:
            return found[0]
    return outer


def _training(call: ast.AST) -> bool | None:
    for keyword in getattr(call, "keywords", ()):
        if keyword.arg == "training" and isinstance(keyword.value, ast.Constant):
            value = keyword.value.value
            return value if isinstance(value, bool) else None
    return None


def _is_add(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr == "add"


def _validation_names(tree: Tree) -> set[str]:
    """Names the script gives validation data: by their words, by `subset="validation"`, and
    what `fit(..., validation_data=...)` receives."""
    names = set()
    for node in nodes_of(tree):
        if isinstance(node, ast.Name) and _VALIDATION.search(node.id):
            names.add(node.id)
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "validation_data" and root_name(keyword.value):
                    names.add(root_name(keyword.value))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            subset = [k.value for k in node.value.keywords if k.arg == "subset"]
            if subset and isinstance(subset[0], ast.Constant) and subset[0].value == "validation":
                names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def _tensor_names(tree: Tree, imports: Imports) -> set[str]:
    """Names of a functional model's tensors: `keras.Input(...)`, and what applied layers give."""
    names = set()
    for node in nodes_of(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Call) or keras_class(func, imports) in INPUTS:
                names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names
