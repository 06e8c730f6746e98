"""Comparisons and ablations from a notebook or a script, as the CLI runs them:

    import explorer
    result = explorer.compare("digits", {"rotation_range": 40, "horizontal_flip": True}, seeds=3, epochs=8)
    result.verdict      # one sentence, the same as the page's and the CLI's
    result.figure()     # the curves, a matplotlib figure
    result              # in Jupyter: the verdict, the numbers and the figure

`data` is a demo name ('digits', 'shapes'), a class-per-folder folder or zip, or arrays
`(x, y)`; `config` an `AugmentConfig`, a dict of ImageDataGenerator keyword arguments or a
`FastImageDataGenerator`; `model` 'small-cnn', 'applications:NAME' or a .keras path. Training
runs here, in this process, with a progress bar; `out=` keeps the run folder the CLI writes
(spec.json, result.json, figure.png, report.html, ...).

This module sits above every layer, like the CLI.
"""

from __future__ import annotations

import base64
import contextlib
import html
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .augment.config import AugmentConfig
from .data.datasets import Dataset, dataset_from_arrays, load_dataset
from .data.demos import DEMO_NAMES, load_demo
from .errors import InputError
from .experiments.analysis.stats import percent
from .experiments.records.results import AblationAnalysis, Progress, RunResult, Summary
from .experiments.records.spec import (
    ABLATION,
    APPLICATION,
    COMPARE,
    FROM_SCRATCH,
    MIGRATION,
    DatasetRef,
    ModelRef,
    RunSpec,
    TrainSettings,
)
from .experiments.records.stack_arm import IN_MODEL, StackArm
from .experiments.runs.folders import write_json
from .stack_input import is_stack, read_stack

if TYPE_CHECKING:
    from .diagnostics.migration_draws import SideBySide

DEFAULTS = TrainSettings()


@dataclass
class RunOutcome:
    """A finished comparison or ablation: the spec it ran, its result, the images it trained
    on and, with `out=`, its run folder.

    Attributes:
        spec (RunSpec): What ran: the config, the dataset's reference, the model and the
            training settings.
        result (RunResult): Everything the run produced: per-epoch metrics per arm and seed,
            the summary and, for an ablation, the analysis.
        dataset (Dataset): The images and labels it trained and validated on.
        run_dir (Path | None): The run folder kept with `out=`, else None.
    """

    spec: RunSpec
    result: RunResult
    dataset: Dataset
    run_dir: Path | None = None

    @property
    def summary(self) -> Summary:
        """The paired effect of augmentation on validation accuracy, its 95% interval and
        warnings (None when no seed finished)."""
        return self.result.summary

    @property
    def verdict(self) -> str:
        """One sentence, the same as the page's and the CLI's ("" without a summary)."""
        return self.result.summary.verdict if self.result.summary else ""

    def figure(self):
        """The validation curves of every arm, mean and spread over seeds (matplotlib)."""
        from .diagnostics.plots import comparison_figure

        return comparison_figure(self.result)

    def to_html(self) -> str:
        """The run's one-page report (report.html), as a string."""
        from .diagnostics.runfiles import report_html

        return report_html(self.spec, self.result, self.dataset)

    def _facts(self) -> list[str]:
        summary, result = self.result.summary, self.result
        pace = result.mean_epoch_seconds()
        facts = [
            f"{result.model.label} at {result.settings.image_size} px on {result.device}"
            + (f", {pace:.1f} s per epoch" if pace is not None else "")
        ]
        if summary is not None and summary.baseline_accuracy is not None:
            without, with_ = (
                ("with ImageDataGenerator", "with the Keras 3 stack")
                if result.is_migration
                else (
                    "without augmentation",
                    "with",
                )
            )
            facts.append(
                f"validation accuracy {without} {percent(summary.baseline_accuracy)}, "
                f"{with_} {percent(summary.augmented_accuracy)} over {summary.n_seeds} seed(s)"
            )
        return facts + list(result.model_notes) + (list(summary.warnings) if summary else [])

    def _repr_html_(self) -> str:
        """Jupyter's view: the verdict, the facts and the figure."""
        from .diagnostics.plots import figure_png

        png = base64.b64encode(figure_png(self.figure())).decode("ascii")
        items = "".join(f"<li>{html.escape(fact)}</li>" for fact in self._facts())
        where = f"<p>Files: <code>{html.escape(str(self.run_dir))}</code></p>" if self.run_dir else ""
        return (
            f"<div><p><b>{html.escape(self.verdict)}</b></p><ul>{items}</ul>{where}"
            f'<img src="data:image/png;base64,{png}" style="max-width: 100%"></div>'
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.result.status}: {self.verdict}>"


