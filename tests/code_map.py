"""What the code imports and how big it is, read from the source with `ast` (nothing is
imported): the helpers of the architecture tests."""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "explorer"
LAYERS = ("augment", "data", "interchange", "dropin", "experiments", "diagnostics", "ui")
# The groups inside `experiments`, bottom to top: each may import only itself and those before it.
EXPERIMENT_GROUPS = ("records", "analysis", "training", "suggest", "runs")


@dataclass(frozen=True)
class Module:
    name: str  # dotted: explorer.augment.engine
    path: Path

    @property
    def layer(self) -> str:
        """The layer it belongs to (the top subpackage, however deep the module sits:
        explorer.experiments.runs.queue is in `experiments`), "errors" for explorer.errors,
        "top" for the rest of the top level (__init__, __main__, cli, ...). A subpackage that
        is no layer is named as such, and fails the layer tests."""
        parts = self.name.split(".")
        if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS):
            return parts[1]
        return "errors" if self.name == "explorer.errors" else "top"

    @property
    def group(self) -> str | None:
        """The subpackage within its layer (explorer.experiments.runs.queue -> "runs"); None for
        a module directly in its layer or at the top level."""
        return group_of(self.name)

    def tree(self) -> ast.Module:
        return ast.parse(self.path.read_text(encoding="utf-8"))


def modules() -> list[Module]:
    """Every module of the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found.append(Module(".".join(parts), path))
    return found


def imported_modules(module: Module) -> set[str]:
    """Absolute names of every module it imports, at the top or inside functions (relative
    imports resolved; `from . import x` counts as importing the package and package.x)."""
    package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
    names = set()
    for node in ast.walk(module.tree()):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            target = ".".join(part for part in (base, node.module) if part)
            names.add(target)
            if node.level:
                names |= {f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in NAMES}
    return names


def module_level_imports(module: Module) -> set[str]:
    """The top-level names of what a module imports at its top level (not inside functions)."""
    names = set()
    for node in module.tree().body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


NAMES = {module.name for module in modules()}


def layer_of(name: str) -> str | None:
    """The layer of an explorer module name (None for anything outside the package)."""
    if name != "explorer" and not name.startswith("explorer."):
        return None
    parts = name.split(".")
    if len(parts) >= 2 and parts[1] in LAYERS:
        return parts[1]
    return "errors" if name == "explorer.errors" else "top"


def group_of(name: str) -> str | None:
    """The subpackage within its layer of an explorer module name (None when there is none)."""
    parts = name.split(".")
    if len(parts) >= 3 and parts[1] in LAYERS and (PACKAGE / parts[1] / parts[2]).is_dir():
        return parts[2]
    return None


def _without_docstrings(tree: ast.AST) -> ast.AST:
    """A copy of `tree` without the docstrings of its module, classes and functions."""
    tree = copy.deepcopy(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                node.body = node.body[1:] or [ast.Pass()]
    return tree


def code_size(tree: ast.AST) -> int:
    """Lines of code as `ast.unparse` writes them (one line per statement, no wrapping, no
    docstrings, no comments): a size the formatter's line breaks and the API's documentation
    do not change."""
    return len(ast.unparse(_without_docstrings(tree)).splitlines())


def long_functions(module: Module, limit: int) -> list[tuple[str, int]]:
    """(name, size) of every function whose code (`code_size`) is over `limit` lines."""
    sizes = [
        (node.name, code_size(node))
        for node in ast.walk(module.tree())
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    return [(name, size) for name, size in sizes if size > limit]


def code_lines(module: Module) -> int:
    """The module's code (`code_size`)."""
    return code_size(module.tree())
