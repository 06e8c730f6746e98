"""The public API's docstrings: Google-style sections, and Examples that run.

The modules the API reference documents are collected with `doctest.DocTestFinder` (not
pytest's --doctest-modules, which would import every module of the package). Examples that
train (compare, ablate) or need data the reader has are marked `# doctest: +SKIP`; every
other one runs here, from the repository root (the examples read sample_images/).
"""

from __future__ import annotations

import doctest
import importlib
import inspect
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

# The modules of the public API, as the API reference shows them.
API_MODULES = (
    "explorer.augment.config",
    "explorer.data.images",
    "explorer.data.datasets",
    "explorer.dropin.generator",
    "explorer.dropin.iterators",
    "explorer.dropin.layer",
    "explorer.notebook",
    "explorer.diagnostics.stack_doctor",
)
OPTIONS = doctest.ELLIPSIS  # error messages are shown cut with "..."


def run_examples(tests: list[doctest.DocTest]) -> tuple[doctest.TestResults, str]:
    """Run the examples; the results and doctest's report of the failures."""
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    state = np.random.get_state()  # examples seed NumPy's global generator, as IDG does
    try:
        for test in tests:
            runner.run(test, out=report.append)
    finally:
        np.random.set_state(state)
    return runner.summarize(verbose=False), "".join(report)


@pytest.fixture
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("module_name", API_MODULES)
def test_the_examples_in_the_docstrings_run(module_name, at_root):
    module = importlib.import_module(module_name)
    tests = doctest.DocTestFinder().find(module)
    results, report = run_examples(tests)
    assert results.failed == 0, report
    assert results.attempted > 0, f"{module_name} has no example that runs"


def test_a_broken_example_fails_the_check(at_root):
    """The check is not a formality: load_image's example with a wrong shape fails it."""
    module = importlib.import_module("explorer.data.images")
    docstring = module.load_image.__doc__
    assert "(200, 300, 3)" in docstring
    broken = doctest.DocTestParser().get_doctest(
        docstring.replace("(200, 300, 3)", "(300, 200, 3)"), vars(module), "load_image", module.__file__, 0
    )
    results, report = run_examples([broken])
    assert results.failed == 1 and "(300, 200, 3)" in report
    fixed = doctest.DocTestParser().get_doctest(docstring, vars(module), "load_image", module.__file__, 0)
    assert run_examples([fixed])[0].failed == 0


def _public_api():
    """(name, object) for every documented entry point of the API reference."""
    from explorer import (
        AblationResult,
        AugmentConfig,
        ComparisonResult,
        FastImageDataGenerator,
        IDGAugmentation,
        ablate,
        compare,
        dataset_from_arrays,
        load_dataset,
        load_image,
    )
    from explorer.dropin.iterators import DataFrameIterator, DirectoryIterator, NumpyArrayIterator

    api = {
        "FastImageDataGenerator": FastImageDataGenerator,
        "NumpyArrayIterator": NumpyArrayIterator,
        "DirectoryIterator": DirectoryIterator,
        "DataFrameIterator": DataFrameIterator,
        "IDGAugmentation": IDGAugmentation,
        "AugmentConfig": AugmentConfig,
        "compare": compare,
        "ablate": ablate,
        "ComparisonResult": ComparisonResult,
        "AblationResult": AblationResult,
        "load_image": load_image,
        "load_dataset": load_dataset,
        "dataset_from_arrays": dataset_from_arrays,
    }
    for method in (
        "flow",
        "flow_from_directory",
        "flow_from_dataframe",
        "fit",
        "standardize",
        "get_random_transform",
        "apply_transform",
        "random_transform",
    ):
        api[f"FastImageDataGenerator.{method}"] = getattr(FastImageDataGenerator, method)
    for method in ("get_config", "transform_images"):
        api[f"IDGAugmentation.{method}"] = getattr(IDGAugmentation, method)
    for method in ("from_dict", "to_idg_kwargs", "active_transforms", "replace"):
        api[f"AugmentConfig.{method}"] = getattr(AugmentConfig, method)
    return api


def _sections(docstring: str) -> set[str]:
    """The Google-style section headers of a docstring ("Args:", "Returns:", ...)."""
    return {
        line.strip()
        for line in inspect.cleandoc(docstring).splitlines()
        if line.strip() in ("Args:", "Returns:", "Raises:", "Examples:", "Attributes:")
    }


def test_the_public_api_has_google_style_sections():
    missing = []
    for name, obj in _public_api().items():
        docstring = inspect.getdoc(obj) or ""
        sections = _sections(docstring)
        needed = {"Examples:"} if name not in ("ComparisonResult", "AblationResult") else set()
        if inspect.isfunction(obj):
            parameters = [p for p in inspect.signature(obj).parameters if p not in ("self", "cls")]
            needed |= {"Args:"} if parameters else set()
            if inspect.signature(obj).return_annotation not in ("None", None) and name.rsplit(".", 1)[-1] != "fit":
                needed.add("Returns:")
        elif inspect.isclass(obj) and name not in ("ComparisonResult", "AblationResult"):
            needed |= {"Args:"}  # the constructor's arguments, in the class docstring
        if ">>>" not in docstring and "Examples:" in needed:
            missing.append(f"{name}: no >>> example")
        missing += [f"{name}: no {section}" for section in sorted(needed - sections)]
    assert not missing, "\n".join(missing)
