"""Reading a script or notebook for the script doctor, never running it: its text (bounded,
UTF-8, no null bytes), a notebook's code cells, and their syntax trees, IPython magics and
shell lines blanked where they would not parse. A notebook cell that is not Python is a
`cell_syntax_error` finding; the other cells are still read.
"""

from __future__ import annotations

import ast
import json
import re

from ..errors import InputError
from . import script_rules as rules
from .script_rules import ScriptFinding

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
    return "\n".join("" if _SHELL.match(line) or _HELP.match(line) else line for line in lines)


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
            findings.append(ScriptFinding(
                line, cell, "cell_syntax_error", rules.WARNING,
                f"Cell {cell} is not valid Python (line {line}: {error.msg}), so it was not checked; "
                "the other cells were.",
                "Fix the syntax error in this cell (or clear it) and check the notebook again."))
    return trees, findings
