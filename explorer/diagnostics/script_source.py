"""Reading a script or notebook for the script doctor, never running it: its text (bounded,
UTF-8, no null bytes), a notebook's code cells, and their syntax trees, IPython magics and
shell lines blanked where they would not parse. A notebook cell that is not Python is a
`cell_syntax_error` finding; the other cells are still read. And where things are in that
text (`Span`s of arguments and imports), for fixes written as edits.
"""

from __future__ import annotations

import ast
import json
import re

from ..errors import InputError
from . import script_rules as rules
from .script_facts import Arguments, ScriptFinding, Span

MAX_BYTES = 1_048_576
PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")
_SHELL = re.compile(r"\s*(?:[%!]|[\w.]+\s*=\s*[%!])")  # %magic, !shell, files = !ls
_HELP = re.compile(r"\s*(?:\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")  # ?name, name?, name??


def decode(data, name: str) -> str:
    if not isinstance(data, (str, bytes, bytearray)):
        raise InputError(f"{name}: expected the file's bytes or text; got {type(data).__name__}")
    size = len(data)  # a character is at least one byte: a huge text is refused without encoding a copy
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) and size <= MAX_BYTES else size
    if size > MAX_BYTES:
        raise InputError(f"{name} is too large ({size:,} bytes; at most {MAX_BYTES:,})")
    try:
        text = data if isinstance(data, str) else bytes(data).decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{name} is not UTF-8 text (byte {error.start} cannot be read)") from None
    if "\x00" in text:
        raise InputError(f"{name} contains null bytes: it is not a script")
    return text.lstrip("\ufeff")


def notebook_cells(text: str, name: str) -> list[tuple[int, str]]:
    """(number among all cells, from 1, markdown cells counted, source) of every code cell of
    an nbformat 4 notebook: cell 1 is `cells[0]`."""
    try:
        notebook = json.loads(text)
    except (RecursionError, ValueError) as error:  # JSONDecodeError is a ValueError
        where = f" (line {error.lineno}: {error.msg})" if isinstance(error, json.JSONDecodeError) else ""
        raise InputError(f"{name} is not a notebook: its JSON cannot be read{where}") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise InputError(f"{name} is not a Jupyter notebook (nbformat 4): it has no list of cells")
    code = []
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise InputError(f"{name} is not a Jupyter notebook: cell {index} is not a cell")
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str) or "\x00" in source:
            raise InputError(f"{name} is not a Jupyter notebook: the source of cell {index} is not text")
        code.append((index, source))
    return code


def _blank_magics(source: str) -> str:
    """IPython magics, shell lines and help lines blanked, every other line kept where it is;
    a cell magic other than %%time and friends blanks its whole cell (%%bash is not Python)."""
    lines = source.split("\n")
    if lines[0].lstrip().startswith("%%"):
        magic = (lines[0].lstrip()[2:].split() or [""])[0]
        if magic not in PYTHON_CELL_MAGICS:
            return "\n" * (len(lines) - 1)
        lines[0] = ""
    # A blanked line keeps its indentation as `pass`: `try:\n  %tensorflow_version 2.x\nexcept...`
    # (Colab's own snippet) must still parse.
    return "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass" if _SHELL.match(line) or _HELP.match(line) else line
        for line in lines
    )


def _parse(source: str, where: str) -> ast.Module:
    """`ast.parse`, the source as it is first and with magics blanked if that fails;
    SyntaxError is the caller's, every other failure an InputError."""
    try:
        try:
            return ast.parse(source)
        except SyntaxError:
            blanked = _blank_magics(source)
            if blanked == source:
                raise
            return ast.parse(blanked)
    except (RecursionError, MemoryError):
        raise InputError(f"{where} is nested too deeply to read") from None
    except UnicodeError:
        raise InputError(f"{where} holds characters that are not valid Unicode") from None
    except ValueError as error:
        raise InputError(f"{where} cannot be read as Python: {error}") from None


def parse_all(sources: list, name: str) -> tuple[list, list[ScriptFinding]]:
    trees, findings = [], []
    for cell, source in sources:
        where = name if cell is None else f"{name} cell {cell}"
        try:
            trees.append((cell, source, _parse(source, where)))
        except SyntaxError as error:
            line = error.lineno or 1
            if cell is None:
                raise InputError(f"{name} is not valid Python (line {line}: {error.msg})") from None
            findings.append(
                ScriptFinding(
                    line,
                    cell,
                    "cell_syntax_error",
                    rules.WARNING,
                    f"Cell {cell} is not valid Python (line {line}: {error.msg}), so it was not checked; "
                    "the other cells were.",
                    "Fix the syntax error in this cell (or clear it) and check the notebook again.",
                )
            )
    return trees, findings


# -- where things are in the text, for fixes as edits ----------------------------------------