@dataclass(repr=False)
class ComparisonResult(RunOutcome):
    """`compare`'s result: baseline against the user's config, paired over seeds.

    `figure()` draws the validation curves (matplotlib), `to_html()` returns the one-page
    report; Jupyter shows the verdict, the facts and the figure.

    Attributes:
        verdict (str): One sentence, the same as the page's and the CLI's.
        summary (Summary): The numbers: the mean paired effect on validation accuracy
            (fractions), its 95% interval, the per-seed effects and the warnings.
        spec (RunSpec): What ran: the config, the dataset, the model, the training settings.
        result (RunResult): Everything the run produced, per arm, seed and epoch.
        dataset (Dataset): The images and labels it trained and validated on.
        run_dir (Path | None): The run folder kept with `out=`, else None.
    """

    def side_by_side(self, draws: int = 200) -> SideBySide:
        """A migration check's draws side by side (`idg=` given): what the IDG config and the
        stack draw on the same images (the first 9 of the data, at 64 px), and where their
        mean images differ. `explorer.diagnostics.migration_plots.side_by_side_figure` draws it.

        Returns:
            The quantities, the difference map and the sentences that say them.

        Raises:
            InputError: The run is not a migration check.
        """
        from .diagnostics.migration_draws import side_by_side
        from .diagnostics.migration_pixels import common_images

        if self.spec.stack is None or not self.result.is_migration:
            raise InputError("side by side needs a migration check: compare(data, stack, idg=your_idg_config)")
        return side_by_side(self.spec.config, self.spec.stack.stack, common_images(self.dataset.images), draws)


@dataclass(repr=False)
class AblationResult(RunOutcome):
    """`ablate`'s result: which setting hurts, each alone (and the full config minus each).

    `figure()` draws each setting's effect with its interval (matplotlib), `to_html()`
    returns the one-page report; Jupyter shows the verdict, the facts and the figure.

    Attributes:
        verdict (str): Which setting hurts, in one sentence.
        analysis (AblationAnalysis): Each setting's effect with its 95% interval (most
            harmful first), affinity and diversity, and the recommendation.
        summary (Summary): The full config against the baseline (only `leave_one_out` trains
            the full config; without it no seed is paired: read `analysis`).
        spec (RunSpec): What ran.
        result (RunResult): Everything the run produced, per arm, seed and epoch.
        dataset (Dataset): The images and labels it trained and validated on.
        run_dir (Path | None): The run folder kept with `out=`, else None.
    """

    @property
    def analysis(self) -> AblationAnalysis:
        """Each setting's effect, most harmful first, with affinity, diversity and the
        recommendation (None when the run ended before one)."""
        return self.result.ablation

    @property
    def verdict(self) -> str:
        """Which setting hurts, in one sentence (the comparison's verdict without an analysis)."""
        return self.analysis.sentence if self.analysis else super().verdict

    def figure(self):
        """Each setting's effect with its interval (matplotlib)."""
        from .diagnostics.plots import ablation_figure

        return ablation_figure(self.analysis) if self.analysis else super().figure()

    def _facts(self) -> list[str]:
        return super()._facts() + (list(self.analysis.recommendation) if self.analysis else [])


