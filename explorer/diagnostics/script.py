"""The script doctor: a whole training script or notebook, read for the mistakes that make
augmentation hurt (validation images augmented, pixels scaled twice, another model's
preprocess_input, featurewise settings never fit, shuffled predictions compared with labels,
image/mask pairs transformed differently), plus the config doctor's findings for every
ImageDataGenerator call.

The script is untrusted: it is parsed with `ast` and never run, imported or compiled.
`doctor_script(data, filename)` reads a .py file, or a .ipynb notebook cell by cell (IPython
magics and shell lines blanked), into `rules.ScriptFacts` and runs the rules of `script_rules`.
Names are followed the simple way: a name means what it was last assigned before its use,
in file order (cells top to bottom), whatever function it is in; module-level names assigned
once to a literal (SEED = 42, a dict of settings) are read as that literal.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..augment.config import AugmentConfig
from ..errors import InputError
from ..interchange.paste import check_names, literal_value, split_idg_kwargs
from . import script_rules as rules
from . import script_source
from .script_flow import LABEL_METRICS, compare_predictions
from .script_rules import AppName, Generator, IdgCall, Iterator, ScriptFinding, Span
from .script_source import dotted as _dotted
from .stack_doctor import StackReport, stack_report

__all__ = ["IdgCall", "ScriptFinding", "ScriptReport", "doctor_script"]

IDG_CLASSES = ("ImageDataGenerator", "FastImageDataGenerator")
# IDG's positional parameters, in order (positional calls are rare, but legal).
IDG_POSITIONAL = tuple(
    "featurewise_center samplewise_center featurewise_std_normalization samplewise_std_normalization zca_whitening "
    "zca_epsilon rotation_range width_shift_range height_shift_range brightness_range shear_range zoom_range "
    "channel_shift_range fill_mode cval horizontal_flip vertical_flip rescale preprocessing_function data_format "
    "validation_split interpolation_order dtype".split()
)
# The non-random settings a fix's plain generator keeps (validation_split is added where it matters).
KEPT = (
    "rescale",
    "preprocessing_function",
    "samplewise_center",
    "samplewise_std_normalization",
    "data_format",
    "dtype",
)
FLOW_METHODS = ("flow", "flow_from_directory", "flow_from_dataframe")
# The flow_from_* methods: target_size's position among their arguments, and its default.
SIZE_POSITIONS = {"flow_from_directory": 1, "flow_from_dataframe": 5}
DEFAULT_TARGET_SIZE = (256, 256)
MODEL_METHODS = (
    "fit",
    "fit_generator",
    "evaluate",
    "evaluate_generator",
    "predict",
    "predict_generator",
    "test_on_batch",
)  # Keras 1's examples scored the test set batch by batch

# keras.applications constructors -> the module whose preprocess_input their weights expect.
MODEL_FAMILIES = (
    (r"VGG16", "vgg16"),
    (r"VGG19", "vgg19"),
    (r"ResNet50", "resnet50"),
    (r"ResNet(101|152)", "resnet"),
    (r"ResNet(50|101|152)V2", "resnet_v2"),
    (r"MobileNet", "mobilenet"),
    (r"MobileNetV2", "mobilenet_v2"),
    (r"MobileNetV3(Small|Large)", "mobilenet_v3"),
    (r"InceptionV3", "inception_v3"),
    (r"Xception", "xception"),
    (r"InceptionResNetV2", "inception_resnet_v2"),
    (r"DenseNet(121|169|201)", "densenet"),
    (r"NASNet(Mobile|Large)", "nasnet"),
    (r"EfficientNetB[0-7]", "efficientnet"),
    (r"EfficientNetV2(B[0-3]|S|M|L)", "efficientnet_v2"),
    (r"ConvNeXt(Tiny|Small|Base|Large|XLarge)", "convnext"),
    (r"RegNet[XY]\d{3}", "regnet"),
)
Pos = tuple[int, int, int]  # (cell, line, column): the script's reading order


@dataclass(frozen=True)
class ScriptReport:
    """Every ImageDataGenerator call found, and the findings sorted by (cell, line).
    target_sizes: one per call, in the order of `calls`: the (height, width) in pixels, as
    Keras orders target_size, that the script's flow_from_directory / flow_from_dataframe
    calls on that generator load images at ((256, 256), IDG's default, when they do not give
    one); None when it is unknown: the generator is never flowed from files (only `flow` of
    arrays, or not at all), its calls give different sizes, or a size cannot be read."""

    calls: list[IdgCall]
    findings: list[ScriptFinding]
    target_sizes: tuple[tuple[int, int] | None, ...]
    stack: StackReport | None = None  # the Keras 3 augmentation stack, when the script has one


def doctor_script(data: bytes | str, filename: str) -> ScriptReport:
    """Read a training script (.py) or notebook (.ipynb) for augmentation mistakes.

    Raises InputError, with one line for the user, when the input cannot be read: over 1 MB,
    not UTF-8, null bytes, a notebook that is not nbformat JSON, a .py syntax error, nesting
    too deep. A notebook cell with a syntax error is a `cell_syntax_error` finding instead.
    """
    name = Path(str(filename)).name or "the script"
    text = script_source.decode(data, name)
    sources = script_source.notebook_cells(text, name) if name.lower().endswith(".ipynb") else [(None, text)]
    trees, findings = script_source.parse_all(sources, name)
    try:
        facts = _Reader(trees).read()
        findings += rules.run_rules(facts)
    except (RecursionError, MemoryError):
        raise InputError(f"{name} is nested too deeply to read") from None
    findings.sort(key=lambda finding: (-1 if finding.cell is None else finding.cell, finding.line))
    calls = [generator.call for generator in facts.generators]
    return ScriptReport(calls, findings, _target_sizes(facts), stack_report(sources))


def _target_sizes(facts: rules.ScriptFacts) -> tuple[tuple[int, int] | None, ...]:
    """Each generator's one target_size over its flow_from_* calls (None if none or several)."""
    sizes: dict[Generator, set] = {}
    for iterator in facts.iterators:
        if iterator.method in SIZE_POSITIONS:
            sizes.setdefault(iterator.generator, set()).add(iterator.target_size)
    return tuple(
        next(iter(found)) if len(found := sizes.get(generator, set())) == 1 else None for generator in facts.generators
    )


