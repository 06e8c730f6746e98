"""Command line (`python -m explorer`, or `augment-explorer` once installed), writing the same
files as a run from the page, in DIR:

    python -m explorer compare --dataset digits --config cfg.json --seeds 3 --epochs 10 --out DIR
    python -m explorer ablate  --dataset digits --config cfg.json --seeds 3 --epochs 10 --out DIR
        [--model small-cnn|applications:NAME|PATH.keras] [--weights FILE|imagenet] [--start scratch|weights]
        [--backend local|ray] [--workers N] [--ray-address auto|ray://HOST:10001] [--cpus-per-trial N]
    python -m explorer suggest --dataset digits --config cfg.json --budget 24 --seeds 2 --epochs 8 --out DIR
    python -m explorer worker RUN_DIR    (what the page's job queue starts for each run)
    python -m explorer doctor train.py|notebook.ipynb [--json]   (read, never run, for augmentation mistakes)

This module sits above every layer: it wires the worker (experiments) to the step that draws
the figures and writes the report (diagnostics).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from .augment.config import AugmentConfig
from .data.demos import DEMO_NAMES
from .errors import InputError
from .experiments.analysis.stats import agreement_text, effect_text, percent
from .experiments.records.results import RunResult, Summary
from .experiments.records.spec import (
    ABLATION,
    APPLICATION_IMAGE_SIZE,
    COMPARE,
    FROM_SCRATCH,
    FROM_WEIGHTS,
    MIGRATION,
    DatasetRef,
    ModelRef,
    TrainSettings,
)
from .experiments.records.stack_arm import IN_MAP, IN_MODEL, StackArm
from .experiments.records.status import RunState
from .experiments.runs.folders import write_json
from .progress_bar import ProgressBar


def _dataset(args) -> DatasetRef:
    if args.dataset in DEMO_NAMES:
        return DatasetRef("demo", args.dataset)
    path = Path(args.dataset)
    if not path.exists():
        raise InputError(f"--dataset {args.dataset}: not a demo ({', '.join(DEMO_NAMES)}) and no such folder or zip")
    return DatasetRef("path", path.name, str(path.resolve()))


def _config(path: str | None, option: str = "--config") -> AugmentConfig:
    """IDG settings from a JSON file, or from the `ImageDataGenerator(...)` call in a .py file."""
    if path and path.endswith(".py"):
        from .interchange.paste import read_config_text

        try:
            return read_config_text(Path(path).read_text(encoding="utf-8")).config
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{option} {path}: cannot read it ({error})") from None
    try:
        raw = json.loads(Path(path).read_text()) if path else {}
    except (OSError, ValueError) as error:
        raise InputError(f"{option} {path}: cannot read it as JSON ({error})") from None
    return AugmentConfig.from_dict(raw)


def _text_or_nothing(path: str) -> str:
    """A file's text, or "" when it cannot be read (missing, a folder: its error is said elsewhere)."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _augmentation(args, mode: str) -> tuple[AugmentConfig, StackArm | None, str]:
    """--config's IDG settings or Keras 3 stack (a .py file holding either), and the mode:
    a stack with --idg is a migration check."""
    idg = getattr(args, "idg", None)
    stack = None
    if args.config and args.config.endswith(".py"):
        from .stack_input import read_stack

        try:
            stack = read_stack(args.config, getattr(args, "placement", IN_MODEL))
        except InputError as error:
            if "ImageDataGenerator" not in _text_or_nothing(args.config):  # else: read as IDG settings below
                raise InputError(f"--config {error}") from None
    if stack is None:
        if idg:
            raise InputError("--idg goes with a Keras 3 stack as --config (a .py file holding it): the migration check")
        return _config(args.config), None, mode
    if not idg:
        return AugmentConfig(), stack, mode
    return _config(idg, "--idg"), stack, MIGRATION


def _model(args) -> ModelRef:
    model = ModelRef.parse(args.model, weights=args.weights, start=args.start)
    if model.weights and model.weights != "imagenet" and not Path(model.weights).is_file():
        raise InputError(f"--weights {model.weights}: no such file (or 'imagenet' for Keras's cached weights)")
    if model.path and not Path(model.path).is_file():
        raise InputError(f"--model {model.path}: no such file")
    return model


