"""What the script doctor reads a training script into (`ScriptFacts`: the ImageDataGenerator
calls, their iterators, the model's fit/evaluate/predict calls, preprocess_input, the
keras.applications model, the Keras version the script says it runs), the findings it gives,
and fixes as edits of the script's text (`Span`, `Edit`, `apply_edits`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..augment.config import AugmentConfig
from .findings import num, rescale_text

# -- fixes as edits of the script's text ----------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A stretch of a script's text: cell (None for a .py file), from (line, col) to
    (end_line, end_col); lines from 1, columns in UTF-8 bytes from 0, as `ast` counts them.
    An empty span (start == end) is a place to insert at."""

    cell: int | None
    line: int
    col: int
    end_line: int
    end_col: int

    def put(self, text: str) -> Edit:
        return Edit(self, text)


@dataclass(frozen=True)
class Edit:
    """One fix's change to the script's text: the span replaced by `text`."""

    span: Span
    text: str


def apply_edits(source: str, edits, cell: int | None = None) -> str:
    """`source` (one cell's, or the .py file's) with the edits of that cell made; edits must
    not overlap. Positions are read as `ast` counts them (lines split as `ast.parse` splits them)."""
    lines = source.splitlines(keepends=True) or [""]

    def offset(line: int, col: int) -> int:
        if line > len(lines):
            return len(source)
        before = sum(len(text) for text in lines[: line - 1])
        return before + len(lines[line - 1].encode("utf-8")[:col].decode("utf-8", "ignore"))

    mine = [edit for edit in edits if edit.span.cell == cell]
    for edit in sorted(mine, key=lambda edit: (edit.span.line, edit.span.col), reverse=True):
        start, end = offset(edit.span.line, edit.span.col), offset(edit.span.end_line, edit.span.end_col)
        source = source[:start] + edit.text + source[end:]
    return source