def compare(
    data,
    config,
    *,
    idg=None,
    placement: str = IN_MODEL,
    model: str | ModelRef = "small-cnn",
    weights: str | None = None,
    start: str = FROM_SCRATCH,
    seeds: int | Sequence[int] = len(DEFAULTS.seeds),
    epochs: int = DEFAULTS.epochs,
    image_size: int | None = None,
    batch_size: int = DEFAULTS.batch_size,
    learning_rate: float = DEFAULTS.learning_rate,
    class_names: Sequence[str] | None = None,
    out: str | os.PathLike | None = None,
    progress: bool | Callable[[Progress], None] = True,
    backend=None,
    ray_address: str | None = None,
    workers: int | None = None,
) -> ComparisonResult:
    """Train the model with and without `config`'s augmentation and return the verdict.

    As `python -m explorer compare` does: per seed, the baseline (the same preprocessing,
    every random transform off) and the augmented arm start from the same initial weights and
    see the same batches; validation images are never augmented. Training runs here, in this
    process (or on the backend chosen), with a progress bar.

    Args:
        data (str | os.PathLike | tuple): A demo name ("digits", "shapes"), a class-per-folder
            folder or zip, or arrays `(x, y)` (images in 0..255, see `dataset_from_arrays`).
        config (AugmentConfig | dict | FastImageDataGenerator | str | keras.Sequential): The
            augmentation: a config, a dict of ImageDataGenerator keyword arguments or a
            generator; or a Keras 3 stack: its source (`"keras.Sequential([...])"`), a .py
            file holding it, or the `keras.Sequential` itself (read from its layers' configs).
        idg (AugmentConfig | dict | FastImageDataGenerator | None): With a stack as `config`:
            the migration check, your IDG config's arm against the stack's, paired by seed
            ("the migration changed validation accuracy by X points (95% CI ...)"), beside
            the baseline.
        placement: With a stack: "model" (the layers at the head of the model, idle when
            it predicts) or "map" (a tf.data map over the training batches).
        model: "small-cnn", "applications:NAME" (a keras.applications architecture) or a path
            to a .keras file, or a `ModelRef`.
        weights: With "applications:NAME": a local weights file, or "imagenet" when Keras's
            cache holds it (nothing is downloaded).
        start: With a .keras file: "scratch" (re-initialized for every seed) or "weights"
            (the file's weights are every arm's start).
        seeds: How many paired seeds (0, 1, ...), or the seeds themselves.
        epochs: Epochs per arm and seed (1 to 500).
        image_size: The side images are resized to; None: arrays keep theirs, an
            architecture takes 224, otherwise 32.
        batch_size: Images per batch (1 to 4096).
        learning_rate: Adam's learning rate, in (0, 1].
        class_names: The names of integer labels, for arrays.
        out: A new or empty folder that keeps the run folder the CLI writes (spec.json,
            result.json, figure.png, report.html, ...); None: a temporary folder, removed.
        progress: True: a progress bar; False: none; a callable: called with each `Progress`.
        backend (str | object | None): "local" (default), "ray" (with `ray_address`, or a Ray instance on this
            machine; a notebook's own `ray.init` is used as it is) or a backend object
            (`explorer.experiments.training.backends`); None reads AUGMENT_BACKEND.
        ray_address: The Ray cluster to use with backend "ray".
        workers: How many trials train at once.

    Returns:
        The verdict, the summary, the figure and the report of the run.

    Raises:
        InputError: Data that cannot be read, a config that cannot be compared (no random
            transform on, a setting that is not IDG's), or an `out` folder that is not empty.
        ValueError: A model, start or training setting out of range (the message names it).

    Examples:
        Not run here: it trains 6 small models (under a minute on 2 cores).

        >>> import explorer
        >>> result = explorer.compare("digits", {"rotation_range": 40, "horizontal_flip": True},
        ...                           seeds=3, epochs=8)  # doctest: +SKIP
        >>> result.verdict  # doctest: +SKIP
        'No detectable difference: augmentation changed validation accuracy by ...'
        >>> result.figure()  # doctest: +SKIP

        A config with nothing to compare is refused before anything trains:

        >>> explorer.compare("digits", {"rescale": 1 / 255}, progress=False)
        Traceback (most recent call last):
        ...
        explorer.errors.InputError: no augmentation setting is active, so every arm would train the same model: ...
    """
    return _run(ComparisonResult, COMPARE, data, config, locals())


