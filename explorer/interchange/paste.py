"""Reading a pasted config: JSON, or Python source with an `ImageDataGenerator(...)` call.

Pasted text is untrusted, so it is never run: Python is only parsed (`ast.parse`), and a
value is accepted only if it is a literal (numbers, strings, True/False/None, lists of
those) or + - * / of numbers (`1./255`), which we evaluate by walking the tree ourselves.
Every refusal is an `InputError` whose message names the argument and what is accepted.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import json
import numbers
from dataclasses import dataclass, field

from ..augment.config import AugmentConfig
from ..errors import InputError

MAX_CHARS = 20_000
MAX_DEPTH = 32  # nesting of one value (lists, arithmetic); real configs need 3 or 4
MAX_INT = 10**18  # larger integers mean nothing here, and would only cost time

SUPPORTED = tuple(field.name for field in dataclasses.fields(AugmentConfig))
ACCEPTED = (
    "only literal values are accepted (numbers, strings, True/False/None, lists of those, "
    "and + - * / of numbers such as 1./255)"
)

# IDG arguments the preview does not model: imported aside, each with what it means.
_NEEDS_FIT = "it needs statistics from datagen.fit() on a whole data set; the preview shows per-image augmentation"
UNSUPPORTED = {
    "featurewise_center": _NEEDS_FIT,
    "featurewise_std_normalization": _NEEDS_FIT,
    "zca_whitening": _NEEDS_FIT,
    "zca_epsilon": _NEEDS_FIT,
    "validation_split": (
        "IDG's subset='validation' is augmented too and is the first fraction of the data, not a random one; "
        "the explorer keeps validation images apart itself and never augments them"
    ),
    "preprocessing_function": "it is code, and pasted code is never run; IDG applies it before rescale",
    "data_format": "the preview always works channels_last",
    "dtype": "the preview always works in float32",
}


class SeveralCalls(InputError):
    """The text holds more than one ImageDataGenerator call: a script, for the script doctor."""


@dataclass(frozen=True)
class Pasted:
    """What a pasted config gives: the settings the preview models, and the other IDG
    arguments, kept aside with what each means (`UNSUPPORTED`), as `name=value` text."""

    config: AugmentConfig
    set_aside: dict[str, str] = field(default_factory=dict)  # "name=value" -> why it is not previewed


_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
# What a refused value is, in the user's words.
_KINDS = {
    ast.Call: "a function call",
    ast.Attribute: "an attribute",
    ast.Subscript: "an index or slice",
    ast.Lambda: "a lambda",
    ast.JoinedStr: "an f-string",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Compare: "a comparison",
    ast.BoolOp: "an and/or expression",
    ast.IfExp: "a conditional expression",
    ast.NamedExpr: "an assignment expression",
    ast.Starred: "a * unpacking",
}


def parse_config_text(text: str) -> AugmentConfig:
    """The config of `read_config_text`, for callers that need only the settings."""
    return read_config_text(text).config


def read_config_text(text: str) -> Pasted:
    """A config from pasted JSON (all or some settings) or from `ImageDataGenerator(...)` code;
    every IDG argument is taken, those the preview does not model are set aside with a reason.

    Raises InputError, with a message for the user, for what IDG itself refuses (an unknown
    argument, a value it cannot use) and for what cannot be read without running it: no call
    or several (a whole script goes to the script doctor), syntax errors, non-literal values
    of the settings the preview models.
    """
    text = _clean_text(text)
    if text.startswith("{"):
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
        except json.JSONDecodeError as error:
            # Perhaps a Python dict literal ({'rotation_range': 40}): read it as Python.
            return _from_python(text, json_error=error)
        except InputError:
            raise
        except (RecursionError, ValueError) as error:  # too deep, or an int too long to read
            raise InputError(f"the JSON cannot be read: {error}") from None
        return _build(data)
    return _from_python(text)


def _clean_text(text) -> str:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("the pasted text is not UTF-8 text") from None
    if not isinstance(text, str):
        raise InputError(f"expected pasted text; got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise InputError(f"the pasted text is too long ({len(text):,} characters; at most {MAX_CHARS:,})")
    if "\x00" in text:
        raise InputError("the pasted text contains null bytes: it is not code or JSON")
    text = text.lstrip("\ufeff").strip()
    if not text:
        raise InputError("nothing to read: paste ImageDataGenerator(...) code or a JSON object of its settings")
    return text


def _no_duplicate_keys(pairs: list) -> dict:
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise InputError(f"the JSON gives {', '.join(repeated)} more than once")
    return dict(pairs)


def _from_python(text: str, json_error: json.JSONDecodeError | None = None) -> Pasted:
    tree = _parse(text, json_error)
    calls = _idg_calls(tree)
    if not calls:
        body = tree.body
        if len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Dict):
            return _build(_dict_literal(body[0].value))
        if json_error is not None:
            raise InputError(f"not valid JSON (line {json_error.lineno}, column {json_error.colno}: {json_error.msg})")
        raise InputError(
            "no ImageDataGenerator(...) call found: paste the code that creates it, or a JSON object of its settings"
        )
    if len(calls) > 1:
        lines = ", ".join(str(call.lineno) for call in calls)
        raise SeveralCalls(
            f"found {len(calls)} ImageDataGenerator calls (lines {lines}): check it as a script to "
            "see each one and load the one you want"
        )
    return _build(_call_kwargs(calls[0]))


def _parse(text: str, json_error) -> ast.Module:
    """`ast.parse`, with every way it can fail turned into an InputError."""
    try:
        return ast.parse(text)
    except SyntaxError as error:
        if json_error is not None:
            raise InputError(
                f"not valid JSON (line {json_error.lineno}, column {json_error.colno}: {json_error.msg})"
            ) from None
        if "digits" in str(error.msg):  # Python refuses int literals over 4,300 digits
            raise InputError("a number in the text has too many digits") from None
        where = f"line {error.lineno}: " if error.lineno else ""
        raise InputError(f"not valid Python ({where}{error.msg})") from None
    except (RecursionError, MemoryError):
        raise InputError("the text is nested too deeply to read") from None
    except UnicodeError:
        raise InputError("the text holds characters that are not valid Unicode (unpaired surrogates)") from None
    except ValueError as error:
        raise InputError(f"the text cannot be read as Python: {error}") from None


def _idg_calls(tree: ast.Module) -> list[ast.Call]:
    """Calls of ImageDataGenerator, under any module prefix or `import ... as` name."""
    names = {"ImageDataGenerator"}
    for node in ast.walk(tree):  # iterative: safe on wide trees
        if isinstance(node, ast.ImportFrom):
            names |= {alias.asname for alias in node.names if alias.name == "ImageDataGenerator" and alias.asname}
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id in names) or (
                isinstance(func, ast.Attribute) and func.attr == "ImageDataGenerator"
            ):
                calls.append(node)
    return sorted(calls, key=lambda call: (call.lineno, call.col_offset))


def _call_kwargs(call: ast.Call) -> dict:
    if call.args:
        raise InputError(
            f"ImageDataGenerator takes settings as name=value here; got {len(call.args)} positional argument(s)"
        )
    if any(keyword.arg is None for keyword in call.keywords):
        raise InputError("**kwargs unpacking is not accepted: write each setting as name=value")
    names = [keyword.arg for keyword in call.keywords]
    check_names(names)
    # The preview's settings must be literals; the others are set aside, as written when not literals.
    return {
        keyword.arg: _value(keyword.value, keyword.arg) if keyword.arg in SUPPORTED else _aside(keyword.value)
        for keyword in call.keywords
    }


def _aside(node: ast.AST):
    try:
        return _value(node, "")
    except InputError:
        return _Source(node)


@dataclass(frozen=True)
class _Source:
    """An argument set aside as it is written (it may be a name, such as preprocess_input)."""

    node: ast.AST

    def __str__(self) -> str:
        return ast.unparse(self.node)


def _dict_literal(node: ast.Dict) -> dict:
    keys = []
    for key in node.keys:
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            raise InputError("a dict of settings must have string keys, such as 'rotation_range'")
        keys.append(key.value)
    check_names(keys)
    return {key: _value(value, key) for key, value in zip(keys, node.values)}


def check_names(names: list) -> None:
    """Refuse repeated and unknown setting names, all at once (IDG refuses them too), with a
    did-you-mean for a misspelt one: InputError."""
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InputError(f"{', '.join(repeated)} given more than once")
    problems = []
    for name in names:
        if name in SUPPORTED or name in UNSUPPORTED:
            continue
        close = difflib.get_close_matches(str(name), [*SUPPORTED, *UNSUPPORTED], n=1)
        suggestion = f" (did you mean {close[0]}?)" if close else ""
        problems.append(f"{name} is not an ImageDataGenerator setting" + suggestion)
    if problems:
        raise InputError("; ".join(problems))


def _value(node: ast.AST, name: str, depth: int = 0):
    """A literal value from the tree, or InputError naming the setting and what was found."""
    if depth > MAX_DEPTH:
        raise InputError(f"{name}: the value is nested too deeply")
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)):
            return _bounded(value, name)
        raise _refuse(name, {complex: "a complex number", bytes: "bytes"}.get(type(value), repr(value)))
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_value(item, name, depth + 1) for item in node.elts]
        if any(isinstance(item, list) for item in items):
            raise _refuse(name, "a nested list")
        return items
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _number(node.operand, name, depth)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _number(node.left, name, depth), _number(node.right, name, depth)
        try:
            if isinstance(node.op, ast.Add):
                result = left + right
            elif isinstance(node.op, ast.Sub):
                result = left - right
            elif isinstance(node.op, ast.Mult):
                result = left * right
            else:
                result = left / right
        except ZeroDivisionError:
            raise InputError(f"{name}: division by zero") from None
        except OverflowError:
            raise InputError(f"{name}: the number is too large") from None
        return _bounded(result, name)
    if isinstance(node, ast.BinOp):
        raise _refuse(name, f"the {type(node.op).__name__} operator (only + - * / are evaluated)")
    if isinstance(node, ast.Name):
        raise _refuse(name, f"the name {node.id}")
    raise _refuse(name, _KINDS.get(type(node), type(node).__name__))


def literal_value(node: ast.AST, name: str):
    """The literal a keyword argument holds (numbers, strings, True/False/None, lists, and
    + - * / of numbers), evaluated by walking the tree, never run. InputError, naming the
    argument, for anything else (a name, a call, an attribute...)."""
    return _value(node, name)


def split_idg_kwargs(kwargs: dict) -> tuple[dict, dict]:
    """IDG keyword arguments split into those `AugmentConfig` models and the others
    (featurewise_*, zca_*, preprocessing_function, validation_split, data_format, dtype),
    which are valid IDG arguments the explorer does not preview. Unknown names stay in the
    second dict too; `UNSUPPORTED` says why each known one is not previewed."""
    modelled = {name: value for name, value in kwargs.items() if name in SUPPORTED}
    others = {name: value for name, value in kwargs.items() if name not in SUPPORTED}
    return modelled, others


def _number(node: ast.AST, name: str, depth: int):
    value = _value(node, name, depth + 1)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{name}: arithmetic works on numbers only; got {value!r}")
    return value


def _bounded(value, name: str):
    if isinstance(value, int) and abs(value) > MAX_INT:
        raise InputError(f"{name}: the number is too large")
    return value


def _refuse(name: str, what: str) -> InputError:
    return InputError(f"{name}: {ACCEPTED}; got {what}")


def _build(data) -> Pasted:
    """The config from parsed settings (its ValueError becomes the user's InputError), and
    the other IDG arguments set aside."""
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object of ImageDataGenerator settings; got {type(data).__name__}")
    check_names(list(data))
    modelled, others = split_idg_kwargs(data)
    for name, value in modelled.items():  # JSON's integers are unbounded
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, numbers.Number):
                _bounded(item, name)
    split = others.get("validation_split")
    if isinstance(split, numbers.Real) and split and not 0 < split < 1:  # IDG's own check
        raise InputError(f"`validation_split` must be strictly between 0 and 1.  Received: {split}")
    try:
        config = AugmentConfig(**modelled)
    except (ValueError, TypeError, OverflowError) as error:
        raise InputError(str(error)) from None
    shown = {name: value if isinstance(value, _Source) else repr(value) for name, value in others.items()}
    return Pasted(config, {f"{name}={text}": UNSUPPORTED[name] for name, text in shown.items()})
