"""What the code imports and how big it is, read from the source with `ast` (nothing is
imported): the helpers of the architecture tests."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "explorer"
LAYERS = ("augment", "data", "interchange", "dropin", "experiments", "diagnostics", "ui")


@dataclass(frozen=True)
class Module:
    name: str  # dotted: explorer.augment.engine
    path: Path

    @property
    def layer(self) -> str:
        """The subpackage it belongs to, "errors" for explorer.errors, "top" for the rest of
        the top level (__init__, __main__, cli)."""
        parts = self.name.split(".")
        if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS):
            return parts[1]
        return "errors" if self.name == "explorer.errors" else "top"

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


def long_functions(module: Module, limit: int) -> list[tuple[str, int]]:
    """(name, lines) of every function longer than `limit` lines, def line to last line."""
    return [(node.name, node.end_lineno - node.lineno + 1) for node in ast.walk(module.tree())
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > limit]