def dotted(node) -> str | None:
    """'a.b.c' for a name or an attribute chain on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def span(cell: int | None, node: ast.AST) -> Span:
    return Span(cell, node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)


def spans(cell: int | None, items: list[tuple[str | None, ast.AST, ast.AST, ast.AST]]) -> Arguments:
    """Where a list of arguments are: items are (name or None, first node, last node, value
    node) in text order; a removal takes the comma after the argument (before it, for the last)."""
    values, removals = {}, {}
    for index, (name, first, last, value) in enumerate(items):
        if name is None:
            continue
        values[name] = span(cell, value)
        if index + 1 < len(items):
            after = items[index + 1][1]
            removals[name] = Span(cell, first.lineno, first.col_offset, after.lineno, after.col_offset)
        elif index:
            before = items[index - 1][2]
            removals[name] = Span(cell, before.end_lineno, before.end_col_offset, last.end_lineno, last.end_col_offset)
        else:
            removals[name] = Span(cell, first.lineno, first.col_offset, last.end_lineno, last.end_col_offset)
    return Arguments(values, removals)


def call_arguments(cell: int | None, node: ast.Call) -> Arguments:
    """Where a call's arguments are, and where a new keyword argument goes."""
    items = [(None, arg, arg, arg) for arg in node.args]
    items += [(keyword.arg, keyword, keyword, keyword.value) for keyword in node.keywords]
    items.sort(key=lambda item: (item[1].lineno, item[1].col_offset))
    found = spans(cell, items)
    if items:
        last = items[-1][2]
        insert, lead = Span(cell, last.end_lineno, last.end_col_offset, last.end_lineno, last.end_col_offset), ", "
    else:  # f(): just before the closing parenthesis
        insert, lead = (
            Span(cell, node.end_lineno, node.end_col_offset - 1, node.end_lineno, node.end_col_offset - 1),
            "",
        )
    return Arguments(found.values, found.removals, insert, lead)


def dict_arguments(cell: int | None, node: ast.AST) -> Arguments:
    """Where the entries of a dict of settings ({...} or dict(...)) are."""
    if isinstance(node, ast.Dict):
        return spans(cell, [(str(key.value), key, value, value) for key, value in zip(node.keys, node.values)])
    return spans(cell, [(keyword.arg, keyword, keyword, keyword.value) for keyword in node.keywords])


def import_places(
    node: ast.ImportFrom | None, import_cells: dict, sources: dict, local: str, family: str | None
) -> tuple[Span | None, tuple[Span, str] | None]:
    """Where the family of a preprocess_input imported by `node` is written (an import of it
    alone), or where a new import of it goes, and its text (an import of several names)."""
    if node is None or family is None:
        return None, None
    cell = import_cells.get(id(node))
    if len(node.names) > 1:
        line = node.end_lineno + 1
        prefix = node.module.rsplit(".", 1)[0]
        alias = f" as {local}" if local != "preprocess_input" else ""
        return None, (
            Span(cell, line, 0, line, 0),
            f"{' ' * node.col_offset}from {prefix}.{{family}} import preprocess_input{alias}\n",
        )
    lines = sources.get(cell, "").splitlines()
    text = lines[node.lineno - 1].encode("utf-8") if node.lineno <= len(lines) else b""
    start = text.find(node.module.encode("utf-8"), node.col_offset)
    if start < 0:
        return None, None
    end = start + len(node.module.encode("utf-8"))
    return Span(cell, node.lineno, end - len(family.encode("utf-8")), node.lineno, end), None


def argument_sources(cell: int | None, source: str, node: ast.Call, dict_places: dict) -> dict[str, tuple]:
    """argument -> (the source its value is written in, its cell), for a call's keywords and
    the entries of the dicts of settings it unpacks (dict_places: name -> (cell, source,
    `Arguments`) of the module-level dicts of settings)."""
    places = {}
    for keyword in node.keywords:
        if keyword.arg is not None:
            places[keyword.arg] = (source, cell)
        elif isinstance(keyword.value, ast.Name) and keyword.value.id in dict_places:
            dict_cell, dict_source, where = dict_places[keyword.value.id]
            places.update({name: (dict_source, dict_cell) for name in where.values})
        elif isinstance(keyword.value, ast.Dict):
            places.update(
                {str(key.value): (source, cell) for key in keyword.value.keys if isinstance(key, ast.Constant)}
            )
    return places


def argument_places(cell: int | None, node: ast.Call, dict_places: dict) -> Arguments:
    """Where a call's arguments are, those unpacked from a dict of settings included."""
    where = call_arguments(cell, node)
    values, removals = dict(where.values), dict(where.removals)
    for keyword in node.keywords:
        if keyword.arg is None and isinstance(keyword.value, ast.Name) and keyword.value.id in dict_places:
            found = dict_places[keyword.value.id][2]
        elif keyword.arg is None and isinstance(keyword.value, ast.Dict):
            found = dict_arguments(cell, keyword.value)
        else:
            continue
        values.update(found.values)
        removals.update(found.removals)
    return Arguments(values, removals, where.insert, where.lead)
