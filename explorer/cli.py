"""Command line (`python -m explorer`, or `augment-explorer` once installed), writing the same
files as a run from the page, in DIR:

    python -m explorer compare --dataset digits --config cfg.json --seeds 3 --epochs 10 --out DIR
    python -m explorer ablate  --dataset digits --config cfg.json --seeds 3 --epochs 10 --out DIR
    python -m explorer worker RUN_DIR    (what the page's job queue starts for each run)

This module sits above every layer: it wires the worker (experiments) to the step that draws
the figures and writes the report (diagnostics).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .augment.config import AugmentConfig
from .data.demos import DEMO_NAMES
from .errors import InputError
from .experiments.records import ABLATION, COMPARE, DatasetRef, Progress, RunResult, TrainSettings
from .experiments.runs import write_json
from .experiments.stats import effect_text


def _dataset(args) -> DatasetRef:
    if args.dataset in DEMO_NAMES:
        return DatasetRef("demo", args.dataset)
    path = Path(args.dataset)
    if not path.exists():
        raise InputError(f"--dataset {args.dataset}: not a demo ({', '.join(DEMO_NAMES)}) and no such folder or zip")
    return DatasetRef("path", path.name, str(path.resolve()))


def _config(args) -> AugmentConfig:
    try:
        raw = json.loads(Path(args.config).read_text()) if args.config else {}
    except (OSError, ValueError) as error:
        raise InputError(f"--config {args.config}: cannot read it as JSON ({error})") from None
    return AugmentConfig.from_dict(raw)


def _settings(args) -> TrainSettings:
    return TrainSettings(seeds=tuple(range(args.seeds)), epochs=args.epochs, batch_size=args.batch_size,
                         learning_rate=args.learning_rate, image_size=args.image_size)


class _Bar:
    """A one-line progress bar on stderr: arm, seed, epoch, ETA."""

    def __call__(self, state: Progress) -> None:
        width = 30
        filled = int(state.done_fraction * width)
        eta = f"ETA {state.eta:4.0f}s" if state.eta is not None else ""
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {state.done_fraction:4.0%} "
                         f"{state.arm:>10} seed {state.seed} epoch {state.epoch} {eta}   ")
        sys.stderr.flush()


def _run(args, mode: str) -> tuple[Path, RunResult]:
    from .diagnostics.runfiles import write_run_files
    from .experiments.plan import build_spec
    from .experiments.worker import execute

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise InputError(f"--out {out} exists and is not empty; choose a new folder")
    spec = build_spec(_config(args), _dataset(args), _settings(args), mode,
                      leave_one_out=getattr(args, "leave_one_out", False))
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "spec.json", spec.to_json())
    result = execute(out, on_progress=_Bar(), on_finished=write_run_files)
    sys.stderr.write("\n")
    return out, result


def _number(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def ablate(args) -> int:
    out, result = _run(args, ABLATION)
    analysis = result.ablation
    print(f"{'setting':<22} {'alone vs baseline, points':<36} {'affinity':>8} {'diversity':>9}")
    for effect in analysis.one_at_a_time:
        print(f"{effect.transform:<22} {effect_text(effect):<36} {_number(analysis.affinity.get(effect.transform)):>8} "
              f"{_number(analysis.diversity.get(effect.transform)):>9}")
    if analysis.leave_one_out:
        print(f"\n{'setting':<22} full minus full-without-it, points")
        for effect in analysis.leave_one_out:
            print(f"{effect.transform:<22} {effect_text(effect)}")
    print()
    print(analysis.sentence)
    for line in analysis.recommendation:
        print(f"- {line}")
    print(f"files: {out}/ablation.json, report.html, result.json, figure.png, ablation.png, tensorboard/")
    return 0 if result.status == "finished" else 1


def compare(args) -> int:
    out, result = _run(args, COMPARE)
    summary = result.summary
    for arm, curves in summary.per_epoch.items():
        final = curves["val_accuracy"].mean
        print(f"{arm:>10}: final validation accuracy {final[-1]:.1%}" if final else f"{arm:>10}: no finished epoch")
    print(summary.verdict)
    for warning in summary.warnings:
        print(f"warning: {warning}")
    print(f"files: {out}/result.json, figure.png, tensorboard/")
    return 0 if result.status == "finished" else 1


def worker(args) -> int:
    """One run folder from the page's queue; its log lines go to stderr (worker.log)."""
    from .diagnostics.runfiles import write_run_files
    from .experiments.worker import execute

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        execute(Path(args.run_dir), on_finished=write_run_files)
    except Exception:  # already logged, and written to status.json with the reason
        return 1
    return 0


def _add_run_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--dataset", default="digits", help=f"a demo ({', '.join(DEMO_NAMES)}), a folder or a .zip")
    command.add_argument("--config", help="JSON file of ImageDataGenerator keyword arguments")
    command.add_argument("--seeds", type=int, default=3)
    command.add_argument("--epochs", type=int, default=10)
    command.add_argument("--image-size", type=int, default=32)
    command.add_argument("--batch-size", type=int, default=64)
    command.add_argument("--learning-rate", type=float, default=3e-3)
    command.add_argument("--out", required=True, help="a new folder for the run's files")


def _parser() -> argparse.ArgumentParser:
    # Named as it was called: the console script, or python -m explorer.
    prog = "augment-explorer" if Path(sys.argv[0]).name == "augment-explorer" else "python -m explorer"
    parser = argparse.ArgumentParser(prog=prog, description="Augmentation Explorer from the command line")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_run_arguments(commands.add_parser(
        "compare", help="train with and without augmentation over seeds; print the verdict"))
    ablate_command = commands.add_parser(
        "ablate", help="which setting hurts: each setting alone, and the full config minus each")
    _add_run_arguments(ablate_command)
    ablate_command.add_argument("--no-leave-one-out", dest="leave_one_out", action="store_false",
                                help="only the one-at-a-time arms (about half the time)")
    worker_command = commands.add_parser("worker", help="run one queued run folder (the page's job queue starts this)")
    worker_command.add_argument("run_dir", help="a run folder holding spec.json")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "worker":
        return worker(args)
    try:
        return ablate(args) if args.command == "ablate" else compare(args)
    except (InputError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