def ablate(
    data,
    config,
    *,
    leave_one_out: bool = False,
    placement: str = IN_MODEL,
    model: str | ModelRef = "small-cnn",
    weights: str | None = None,
    start: str = FROM_SCRATCH,
    seeds: int | Sequence[int] = len(DEFAULTS.seeds),
    epochs: int = DEFAULTS.epochs,
    image_size: int | None = None,
    batch_size: int = DEFAULTS.batch_size,
    learning_rate: float = DEFAULTS.learning_rate,
    class_names: Sequence[str] | None = None,
    out: str | os.PathLike | None = None,
    progress: bool | Callable[[Progress], None] = True,
    backend=None,
    ray_address: str | None = None,
    workers: int | None = None,
) -> AblationResult:
    """Which setting hurts: each active setting alone against the baseline.

    As `python -m explorer ablate` does: the baseline and each active setting alone, paired
    by seed (with `leave_one_out`, also the full config and the full config minus each
    setting); a setting's effect is its arm's accuracy minus the baseline's, with a 95%
    interval.

    Args:
        data (str | os.PathLike | tuple): As `compare`'s.
        config (AugmentConfig | dict | FastImageDataGenerator | str | keras.Sequential): As
            `compare`'s; needs at least one active random transform. A stack is ablated layer
            by layer (the layers that draw nothing, such as Rescaling, stay in every arm).
        placement: As `compare`'s.
        leave_one_out: Also train the full config and the full config minus each setting.
        model: As `compare`'s.
        weights: As `compare`'s.
        start: As `compare`'s.
        seeds: As `compare`'s.
        epochs: As `compare`'s.
        image_size: As `compare`'s.
        batch_size: As `compare`'s.
        learning_rate: As `compare`'s.
        class_names: As `compare`'s.
        out: As `compare`'s.
        progress: As `compare`'s.
        backend (str | object | None): As `compare`'s.
        ray_address: As `compare`'s.
        workers: As `compare`'s.

    Returns:
        Each setting's effect (`analysis`), the verdict and the figure.

    Raises:
        InputError: As `compare`.
        ValueError: As `compare`.

    Examples:
        Not run here: it trains a model per setting and seed.

        >>> import explorer
        >>> result = explorer.ablate("digits", {"rotation_range": 40, "vertical_flip": True},
        ...                          seeds=3, epochs=8)  # doctest: +SKIP
        >>> result.verdict  # doctest: +SKIP
        >>> result.analysis.recommendation  # doctest: +SKIP
    """
    return _run(AblationResult, ABLATION, data, config, locals())


def _run(kind, mode: str, data, config, options: dict) -> RunOutcome:
    model = (
        options["model"]
        if isinstance(options["model"], ModelRef)
        else ModelRef.parse(options["model"], weights=options["weights"], start=options["start"])
    )
    seeds = options["seeds"]
    seeds = tuple(range(seeds)) if isinstance(seeds, int) else tuple(int(seed) for seed in seeds)
    # Arrays keep their own size unless one is asked for (an architecture asks for ImageNet's).
    size = options["image_size"] or (model.default_image_size if model.kind == APPLICATION else None)
    dataset, ref = _dataset(data, size, options["class_names"])
    settings = TrainSettings(
        seeds=seeds,
        epochs=options["epochs"],
        batch_size=options["batch_size"],
        learning_rate=options["learning_rate"],
        image_size=dataset.images.shape[1] if dataset is not None else size or DEFAULTS.image_size,
    )
    from .experiments.runs.plan import build_spec

    config, stack, mode = _augmentation(config, options, mode)
    spec = build_spec(config, ref, settings, mode, options.get("leave_one_out", False), model, stack=stack)
    if dataset is None or dataset.images.shape[1] != spec.settings.image_size:
        dataset = _load(data, ref, spec.settings.image_size, options["class_names"])
    bar = options["progress"]
    if bar is True:
        from .progress_bar import ProgressBar

        bar = ProgressBar()
    out = options["out"]
    backend = options["backend"]
    if backend is None or isinstance(backend, str):
        from .experiments.training.backends import backend_from_settings

        backend = backend_from_settings(backend, options["ray_address"], options["workers"])
    with _run_folder(out) as run_dir:
        result = _train(run_dir, spec, dataset, bar or None, write_files=out is not None, backend=backend)
    return kind(spec, result, dataset, Path(out) if out is not None else None)