# -- the script's names -----------------------------------------------------------------------


def _model_family(name: str) -> str | None:
    """The keras.applications module of a model constructor ('MobileNetV2' -> 'mobilenet_v2')."""
    return next((family for pattern, family in MODEL_FAMILIES if re.fullmatch(pattern, name)), None)


def _pos(cell: int | None, node: ast.AST) -> Pos:
    return (cell or 0, node.lineno, node.col_offset)


def _assigned_pairs(node) -> list[tuple[str, ast.AST]]:
    """(target name, value) of an assignment; `a, b = x, y` gives both pairs."""
    if node.value is None:
        return []
    pairs = []
    for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
        value = node.value
        if (
            isinstance(target, (ast.Tuple, ast.List))
            and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts)
        ):
            pairs += [(name, item) for part, item in zip(target.elts, value.elts) if (name := _dotted(part))]
        elif name := _dotted(target):
            pairs.append((name, value))
    return pairs


def _lookup(table: dict, name: str | None, pos: Pos):
    """What `name` was last bound to before `pos` (or first bound to, if only later)."""
    entries = table.get(name) if name else None
    if not entries:
        return None
    index = bisect.bisect_left(entries, pos, key=lambda entry: entry[0])
    return entries[index - 1][1] if index else entries[0][1]


def _why(node: ast.AST, error: InputError) -> str:
    """Why an argument is not a literal, in the user's words ('the name preprocess_input')."""
    if isinstance(node, ast.Name):
        return f"the name {node.id}"
    if dotted := _dotted(node):
        return f"the attribute {dotted}"
    if isinstance(node, ast.Call):
        return f"a call of {_dotted(node.func) or 'a function'}"
    return str(error).rsplit("; got ", 1)[-1]


def _config(kwargs: dict, names: list) -> tuple[AugmentConfig | None, str | None]:
    """The modelled settings as an AugmentConfig; string flags count as IDG counts them (truth).
    An argument name IDG does not know (`names`, read or not) is IDG's TypeError."""
    try:
        check_names([name for name in names if not name.startswith("**")])
    except InputError as error:
        return None, str(error)
    modelled, _ = split_idg_kwargs(kwargs)
    modelled = {
        name: bool(value) if name in rules.FLAGS and isinstance(value, str) else value
        for name, value in modelled.items()
    }
    try:
        return AugmentConfig(**modelled), None
    except (ValueError, TypeError, OverflowError) as error:
        return None, str(error)