def _settings(args, model: ModelRef) -> TrainSettings:
    size = args.image_size or model.default_image_size
    return TrainSettings(
        seeds=tuple(range(args.seeds)),
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        image_size=size,
    )


def _run(args, mode: str) -> tuple[Path, RunResult]:
    from .diagnostics.runfiles import write_run_files
    from .experiments.runs.plan import build_spec
    from .experiments.runs.worker import execute
    from .experiments.training.backends import backend_from_settings

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise InputError(f"--out {out} exists and is not empty; choose a new folder")
    model = _model(args)
    config, stack, mode = _augmentation(args, mode)
    spec = build_spec(
        config,
        _dataset(args),
        _settings(args, model),
        mode,
        leave_one_out=getattr(args, "leave_one_out", False),
        model=model,
        stack=stack,
    )
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "spec.json", spec.to_json())
    backend = backend_from_settings(
        args.backend, args.ray_address, args.workers, args.cpus_per_trial, args.gpus_per_trial
    )
    bar = ProgressBar()
    result = execute(out, on_progress=bar, on_finished=write_run_files, backend=backend)
    bar.close()
    _print_hardware(result)
    return out, result


def _print_hardware(result: RunResult) -> None:
    """Which model trained on what, how long an epoch took, and what was done to fit it."""
    pace = result.mean_epoch_seconds()
    took = f", {pace:.1f} s per epoch on average" if pace is not None else ""
    print(f"model: {result.model.label} at {result.settings.image_size} px, trained on {result.device}{took}")
    if result.backend:
        print(f"trials: {result.backend}")
    for note in result.model_notes:
        print(f"note: {note}")


def _print_effects(heading: str, effects: list, analysis) -> None:
    """One table layout for both views of an ablation (`ablation.effect_rows`, as the page
    and the report show it): the change with the interval its decision uses, the decision."""
    from .experiments.analysis.ablation import effect_rows

    print(f"{'setting':<22} {heading:<44} {'decision':<9} {'seeds':<22} {'affinity':>8} {'diversity':>9}")
    for row in effect_rows(effects, analysis):
        print(
            f"{row.setting:<22} {row.change:<44} {row.decision:<9} {row.seeds:<22} {row.affinity:>8} {row.diversity:>9}"
        )


def print_ablation(analysis) -> None:
    """An ablation's two tables, its finding and what to do, as `ablate` prints them (also
    for a saved result: `print_ablation(ablation.analyze(RunResult.from_json(...)))`)."""
    _print_effects("alone vs baseline, points", analysis.one_at_a_time, analysis)
    if analysis.leave_one_out:
        print()
        _print_effects("full minus full-without-it, points", analysis.leave_one_out, analysis)
    print("intervals: the ones the decisions use (95%, widened for all the settings tested at once)")
    print()
    print(analysis.sentence)
    for line in analysis.recommendation:
        print(f"- {line}")


def ablate(args) -> int:
    out, result = _run(args, ABLATION)
    print_ablation(result.ablation)
    _print_classes(result.summary)
    print(f"files: {out}/ablation.json, report.html, result.json, figure.png, ablation.png, tensorboard/")
    return 0 if result.status == RunState.FINISHED else 1


def doctor_veto(config: AugmentConfig) -> list:
    """The config doctor's warnings about `config` (`space.Veto`): what suggest's search
    never offers. Images fed as loaded (0..255), as the runs train; the rules that need the
    user's own images or measured pixels have none to look at."""
    from .diagnostics.doctor import WARNING, diagnose

    return [finding for finding in diagnose(config, input_range="0-255") if finding.severity == WARNING]