def _train(run_dir: Path, spec: RunSpec, dataset: Dataset, bar, write_files: bool, backend=None) -> RunResult:
    from .diagnostics.runfiles import write_run_files
    from .experiments.runs.worker import execute

    write_json(run_dir / "spec.json", spec.to_json())
    result = execute(
        run_dir, on_progress=bar, on_finished=write_run_files if write_files else None, dataset=dataset, backend=backend
    )
    if bar is not None and hasattr(bar, "close"):
        bar.close()
    return result


@contextlib.contextmanager
def _run_folder(out):
    """`out` (new or empty), kept; without it a temporary folder, removed after."""
    if out is None:
        with tempfile.TemporaryDirectory(prefix="augment-run-") as folder:
            yield Path(folder)
        return
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"out={str(out)!r} exists and is not an empty folder; choose a new folder")
    out.mkdir(parents=True, exist_ok=True)
    yield out


def _dataset(data, size: int | None, class_names) -> tuple[Dataset | None, DatasetRef]:
    """Arrays as a Dataset (their own size unless `size`), or None for a demo, folder or zip,
    loaded once the spec has settled the size (`_load`); and the reference the spec keeps."""
    if isinstance(data, tuple) and len(data) == 2:
        return dataset_from_arrays(data[0], data[1], class_names, image_size=size), DatasetRef("arrays", "arrays")
    if isinstance(data, str) and data in DEMO_NAMES:
        return None, DatasetRef("demo", data)
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if not path.exists():
            raise InputError(f"data={str(data)!r}: not a demo ({', '.join(DEMO_NAMES)}) and no such folder or zip")
        return None, DatasetRef("path", path.name, str(path.resolve()))
    raise InputError(
        f"data must be a demo name ({', '.join(DEMO_NAMES)}), a folder or zip, or arrays (x, y); "
        f"got {type(data).__name__}"
    )


def _load(data, ref: DatasetRef, size: int, class_names) -> Dataset:
    """The images at the spec's size."""
    if ref.kind == "arrays":
        return dataset_from_arrays(data[0], data[1], class_names, image_size=size)
    if ref.kind == "demo":
        return load_demo(ref.name, image_size=size)
    return load_dataset(ref.path, image_size=size, name=ref.name)


def _augmentation(config, options: dict, mode: str) -> tuple[AugmentConfig, StackArm | None, str]:
    """The IDG config, the Keras 3 stack (None for IDG settings) and the mode: a stack with
    `idg=` is a migration check."""
    idg = options.get("idg")
    if not is_stack(config):
        if idg is not None:
            raise InputError("idg= goes with a Keras 3 stack as the config: compare(data, stack, idg=your_idg_config)")
        return _config(config), None, mode
    stack = read_stack(config, options.get("placement", IN_MODEL))
    if idg is None:
        return AugmentConfig(), stack, mode
    return _config(idg), stack, MIGRATION


def _config(config) -> AugmentConfig:
    """An AugmentConfig from itself, IDG keyword arguments or a FastImageDataGenerator."""
    if isinstance(config, AugmentConfig):
        return config
    if isinstance(config, dict):
        try:
            return AugmentConfig.from_dict(config)
        except (TypeError, ValueError) as error:
            raise InputError(f"config: {error}") from None
    inner = getattr(config, "config", None)
    if isinstance(inner, AugmentConfig):  # a FastImageDataGenerator
        return inner
    raise InputError(
        "config must be an AugmentConfig, a dict of ImageDataGenerator keyword arguments or a "
        f"FastImageDataGenerator; got {type(config).__name__}"
    )