class _Reader:
    """The script's trees read into `rules.ScriptFacts`: imports and constants first, then the
    generators, the iterators made from them, and what uses them."""

    def __init__(self, trees: list):
        self.trees = trees
        self.facts = rules.ScriptFacts()
        self.idg_names, self.preprocess_names, self.modules, self.model_names = set(IDG_CLASSES), {}, {}, {}
        self.constants: dict[str, ast.AST] = {}
        self.dicts: dict[str, list[tuple[str, ast.AST]]] = {}
        self.dict_places: dict[str, tuple] = {}  # name -> (cell, source, script_facts.Arguments)
        self.statements: dict[int, tuple[int | None, ast.stmt]] = {}  # id(assigned value) -> its statement
        self.assigned: dict[int, str] = {}  # id(value node) -> the name it is assigned to
        self.generators: dict[str, list] = {}  # name -> [(pos, Generator)], in order
        self.iterators: dict[str, list] = {}  # name -> [(pos, Iterator)], in order
        self.generator_of: dict[int, Generator] = {}  # id(call node) -> Generator
        self.iterator_of: dict[int, Iterator] = {}  # id(call node) -> Iterator
        self.model_call_of: dict[int, int] = {}  # id(call node) -> its index in facts.model_calls
        self.sources: dict[int | None, str] = {}
        self.import_cells: dict[int, int | None] = {}  # id(import node) -> its cell
        self.preprocess_imports: dict[str, ast.ImportFrom] = {}  # local name -> its from-import

    def read(self) -> rules.ScriptFacts:
        imports, assigns, self.calls, attributes, names, stores = [], [], [], [], [], Counter()
        self.loops = []  # (cell, for statement): `for x_batch, y_batch in datagen.flow(...)`
        for cell, source, tree in self.trees:
            self.sources[cell] = source
            for node in ast.walk(tree):  # iterative: safe on deep trees
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    imports.append(node)
                    self.import_cells[id(node)] = cell
                elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                    assigns.append((cell, node))
                elif isinstance(node, ast.For):
                    self.loops.append((cell, node))
                elif isinstance(node, ast.Call):
                    self.calls.append((cell, source, node))
                elif isinstance(node, ast.Attribute):
                    attributes.append((cell, node))
                elif isinstance(node, ast.Name):
                    if isinstance(node.ctx, ast.Store):
                        stores[node.id] += 1
                    else:
                        names.append((cell, node))
        self.calls.sort(key=lambda item: _pos(item[0], item[2]))
        self._read_imports(imports)
        self._read_constants(stores)
        self._read_assignments(assigns)
        self._read_generators()
        self._read_iterators(assigns)
        self._read_uses(attributes, names)
        compare_predictions(
            self.trees,
            self.facts.model_calls,
            self.model_call_of,
            lambda cell, node: self._iterator_at(node.value, _pos(cell, node)) is not None,
        )
        self.facts.keras = rules.keras_version(
            [source for _, source, _ in self.trees],
            any(
                (node.module or "").startswith("keras_preprocessing")
                if isinstance(node, ast.ImportFrom)
                else any(alias.name.startswith("keras_preprocessing") for alias in node.names)
                for node in imports
            ),
        )
        return self.facts

    def _read_imports(self, imports: list) -> None:
        for node in imports:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if alias.asname and "applications" in parts[:-1] and parts[-1] in rules.PREPROCESS_MODES:
                        self.modules[alias.asname] = parts[-1]
                continue
            parts = (node.module or "").split(".")
            applications = "applications" in parts
            family = parts[-1] if applications and parts[-1] != "applications" else None
            for alias in node.names:
                local = alias.asname or alias.name
                if alias.name in IDG_CLASSES:
                    self.idg_names.add(local)
                elif applications and alias.name == "preprocess_input":
                    self.preprocess_names[local] = family
                    self.preprocess_imports[local] = node
                elif applications and family is None and alias.name in rules.PREPROCESS_MODES:
                    self.modules[local] = alias.name
                elif applications and (model := _model_family(alias.name)):
                    self.model_names[local] = model

    def _read_constants(self, stores: Counter) -> None:
        """Module-level names assigned once: literals, and dicts of settings ({...} or dict(...))."""
        for cell, source, tree in self.trees:
            for statement in tree.body:
                if not (
                    isinstance(statement, ast.Assign)
                    and len(statement.targets) == 1
                    and isinstance(statement.targets[0], ast.Name)
                ):
                    continue
                name, value = statement.targets[0].id, statement.value
                if stores[name] != 1:
                    continue
                if isinstance(value, ast.Dict) and all(isinstance(key, ast.Constant) for key in value.keys):
                    self.dicts[name] = [(str(key.value), item) for key, item in zip(value.keys, value.values)]
                    self.dict_places[name] = (cell, source, script_source.dict_arguments(cell, value))
                elif (
                    isinstance(value, ast.Call)
                    and _dotted(value.func) == "dict"
                    and not value.args
                    and all(keyword.arg for keyword in value.keywords)
                ):
                    self.dicts[name] = [(keyword.arg, keyword.value) for keyword in value.keywords]
                    self.dict_places[name] = (cell, source, script_source.dict_arguments(cell, value))
                else:
                    self.constants[name] = value

    def _read_assignments(self, assigns: list) -> None:
        self.pairs = []  # (pos, target, value), for aliases of iterators
        for cell, node in assigns:
            for name, value in _assigned_pairs(node):
                self.assigned[id(value)] = name
                self.statements[id(value)] = (cell, node)
                self.pairs.append((_pos(cell, value), name, value))
                if (_dotted(value) or "").split(".")[-1] in self.idg_names:
                    self.idg_names.add(name)  # IDG = tf.keras.preprocessing.image.ImageDataGenerator

    def _literal(self, node: ast.AST, name: str):
        """A literal value (InputError if it is not one); a name assigned once to a literal is read too."""
        if isinstance(node, ast.Name) and node.id in self.constants:
            node = self.constants[node.id]
        return literal_value(node, name)

    def _arguments(self, node: ast.Call) -> list[tuple[str, ast.AST]]:
        """(IDG argument, value) of a call: positional ones named, **dicts of settings expanded."""
        arguments = [
            (
                f"*{_dotted(value.value) or '...'}"
                if isinstance(value, ast.Starred)
                else IDG_POSITIONAL[index]
                if index < len(IDG_POSITIONAL)
                else f"argument {index + 1}",
                value,
            )
            for index, value in enumerate(node.args)
        ]
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg is not None:
                arguments.append((keyword.arg, value))
            elif (settings := self._unpacked(value)) is not None:
                arguments += settings
            else:
                arguments.append((f"**{_dotted(value) or '...'}", value))
        return arguments

    def _unpacked(self, node: ast.AST) -> list[tuple[str, ast.AST]] | None:
        """(key, value) of a `**` argument that is a dict of settings (a constant, or written
        in place); None for anything else."""
        if isinstance(node, ast.Name) and node.id in self.dicts:
            return self.dicts[node.id]
        if isinstance(node, ast.Dict) and all(isinstance(key, ast.Constant) for key in node.keys):
            return [(str(key.value), item) for key, item in zip(node.keys, node.values)]
        return None

    def _generator(self, cell: int | None, source: str, node: ast.Call) -> Generator:
        kwargs, unreadable = {}, {}
        arguments = self._arguments(node)
        for name, value in arguments:
            try:
                kwargs[name] = self._literal(value, name)
            except InputError as error:
                unreadable[name] = _why(value, error)
        config, error = _config(kwargs, [name for name, _ in arguments])
        call = IdgCall(node.lineno, cell, self.assigned.get(id(node)), kwargs, unreadable, config, error)
        function = dict(arguments).get("preprocessing_function")
        if isinstance(function, ast.Lambda) and isinstance(function.body, ast.Call):
            function = function.body.func  # lambda x: preprocess_input(x)
        preprocessing = self._preprocess_use(cell, function)
        places = script_source.argument_sources(cell, source, node, self.dict_places)
        kept = []
        for name, value in arguments:
            text = ast.get_source_segment(places[name][0], value) if name in KEPT and name in places else None
            if name == "rescale" and preprocessing is not None:
                continue  # preprocess_input scales already: keeping rescale would scale twice
            if text and len(text) <= 80 and "\n" not in text:
                kept.append(f"{name}={text}")
        where = script_source.argument_places(cell, node, self.dict_places)
        after, indent = None, ""
        if id(node) in self.statements:
            statement_cell, statement = self.statements[id(node)]
            line = statement.end_lineno + 1
            after, indent = Span(statement_cell, line, 0, line, 0), " " * statement.col_offset
        text = ast.get_source_segment(source, node) or ""
        return Generator(
            call,
            preprocessing,
            ", ".join(kept),
            ast.get_source_segment(source, node.func) or "ImageDataGenerator",
            script_source.span(cell, node),
            where,
            after,
            indent,
            text if len(text) <= 2000 else "",
        )

    def _read_generators(self) -> None:
        for cell, source, node in self.calls:
            func = node.func
            if (isinstance(func, ast.Name) and func.id in self.idg_names) or (
                isinstance(func, ast.Attribute) and func.attr in IDG_CLASSES
            ):
                generator = self._generator(cell, source, node)
                self.generator_of[id(node)] = generator
                self.facts.generators.append(generator)
                if generator.call.target:
                    self.generators.setdefault(generator.call.target, []).append((_pos(cell, node), generator))

    def _generator_at(self, node: ast.AST, pos: Pos) -> Generator | None:
        if isinstance(node, ast.Call):
            return self.generator_of.get(id(node))
        return _lookup(self.generators, _dotted(node), pos)

    def _iterator_at(self, node: ast.AST | None, pos: Pos) -> Iterator | None:
        if node is None:
            return None
        if isinstance(node, ast.Call):
            return self.iterator_of.get(id(node))
        return _lookup(self.iterators, _dotted(node), pos)

    def _maybe(self, node: ast.AST, name: str, default=None):
        try:
            return self._literal(node, name)
        except InputError:
            return default

    def _iterator(self, cell: int | None, node: ast.Call, generator: Generator) -> Iterator:
        keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
        shuffle = self._maybe(keywords["shuffle"], "shuffle", rules.UNKNOWN) if "shuffle" in keywords else True
        seed = keywords.get("seed")
        if seed is not None:
            value = self._maybe(seed, "seed", rules.UNKNOWN)
            seed = ("name", seed.id) if value is rules.UNKNOWN and isinstance(seed, ast.Name) else value
        subset = self._maybe(keywords["subset"], "subset") if "subset" in keywords else None
        return Iterator(
            node.lineno,
            cell,
            node.func.attr,
            self.assigned.get(id(node)),
            generator,
            subset,
            None if shuffle is rules.UNKNOWN else bool(shuffle),
            "shuffle" in keywords,
            seed,
            self._target_size(node),
            script_source.span(cell, node.func.value),
            script_source.call_arguments(cell, node),
        )

    def _target_size(self, node: ast.Call) -> tuple[int, int] | None:
        """The (height, width) in pixels a flow_from_* call loads images at: its target_size
        (by keyword, position or a dict of settings), IDG's default when not given; None for
        `flow`, or when it cannot be read (a `*` or `**` we cannot read may hold it)."""
        position = SIZE_POSITIONS.get(node.func.attr)
        if position is None:
            return None
        # a * or ** we cannot read may hold target_size (unless it is given by name: Python refuses both)
        unread = any(isinstance(arg, ast.Starred) for arg in node.args[: position + 1])
        given = node.args[position] if len(node.args) > position and not unread else None
        for keyword in node.keywords:
            if keyword.arg == "target_size":
                given = keyword.value
            elif keyword.arg is None:
                settings = self._unpacked(keyword.value)
                unread = unread or settings is None
                given = dict(settings or []).get("target_size", given)
        if given is None:
            return None if unread else DEFAULT_TARGET_SIZE
        if isinstance(given, ast.Name) and given.id in self.constants:
            given = self.constants[given.id]  # IMG_SIZE = (150, 150)
        if not isinstance(given, (ast.Tuple, ast.List)) or len(given.elts) != 2:
            return None
        height, width = (self._maybe(side, "target_size") for side in given.elts)  # (IMG_H, IMG_W) too
        return (height, width) if all(type(side) is int and side > 0 for side in (height, width)) else None

    def _read_iterators(self, assigns: list) -> None:
        for cell, _, node in self.calls:
            func = node.func
            if not (isinstance(func, ast.Attribute) and func.attr in FLOW_METHODS):
                continue
            generator = self._generator_at(func.value, _pos(cell, node))
            if generator is None:
                continue
            iterator = self._iterator(cell, node, generator)
            self.iterator_of[id(node)] = iterator
            self.facts.iterators.append(iterator)
            if iterator.target:
                self.iterators.setdefault(iterator.target, []).append((_pos(cell, node), iterator))
        for cell, loop in self.loops:  # the batch a loop takes from an iterator stands for that iterator
            target = (
                loop.target.elts[0]
                if isinstance(loop.target, (ast.Tuple, ast.List)) and loop.target.elts
                else loop.target
            )
            if (name := _dotted(target)) and (iterator := self._iterator_at(loop.iter, _pos(cell, loop))):
                bisect.insort(
                    self.iterators.setdefault(name, []), (_pos(cell, target), iterator), key=lambda entry: entry[0]
                )
        for pos, name, value in sorted(self.pairs, key=lambda item: item[0]):  # val_data = val_generator
            if isinstance(value, (ast.Name, ast.Attribute)) and (iterator := self._iterator_at(value, pos)):
                bisect.insort(self.iterators.setdefault(name, []), (pos, iterator), key=lambda entry: entry[0])

    def _model_call(self, cell: int | None, node: ast.Call, pos: Pos) -> None:
        keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
        first = node.args[0] if node.args else keywords.get("x", keywords.get("generator"))
        x, validation = self._iterator_at(first, pos), self._iterator_at(keywords.get("validation_data"), pos)
        if x or validation:
            receiver = _dotted(node.func.value) or "model"
            self.model_call_of[id(node)] = len(self.facts.model_calls)
            self.facts.model_calls.append(rules.ModelCall(node.lineno, cell, receiver, node.func.attr, x, validation))

    def _read_call(self, cell: int | None, node: ast.Call) -> None:
        func, pos, facts = node.func, _pos(cell, node), self.facts
        if isinstance(func, ast.Attribute):
            if func.attr == "fit" and (generator := self._generator_at(func.value, pos)):
                facts.fitted.add(generator)
                return
            if func.attr in MODEL_METHODS:
                self._model_call(cell, node, pos)
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name == "zip" and len(node.args) >= 2:
            first, second = (self._iterator_at(arg, pos) for arg in node.args[:2])
            if first and second and first is not second:
                facts.zipped.append(rules.IteratorPair(node.lineno, cell, first, second))
        if name in LABEL_METRICS:
            facts.label_uses.append(f"{name}(...)")
        family = self.model_names.get(name) if isinstance(func, ast.Name) else None
        if family := family or _model_family(name):
            facts.models.append(AppName(node.lineno, cell, name, family))

    def _preprocess_use(self, cell: int | None, node: ast.AST | None) -> AppName | None:
        """A preprocess_input (imported name, alias, or attribute) and its keras.applications family."""
        if isinstance(node, ast.Name) and (node.id in self.preprocess_names or node.id.endswith("preprocess_input")):
            family = self.preprocess_names.get(node.id)
            return AppName(
                node.lineno,
                cell,
                node.id,
                family,
                *script_source.import_places(
                    self.preprocess_imports.get(node.id), self.import_cells, self.sources, node.id, family
                ),
            )
        if isinstance(node, ast.Attribute) and node.attr.endswith("preprocess_input") and (text := _dotted(node)):
            parts = text.split(".")
            module = parts[-2] if len(parts) > 1 else ""
            family = self.modules.get(module, module if module in rules.PREPROCESS_MODES else None)
            at = node.value
            family_at = (
                Span(cell, at.end_lineno, at.end_col_offset - len(module), at.end_lineno, at.end_col_offset)
                if module in rules.PREPROCESS_MODES and isinstance(at, ast.Attribute)
                else None
            )  # not an alias
            return AppName(node.lineno, cell, text, family, family_at)
        return None

    def _read_uses(self, attributes: list, names: list) -> None:
        for cell, _, node in self.calls:
            self._read_call(cell, node)
        for cell, node in attributes:
            if node.attr in ("classes", "labels") and self._iterator_at(node.value, _pos(cell, node)):
                self.facts.label_uses.append(f"{_dotted(node) or node.attr}")
            elif use := self._preprocess_use(cell, node):
                self.facts.preprocess_uses.append(use)
        for cell, node in names:
            if node.id in self.preprocess_names:
                self.facts.preprocess_uses.append(self._preprocess_use(cell, node))
        self.facts.preprocess_uses.sort(key=lambda use: (use.cell or 0, use.line))