def suggest(args) -> int:
    """Search settings around the user's config, check the pick on fresh seeds and print what
    to use: the run folder the page's suggest run writes (spec.json, search.json, result.json,
    suggestion.json, figure.png, report.html, ...), through the same worker."""
    from .diagnostics.runfiles import write_run_files
    from .experiments.records.spec import SUGGEST, SearchSettings
    from .experiments.runs.folders import read_record
    from .experiments.runs.plan import build_spec
    from .experiments.runs.worker import execute
    from .experiments.suggest.space import Suggestion
    from .experiments.training.backends import backend_from_settings

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise InputError(f"--out {out} exists and is not empty; choose a new folder")
    if not 1 <= args.budget <= 500:
        raise InputError(f"--budget must be 1 to 500 configurations; got {args.budget}")
    backend = backend_from_settings(
        args.backend, args.ray_address, args.workers, args.cpus_per_trial, args.gpus_per_trial
    )
    model = _model(args)
    config, stack, _ = _augmentation(args, SUGGEST)  # a .py holding a Keras 3 stack: suggest a stack
    spec = build_spec(
        config,
        _dataset(args),
        _settings(args, model),
        SUGGEST,
        model=model,
        search=SearchSettings(args.budget, args.check_seeds),
        stack=stack,
    )
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "spec.json", spec.to_json())
    bar = ProgressBar()
    with _StopOnInterrupt(out / "STOP_SEARCH"):
        result = execute(
            out, on_progress=bar, on_finished=write_run_files, backend=backend, veto=doctor_veto, on_search=_search_line
        )
    sys.stderr.write("\n")
    suggestion = read_record(out / "suggestion.json", Suggestion.from_json)
    _print_suggestion(suggestion, result)
    if suggestion.stopped:
        print(f"stopped after {len(suggestion.trials)} of {args.budget} configurations: the best so far, checked")
    print(f"files: {out}/{', '.join(sorted(path.name for path in out.iterdir()))}")
    return 0


class _StopOnInterrupt:
    """Ctrl-C once: `marker` (the run's STOP_SEARCH, as the page's Stop writes it) ends the
    search with the best so far, which is still checked on fresh seeds; Ctrl-C again: quit
    at once."""

    def __init__(self, marker: Path):
        self.marker, self.asked, self.previous = marker, False, None

    def _interrupt(self, signum, frame) -> None:
        if self.asked:
            raise KeyboardInterrupt
        self.asked = True
        self.marker.touch()
        sys.stderr.write("\nstopping the search: the best so far is checked on fresh seeds (Ctrl-C again to quit)\n")

    def __enter__(self):
        import signal

        self.previous = signal.signal(signal.SIGINT, self._interrupt)
        return self

    def __exit__(self, *exc) -> None:
        import signal

        signal.signal(signal.SIGINT, self.previous)


def _search_line(state) -> None:
    best = f"best so far {state.best_score:.1%}" if state.best_score is not None else "no score yet"
    sys.stderr.write(f"\r{state.phase}: {state.done}/{state.budget} configurations tried, {best}{'':<20}")
    sys.stderr.flush()


def _print_suggestion(suggestion, result: RunResult | None = None) -> None:
    """The verdict first (against the user's settings, then against no augmentation, then
    what to do: `Suggestion.verdict`, as the page and the report say it), then the details
    (the check's model and hardware, when it ran)."""
    from .experiments.suggest.space import change_words, worth_text
    from .interchange.export import exact_layer_code, fast_code, idg_code, keras_layers_code

    verdict = suggestion.verdict
    for line in verdict.lines:
        print(line)
    if verdict.advice:
        print(f"what to do: {verdict.advice}")
    if result is not None:
        _print_hardware(result)
    for item in suggestion.excluded:
        print(f"held off: {item.setting}: {item.reason}")
    changes = suggestion.changes
    print(
        "changes from yours (worth: mean score with the new value minus with yours, over the configurations tried):"
        if changes
        else "no change from yours"
    )
    for change in changes:
        said = (
            change_words(change, True)
            if suggestion.stack
            else f"{change.setting}: {change.yours!r} -> {change.suggested!r}"
        )
        print(f"  {said}, {worth_text(change)}")
    print(f"checked on fresh seeds {suggestion.seeds_used_for_check}; the suggestion:")
    if suggestion.stack is not None:  # a stack search answers in Keras 3 layers
        print(f"{suggestion.stack.code}  # {suggestion.stack.where}")
        return
    print(idg_code(suggestion.config))
    print(fast_code(suggestion.config))
    print(exact_layer_code(suggestion.config)[0])
    print(keras_layers_code(suggestion.config)[0])


