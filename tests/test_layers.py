"""The architecture holds: each layer imports only the layers below it, heavy packages stay in
their layers, the augmentation core loads alone, and no function or module outgrows its size.

The layers, bottom to top (docs/architecture.md, "Where things live"):
    augment -> data, interchange -> dropin -> experiments -> diagnostics -> ui -> top level
`errors` is the base every layer may use. A module in a subpackage of a layer
(explorer/experiments/runs/queue.py) is in that layer. Inside `experiments`, the groups are
layered too: records -> analysis -> training -> suggest -> runs. Imports are read from the
source (all of them, at the top of a module or inside a function), and checked again in fresh
interpreters.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from code_map import (
    EXPERIMENT_GROUPS,
    LAYERS,
    PACKAGE,
    ROOT,
    code_lines,
    group_of,
    imported_modules,
    layer_of,
    long_functions,
    module_level_imports,
    modules,
)

# Which other layers each layer may import (explorer.errors is open to all).
MAY_USE = {
    "augment": set(),
    "data": {"augment"},
    "interchange": {"augment"},
    "dropin": {"augment", "data"},
    "experiments": {"augment", "data", "dropin"},
    "diagnostics": {"augment", "data", "interchange", "dropin", "experiments"},
    "ui": {"augment", "data", "interchange", "dropin", "experiments", "diagnostics"},
    "errors": set(),
    "top": set(LAYERS),
}
# Third-party packages that only some layers may import.
ONLY_IN = {
    "streamlit": {"ui"},
    "keras": {"dropin", "experiments"},
    "tensorflow": {"dropin", "experiments"},
    "matplotlib": {"diagnostics"},
    "jinja2": {"diagnostics"},
    "PIL": {"data"},
    "ray": {"experiments"},  # the ray backend, inside its functions
    "optuna": {"experiments"},  # suggest's search
}
# The augmentation core: NumPy and OpenCV, nothing else outside the standard library.
AUGMENT_THIRD_PARTY = {"numpy", "cv2"}
AUGMENT_LAZY = {"scipy"}  # imported inside a function, for what only SciPy reproduces
HEAVY = ("PIL", "keras", "tensorflow", "streamlit", "matplotlib", "scipy", "jinja2")
# Lines of code as ast.unparse writes them (code_map.code_size: a statement a line, no docstrings):
# the formatter's one-argument-a-line wrapping does not count. The largest function has 52 such
# lines and the largest module 390; 55 and 400 keep about what 60 and 500 physical lines allowed
# before ruff format.
FUNCTION_LINES, MODULE_LINES = 55, 400


def _imports_by_layer() -> dict[str, dict[str, set[str]]]:
    table: dict[str, dict[str, set[str]]] = {}
    for module in modules():
        table.setdefault(module.layer, {})[module.name] = imported_modules(module)
    return table


IMPORTS = _imports_by_layer()


def test_every_module_belongs_to_a_layer():
    assert set(IMPORTS) == set(LAYERS) | {"errors", "top"}
    assert set(IMPORTS["top"]) == {
        "explorer",
        "explorer.__main__",
        "explorer.cli",
        "explorer.notebook",
        "explorer.progress_bar",
        "explorer.stack_input",
    }


def test_modules_in_nested_packages_are_in_their_layer():
    """Every file under explorer/ is read, however deep, and a subpackage's modules are in
    the layer above them: the rules below apply to explorer/experiments/runs/queue.py too."""
    files = {path for path in PACKAGE.rglob("*.py")}
    assert {module.path for module in modules()} == files
    nested = [module for module in modules() if len(module.path.relative_to(PACKAGE).parts) > 2]
    assert {module.name.rsplit(".", 1)[0] for module in nested} >= {
        f"explorer.experiments.{group}" for group in EXPERIMENT_GROUPS
    }
    assert all(module.layer == module.name.split(".")[1] for module in nested)


def test_experiments_is_made_of_its_groups():
    """No module sits loose in experiments/: each is in one of the groups, each group a package
    whose docstring says what it holds."""
    loose = [
        module.name
        for module in modules()
        if module.layer == "experiments" and module.name != "explorer.experiments" and module.group is None
    ]
    assert loose == []
    groups = {module.group for module in modules() if module.layer == "experiments"} - {None}
    assert groups == set(EXPERIMENT_GROUPS)
    for group in EXPERIMENT_GROUPS:
        init = PACKAGE / "experiments" / group / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{group} has no docstring"


@pytest.mark.parametrize("group", EXPERIMENT_GROUPS)
def test_experiment_groups_import_only_the_groups_before_them(group):
    """records -> analysis -> training -> suggest -> runs: the records load alone, the analysis
    reads records (no Keras), training summarizes what it trains with the analysis, suggest
    searches by training, and runs (the folders, the queue, the worker) drive all of them."""
    allowed = set(EXPERIMENT_GROUPS[: EXPERIMENT_GROUPS.index(group) + 1])
    broken = sorted(
        f"{module} imports {name}"
        for module, names in IMPORTS["experiments"].items()
        if group_of(module) == group
        for name in names
        if layer_of(name) == "experiments" and name != "explorer.experiments" and group_of(name) not in allowed
    )
    assert broken == []


@pytest.mark.parametrize("layer", [*LAYERS, "errors", "top"])
def test_layer_imports_only_the_layers_below_it(layer):
    allowed = MAY_USE[layer] | {layer, "errors"}
    broken = sorted(
        f"{module} imports {name}"
        for module, names in IMPORTS[layer].items()
        for name in names
        if layer_of(name) not in (None, *allowed)
    )
    assert broken == []


@pytest.mark.parametrize("package", sorted(ONLY_IN))
def test_heavy_packages_stay_in_their_layers(package):
    broken = sorted(
        f"{module} imports {name}"
        for layer, table in IMPORTS.items()
        if layer not in ONLY_IN[package]
        for module, names in table.items()
        for name in names
        if name == package or name.startswith(package + ".")
    )
    assert broken == []


def test_augment_uses_only_numpy_opencv_and_the_standard_library():
    """SciPy only inside a function: the spline orders 2-5 and SciPy-only fill modes call it the
    way IDG does (`warp.warp_scipy`); importing the core never loads it (checked below)."""
    outside = {
        name.split(".")[0]
        for names in IMPORTS["augment"].values()
        for name in names
        if layer_of(name) is None and name.split(".")[0] not in sys.stdlib_module_names
    }
    assert outside <= AUGMENT_THIRD_PARTY | AUGMENT_LAZY
    at_import = {
        name
        for module in modules()
        if module.layer == "augment"
        for name in module_level_imports(module)
        if name not in sys.stdlib_module_names and name not in ("explorer", "__future__")
    }
    assert at_import <= AUGMENT_THIRD_PARTY


def _loaded_after(code: str) -> set[str]:
    """Top-level names in sys.modules after running `code` in a fresh interpreter."""
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_the_augmentation_core_loads_alone():
    core = [module.name for module in modules() if module.layer == "augment"]
    loaded = _loaded_after("\n".join(f"import {name}" for name in core))
    assert not {name for name in loaded if name.split(".")[0] in HEAVY}
    others = {name for name in loaded if layer_of(name) not in (None, "augment", "errors", "top")}
    assert others == set()  # no loader, no other layer: explorer/__init__ imports nothing eagerly


@pytest.mark.parametrize(
    "layer, absent",
    [
        ("data", ("keras", "tensorflow", "streamlit", "matplotlib")),
        ("interchange", ("keras", "tensorflow", "streamlit", "matplotlib", "PIL")),
        ("diagnostics", ("keras", "tensorflow", "streamlit")),
        ("ui", ("keras", "tensorflow")),
    ],
)
def test_a_layer_loads_without_what_it_must_not_use(layer, absent):
    names = [module.name for module in modules() if module.layer == layer]
    loaded = _loaded_after("\n".join(f"import {name}" for name in names))
    assert not {name for name in loaded if name.split(".")[0] in absent}


@pytest.mark.slow  # two fresh interpreters importing the run modules (5 to 10 s)
def test_the_run_records_and_the_job_queue_load_without_keras():
    """The page reads runs and queues them; only the worker process trains. The trial records
    are unpacked by Ray's event queue, which must not load TensorFlow to read them; Ray itself
    is imported only by the ray backend, when a run uses it."""
    groups = (
        "explorer.experiments.records",
        "explorer.experiments.analysis",
        "explorer.experiments.runs.folders",
        "explorer.experiments.runs.queue",
        "explorer.experiments.runs.plan",
        "explorer.experiments.suggest.space",
        "explorer.experiments.training.backends",
        "explorer.experiments.training.model_file",
    )
    names = [module.name for module in modules() if any(module.name.startswith(group) for group in groups)]
    loaded = _loaded_after("\n".join(f"import {name}" for name in names))
    assert not {"keras", "tensorflow", "ray"} & loaded
    assert "ray" not in _loaded_after("import explorer.experiments.training.paired")


def test_no_function_over_55_lines_of_code_and_no_module_over_400():
    """Lines of code (`code_map.code_size`): not docstrings, not the formatter's line breaks."""
    too_long = [
        f"{module.name}.{name}: {lines} lines"
        for module in modules()
        for name, lines in long_functions(module, FUNCTION_LINES)
    ]
    too_big = [f"{module.name}: {lines} lines" for module in modules() if (lines := code_lines(module)) > MODULE_LINES]
    assert too_long + too_big == []


def test_session_keys_live_in_one_module():
    """The page's state is one record (explorer/ui/record.py) kept in the session by one module:
    no other module reads or writes `st.session_state` (issue 27)."""
    users = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "explorer").rglob("*.py")
        if "session_state" in path.read_text(encoding="utf-8")
    )
    assert users == ["explorer/ui/session.py"]
