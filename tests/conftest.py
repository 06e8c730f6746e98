"""Shared test set-up: the real ImageDataGenerator as the oracle, imported once per session."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Job managers start cold in tests (many come and go); test_jobs tests the warm worker itself.
os.environ.setdefault("AUGMENT_WARM_WORKER", "0")
# The fixtures' runs carry the dates they were made: retention by age (a server's default,
# 30 days) would remove them as the calendar moves on. tests/test_storage.py sets its own limits.
os.environ.setdefault("AUGMENT_KEEP_DAYS", "0")
# The preview's time budget cuts tiles by measured time: tests that compare the page with a
# model of it must not depend on the machine's speed. The budget's own tests set it low.
os.environ.setdefault("AUGMENT_PREVIEW_BUDGET_MS", "600000")


@pytest.fixture(scope="session", autouse=True)
def streamlit_components_scanned_once():
    """Each new AppTest has Streamlit scan every installed package's metadata for components (about
    0.3 s of a page run's 0.4 s here; a server scans once at start). The packages do not change
    during a session: scan once. Nothing to do in a session that has not imported Streamlit."""
    manifest_scanner = None
    if "streamlit" in sys.modules:
        try:  # a module of Streamlit's own, not its API: where it is not, there is nothing to cache
            from streamlit.components.v2 import manifest_scanner
        except ImportError:
            pass
    if manifest_scanner is None:
        yield
        return
    scan = manifest_scanner.scan_component_manifests
    manifest_scanner.scan_component_manifests = functools.cache(scan)
    yield
    manifest_scanner.scan_component_manifests = scan


@pytest.fixture(scope="module")
def local_ray():
    """A real Ray instance on this machine, 2 CPUs, no dashboard, for one test module (Ray
    2.60 has no setting that keeps its servers on loopback; README)."""
    ray = pytest.importorskip("ray")
    from explorer.experiments.training.backends import PACKAGE_DIR

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"py_modules": [str(PACKAGE_DIR)]})
    yield ray
    ray.shutdown()


@pytest.fixture
def submitted(tmp_path, monkeypatch):
    """The page's runs go to AUGMENT_RUNS_DIR (tmp_path/runs) with their spec.json, but nothing
    trains: the specs the page submitted, in order. (tests/test_run_ownership.py has its own,
    which also marks each run queued by a live worker.)"""
    from explorer.experiments.runs.folders import new_run
    from explorer.experiments.runs.queue import JobManager

    specs = []

    def submit(self, spec, owner=None):
        specs.append(spec)
        return new_run(spec, self.root, owner).name

    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setattr(JobManager, "submit", submit)
    return specs


@pytest.fixture(scope="session")
def idg_class():
    """`tf.keras.preprocessing.image.ImageDataGenerator`, the class the engine must match."""
    import tensorflow as tf  # a missing oracle must fail the suite, not skip it

    return tf.keras.preprocessing.image.ImageDataGenerator


@pytest.fixture(scope="session")
def make_idg(idg_class):
    def make(config):
        return idg_class(**config.to_idg_kwargs())

    return make


@pytest.fixture(scope="session")
def photo():
    """The shipped sample photo as float32 0..255, H x W x 3 (non-square: 200 x 300)."""
    from PIL import Image

    return np.asarray(Image.open(ROOT / "sample_images" / "coffee.jpg").convert("RGB"), dtype=np.float32)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item (the browser tests screenshot failures)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