CLASS_ROWS = 12  # the most harmed classes printed; result.json and the report have them all


def _print_classes(summary: Summary, columns: tuple[str, str] = ("without", "with")) -> None:
    """Per class: accuracy in the two arms compared (`columns`: their headings) and the change."""
    if not summary.classes:
        return
    before, after = columns
    print(f"\n{'class':<16} {before:>8} {after:>8}  {'change, points (decision interval)':<46} seeds")
    for row in summary.classes[:CLASS_ROWS]:
        flag = {"hurts": "harmed", "helps": "helped"}.get(row.effect.decision(), "")
        print(
            f"{row.name[:16]:<16} {percent(row.baseline_accuracy):>8} {percent(row.augmented_accuracy):>8}  "
            f"{effect_text(row.effect):<46} {agreement_text(row.effect.per_seed):<22} {flag}".rstrip()
        )
    if len(summary.classes) > CLASS_ROWS:
        print(f"... and {len(summary.classes) - CLASS_ROWS} more classes (result.json, report.html)")
    if summary.images is not None:
        broken = sum(1 for b in summary.images.broken if b)
        fixed = sum(1 for f in summary.images.fixed if f)
        print(f"validation images over {summary.images.seeds} seed(s): {fixed} fixed, {broken} broken at least once")


def compare(args) -> int:
    from .experiments.analysis.verdict import wording

    out, result = _run(args, COMPARE)
    summary = result.summary
    for arm in summary.per_epoch:
        curve = summary.per_epoch[arm]["val_accuracy"].mean
        print(
            f"{arm:>10}: validation accuracy {curve[-1]:.1%} at the last epoch"
            if curve
            else f"{arm:>10}: no finished epoch"
        )
    print(summary.verdict)
    print(f"verdict_code: {summary.verdict_code}")
    for warning in summary.warnings:
        print(f"warning: {warning}")
    words = wording(result)
    _print_classes(summary, (words.before, words.after))
    if result.is_migration:
        _side_by_side(out)
    print(f"files: {out}/result.json, report.html, figure.png, tensorboard/")
    return 0 if result.status == RunState.FINISHED else 1


def _side_by_side(out: Path) -> None:
    """A migration check's draws side by side on the first 9 images of its data, in words and
    in side_by_side.png."""
    from .diagnostics.migration_draws import side_by_side
    from .diagnostics.migration_pixels import common_images
    from .diagnostics.migration_plots import side_by_side_figure
    from .experiments.records.spec import RunSpec
    from .experiments.runs.worker import load_spec_dataset
    from .interchange.export import exact_layer_code

    spec = RunSpec.from_json(json.loads((out / "spec.json").read_text()))
    side = side_by_side(spec.config, spec.stack.stack, common_images(load_spec_dataset(spec).images))
    print(f"side by side ({side.draws} draws on each of {side.images} images of the data at 64 px):")
    for line in side.words:
        print(f"  {line}")
    side_by_side_figure(side).savefig(out / "side_by_side.png", dpi=110, bbox_inches="tight")
    print(f"  figure: {out}/side_by_side.png")
    code, _ = exact_layer_code(spec.config)
    print("the old behaviour exactly, as one Keras 3 layer (IDGAugmentation):")
    print("\n".join(f"  {line}" for line in code.splitlines()))