def python_text(name: str, value: Any) -> str:
    """A setting's value written as Python that means the same to IDG: floats stay floats
    (5.0, not 5, which IDG reads as an int), rescale as 1/255, pairs as lists."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(python_text(name, item) for item in value) + "]"
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return repr(value)
    if name == "rescale":
        return rescale_text(value)
    return f"{value:.1f}" if float(value).is_integer() else num(value)


# -- what a script is read into -------------------------------------------------------------


@dataclass(frozen=True)
class ScriptFinding:
    """One mistake in a script. line: 1-based, in the file (in the cell for notebooks); cell:
    the notebook cell, numbered from 1 among all cells (markdown counted), None for .py;
    code: stable id ('config:<code>' for the config doctor's); severity: "warning" or "note";
    message, with the script's own names and values; fix: one line; edits: the fix as edits
    of the script's text, when it is one (empty when the fix is advice)."""

    line: int
    cell: int | None
    code: str
    severity: str
    message: str
    fix: str
    edits: tuple[Edit, ...] = ()

    def to_json(self) -> dict:
        return {
            "line": self.line,
            "cell": self.cell,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class IdgCall:
    """One `ImageDataGenerator(...)` call. target: the variable it is assigned to (None if
    none); kwargs: the literal values that could be read; unreadable: argument -> why it is
    not a literal ('the name preprocess_input'); config: the `AugmentConfig` of the modelled
    kwargs, or None when it refused them with `error`."""

    line: int
    cell: int | None
    target: str | None
    kwargs: dict
    unreadable: dict[str, str]
    config: AugmentConfig | None
    error: str | None

    @property
    def name(self) -> str:
        return self.target or f"the ImageDataGenerator(...) of line {self.line}"


@dataclass(frozen=True)
class AppName:
    """A keras.applications name used in the script (a preprocess_input, a model constructor)
    as written; family: its keras.applications module ('mobilenet_v2'), None if unknown."""

    line: int
    cell: int | None
    text: str
    family: str | None
    # For a preprocess_input, where its family is written, to put another there (the module of a
    # `from ... import preprocess_input`, or the attribute path); else reimport: where a new
    # import goes and its text with a {family} to fill in. None when neither can be written.
    family_at: Span | None = None
    reimport: tuple[Span, str] | None = None


@dataclass(frozen=True)
class Arguments:
    """Where a call's arguments are, for edits: values (argument -> the span of its value,
    in the call or in the dict of settings it is unpacked from), removals (argument -> the
    span that removes it with its comma), insert (an empty span after the call's last
    argument) and the text to put before a new argument there (", " or "")."""

    values: dict[str, Span] = field(default_factory=dict)
    removals: dict[str, Span] = field(default_factory=dict)
    insert: Span | None = None
    lead: str = ", "

    def set(self, name: str, value_text: str) -> Edit | None:
        """The edit that gives `name` this value (replacing it, or adding it)."""
        if name in self.values:
            return self.values[name].put(value_text)
        return self.insert.put(f"{self.lead}{name}={value_text}") if self.insert else None


@dataclass(frozen=True, eq=False)
class Generator:
    """An IdgCall, its preprocessing_function when that is a preprocess_input, and its
    non-random settings as written ('rescale=1./255', for the fixes). func: the class as the
    call names it ('ImageDataGenerator', 'tf.keras.preprocessing.image.ImageDataGenerator');
    span: the whole call; arguments: where its arguments are; after: an empty span at the
    start of the line after the call's statement, and indent, that statement's indentation."""

    call: IdgCall
    preprocessing: AppName | None
    kept: str
    func: str = "ImageDataGenerator"
    span: Span | None = None
    arguments: Arguments = field(default_factory=Arguments)
    after: Span | None = None
    indent: str = ""
    text: str = ""  # the whole call as written (at most 2,000 characters), to copy into another call

    def edits_for(self, change) -> list[Edit]:
        """A config doctor's `findings.Change` as edits of this call (none when one cannot be
        written: a new input range is the pipeline's, not the call's)."""
        if change is None or change.input_range is not None:
            return []
        edits = []
        for name, value in change.settings:
            if value is None:
                edits.append(self.arguments.removals[name].put("") if name in self.arguments.removals else None)
            else:
                edits.append(self.arguments.set(name, python_text(name, value)))
        return edits if all(edits) else []


@dataclass(frozen=True, eq=False)
class Iterator:
    """A `flow`, `flow_from_directory` or `flow_from_dataframe` call. shuffle: True, False or
    None (not readable), True when not given (IDG's default); seed: None (not given), its
    value, ('name', x) for a name we cannot read, or UNKNOWN; target_size: the (height,
    width) in pixels a flow_from_* call loads images at, (256, 256) when not given (IDG's
    default), None for `flow` (it takes arrays) or a size that cannot be read."""

    line: int
    cell: int | None
    method: str
    target: str | None
    generator: Generator
    subset: Any
    shuffle: bool | None
    shuffle_given: bool
    seed: Any
    target_size: tuple[int, int] | None
    receiver: Span | None = None  # the generator the flow call is made on, as written
    arguments: Arguments = field(default_factory=Arguments)

    @property
    def name(self) -> str:
        return self.target or f"{self.generator.call.target or 'ImageDataGenerator(...)'}.{self.method}(...)"


@dataclass(frozen=True)
class ModelCall:
    """model.fit/fit_generator/evaluate/predict with the iterators that feed x and validation_data."""

    line: int
    cell: int | None
    receiver: str
    method: str
    x: Iterator | None
    validation: Iterator | None
    compared: str | None = None  # predict: where its predictions meet labels in order ('test_gen.classes')


@dataclass(frozen=True)
class IteratorPair:
    """Two iterators zipped together (images with their masks)."""

    line: int
    cell: int | None
    first: Iterator
    second: Iterator


@dataclass
class ScriptFacts:
    generators: list[Generator] = field(default_factory=list)
    iterators: list[Iterator] = field(default_factory=list)
    model_calls: list[ModelCall] = field(default_factory=list)
    zipped: list[IteratorPair] = field(default_factory=list)
    fitted: set[Generator] = field(default_factory=set)  # `<generator>.fit(...)` is called
    preprocess_uses: list[AppName] = field(default_factory=list)
    models: list[AppName] = field(default_factory=list)  # keras.applications models built
    label_uses: list[str] = field(default_factory=list)  # 'test_gen.classes', 'confusion_matrix(...)'
    keras: KerasVersion | None = None  # the Keras the script says it runs


# Keras versions whose ImageDataGenerator does not swap the shift axes (IDG_SEMANTICS.md: Keras
# 2.2-2.8, keras-preprocessing <= 1.1.2, and tf.keras before TF 2.9, which used them).
_PINNED = re.compile(
    r"\b(keras[-_]preprocessing|tensorflow(?:[-_](?:gpu|cpu))?|tf[-_]keras|keras)\s*[=<>~]=\s*"
    r"(\d+)\.(\d+)(?:\.\d+)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class KerasVersion:
    """The Keras a script says it runs: package and version as written ('keras==2.2.4'), and
    whether that ImageDataGenerator swaps the shift axes."""

    text: str
    swaps: bool


def keras_version(sources: list[str], imports_keras_preprocessing: bool = False) -> KerasVersion | None:
    """The Keras the script pins (pip lines, requirements comments, `keras_preprocessing`
    imported directly); None when it does not say, or says two things that disagree."""
    found = []
    for source in sources:
        for match in _PINNED.finditer(source):
            package, major, minor = match.group(1).lower().replace("_", "-"), int(match.group(2)), int(match.group(3))
            if package == "keras-preprocessing":
                swaps = False  # its last release, 1.1.2, never swapped
            else:  # keras, tf-keras and tensorflow alike: the swap came with 2.9
                swaps = (major, minor) >= (2, 9)
            found.append(KerasVersion(match.group(0), swaps))
    if imports_keras_preprocessing:
        found.append(KerasVersion("keras_preprocessing (imported)", False))
    if not found or len({version.swaps for version in found}) > 1:
        return None
    return found[0]


def family_edits(uses: list[AppName], family: str) -> list[Edit | None]:
    """Every use of one preprocess_input switched to another family's, each place once."""
    edits, done = [], set()
    for use in uses:
        edit = (
            use.family_at.put(family)
            if use.family_at
            else Edit(use.reimport[0], use.reimport[1].format(family=family))
            if use.reimport
            else None
        )
        if edit is None or edit.span not in done:
            edits.append(edit)
            done.add(edit.span if edit else None)
    return edits if all(edits) else []