def _wait_for_run_dir() -> Path | None:
    """A warm worker: everything slow is imported; then the run folder arrives on stdin (None
    when stdin closes first: the server went away). Its output then goes to the run's
    worker.log, as a worker started for the run writes it."""
    import explorer.experiments.training.paired  # noqa: F401  (TensorFlow: the seconds worth saving)

    line = sys.stdin.readline().strip()
    if not line:
        return None
    log_file = os.open(Path(line) / "worker.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log_file, sys.stderr.fileno())  # TensorFlow's own C++ log lines too
    os.close(log_file)
    return Path(line)


def worker(args) -> int:
    """One run folder from the page's queue; its log lines go to stderr (worker.log)."""
    from .diagnostics.runfiles import write_run_files
    from .experiments.runs.storage import DISK_FULL_EXIT, disk_full
    from .experiments.runs.worker import execute

    if not args.wait and not args.run_dir:
        print("error: worker needs a RUN_DIR, or --wait to read one from stdin", file=sys.stderr)
        return 2
    run_dir = _wait_for_run_dir() if args.wait else Path(args.run_dir)
    if run_dir is None:
        return 0
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        execute(run_dir, on_finished=write_run_files, veto=doctor_veto)
    except Exception as error:  # already logged, and written to status.json with the reason
        return DISK_FULL_EXIT if disk_full(error) else 1  # where it could not be: the queue writes it
    return 0


def _read_script(path: Path) -> bytes:
    """The file's bytes; InputError for a missing, unreadable or too large file."""
    from .diagnostics.script_source import MAX_BYTES

    try:
        size = path.stat().st_size
        if path.is_dir():
            raise InputError(f"{path} is a folder, not a script or notebook")
        if size > MAX_BYTES:
            raise InputError(f"{path.name} is too large ({size:,} bytes; at most {MAX_BYTES:,})")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read it ({error.strerror or error})") from None


def doctor(args) -> int:
    """Findings about a training script or notebook, one per line (or JSON); 0 with or without
    findings, 2 for input that cannot be read."""
    from .diagnostics.script import doctor_script

    path = Path(args.file)
    try:
        report = doctor_script(_read_script(path), path.name)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stack = report.stack.findings if report.stack is not None else ()
    if args.json:
        found = [finding.to_json() for finding in report.findings]
        found += [report.stack.to_json(finding) for finding in stack]
        print(json.dumps(found, indent=2))
        return 0
    for finding in report.findings:  # as compilers print them: file:line: severity: code: message
        where = args.file if finding.cell is None else f"{args.file}[cell {finding.cell}]"
        print(f"{where}:{finding.line}: {finding.severity}: {finding.code}: {finding.message}")
        print(f"    fix: {finding.fix}")
    for finding in stack:
        cell, line = report.stack.locate(finding.line)
        where = args.file if cell is None else f"{args.file}[cell {cell}]"
        layer = f"{finding.layer}: " if finding.layer else ""
        print(f"{where}:{line or 1}: {finding.severity}: {finding.code}: {layer}{finding.message}")
        print(f"    fix: {finding.fix}")
    calls, warnings = len(report.calls), sum(finding.severity == "warning" for finding in (*report.findings, *stack))
    notes = len(report.findings) + len(stack) - warnings
    layers = f", a Keras 3 stack of {len(report.stack.parsed.layers)} layers" if report.stack is not None else ""
    print(
        f"{calls} ImageDataGenerator call{'' if calls == 1 else 's'}{layers} found, "
        f"{warnings} warning{'' if warnings == 1 else 's'}, {notes} note{'' if notes == 1 else 's'}"
    )
    return 0


def _add_run_arguments(command: argparse.ArgumentParser) -> None:
    defaults = TrainSettings()  # the page's defaults too
    command.add_argument("--dataset", default="digits", help=f"a demo ({', '.join(DEMO_NAMES)}), a folder or a .zip")
    command.add_argument(
        "--config",
        help="JSON file of ImageDataGenerator keyword arguments, or a .py file holding an "
        "ImageDataGenerator(...) call or a Keras 3 augmentation stack (read, never run)",
    )
    command.add_argument(
        "--placement",
        choices=(IN_MODEL, IN_MAP),
        default=IN_MODEL,
        help="with a Keras 3 stack: its layers at the head of the model (default) or in a tf.data map",
    )
    command.add_argument("--seeds", type=int, default=len(defaults.seeds), help="paired seeds (default %(default)s)")
    command.add_argument("--epochs", type=int, default=defaults.epochs, help="epochs per arm (default %(default)s)")
    command.add_argument(
        "--model",
        default="small-cnn",
        help="small-cnn (default), applications:NAME (e.g. applications:MobileNetV3Small) or a .keras file",
    )
    command.add_argument(
        "--weights",
        help="with applications:NAME: a local weights file for the architecture "
        "without its top, or 'imagenet' from Keras's cache (never downloaded)",
    )
    command.add_argument(
        "--start",
        choices=(FROM_SCRATCH, FROM_WEIGHTS),
        default=FROM_SCRATCH,
        help="with a .keras file: re-initialize it for every seed (scratch) or train every arm "
        "from its weights (fine-tuning)",
    )
    command.add_argument(
        "--image-size",
        type=int,
        default=None,
        help=f"pixels (default {defaults.image_size}; {APPLICATION_IMAGE_SIZE} for applications; "
        "a .keras file's own input size)",
    )
    command.add_argument("--batch-size", type=int, default=defaults.batch_size)
    command.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    command.add_argument("--out", required=True, help="a new folder for the run's files")
    where = command.add_argument_group("where the trials train (one trial = one arm on one seed)")
    where.add_argument(
        "--backend",
        choices=("local", "ray"),
        default=None,
        help="local (default; AUGMENT_BACKEND) or ray: each trial a Ray task",
    )
    where.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local: trials trained side by side, in processes of their own (default 1)",
    )
    where.add_argument(
        "--ray-address",
        default=None,
        help="ray: the cluster (auto, ray://HOST:10001; AUGMENT_RAY_ADDRESS); without one a Ray "
        "instance is started on this machine's cores for the run",
    )
    where.add_argument(
        "--cpus-per-trial", type=float, default=None, help="ray: CPUs each trial asks for and trains with (default 1)"
    )
    where.add_argument("--gpus-per-trial", type=float, default=None, help="ray: GPUs each trial asks for (default 0)")


def _parser() -> argparse.ArgumentParser:
    # Named as it was called: the console script, or python -m explorer.
    prog = "augment-explorer" if Path(sys.argv[0]).name == "augment-explorer" else "python -m explorer"
    parser = argparse.ArgumentParser(prog=prog, description="Augmentation Explorer from the command line")
    commands = parser.add_subparsers(dest="command", required=True)
    compare_command = commands.add_parser(
        "compare", help="train with and without augmentation over seeds; print the verdict"
    )
    _add_run_arguments(compare_command)
    compare_command.add_argument(
        "--idg",
        help="the migration check: with a Keras 3 stack as --config, your ImageDataGenerator settings "
        "(JSON, or a .py file with the call) trained against the stack, paired by seed",
    )
    ablate_command = commands.add_parser(
        "ablate", help="which setting hurts: each setting alone, and the full config minus each"
    )
    _add_run_arguments(ablate_command)
    suggest_command = commands.add_parser(
        "suggest", help="search settings around yours and prove the pick on fresh seeds"
    )
    _add_run_arguments(suggest_command)
    suggest_command.add_argument("--budget", type=int, default=24, help="configurations to try (default 24)")
    suggest_command.add_argument(
        "--check-seeds", type=int, default=3, help="fresh seeds the pick is checked on (default 3)"
    )
    ablate_command.add_argument(
        "--no-leave-one-out",
        dest="leave_one_out",
        action="store_false",
        help="only the one-at-a-time arms (about half the time)",
    )
    worker_command = commands.add_parser("worker", help="run one queued run folder (the page's job queue starts this)")
    worker_command.add_argument("run_dir", nargs="?", help="a run folder holding spec.json")
    worker_command.add_argument(
        "--wait",
        action="store_true",
        help="import everything first, then read the run folder from stdin (a warm worker)",
    )
    doctor_command = commands.add_parser(
        "doctor", help="read a training script or notebook (never run it) for mistakes that make augmentation hurt"
    )
    doctor_command.add_argument("file", help="a .py script or a .ipynb notebook")
    doctor_command.add_argument("--json", action="store_true", help="print the findings as a JSON list")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "worker":
        return worker(args)
    if args.command == "doctor":
        return doctor(args)
    try:
        if args.command == "suggest":
            return suggest(args)
        return ablate(args) if args.command == "ablate" else compare(args)
    except (InputError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return 130
