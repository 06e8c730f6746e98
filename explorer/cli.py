"""Command line, writing the same files as a run from the page, in DIR:

    python -m explorer compare --dataset digits --config cfg.json --seeds 3 --epochs 10 --out DIR
    python -m explorer ablate  --dataset digits --config cfg.json --seeds 3 --epochs 10 --out DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .augment.config import AugmentConfig
from .data.demos import DEMO_NAMES
from .errors import InputError
from .experiments.runs import read_json, write_json


def _dataset(args) -> dict:
    if args.dataset in DEMO_NAMES:
        return {"kind": "demo", "name": args.dataset}
    path = Path(args.dataset)
    if not path.exists():
        raise InputError(f"--dataset {args.dataset}: not a demo ({', '.join(DEMO_NAMES)}) and no such folder or zip")
    return {"kind": "path", "path": str(path.resolve()), "name": path.name}


def _config(args) -> AugmentConfig:
    try:
        raw = json.loads(Path(args.config).read_text()) if args.config else {}
    except (OSError, ValueError) as error:
        raise InputError(f"--config {args.config}: cannot read it as JSON ({error})") from None
    return AugmentConfig.from_dict(raw)


def _spec(args, ablation: bool = False) -> dict:
    from .experiments.ablation import ablation_arms, probe_configs

    config = _config(args)
    spec = {
        "dataset": _dataset(args),
        "image_size": args.image_size,
        "config": config.to_dict(),
        "settings": {"seeds": list(range(args.seeds)), "epochs": args.epochs, "batch_size": args.batch_size,
                     "learning_rate": args.learning_rate},
    }
    if ablation:
        if not config.active_transforms():
            raise InputError("the config has no active augmentation setting to ablate")
        arms = ablation_arms(config, leave_one_out=args.leave_one_out)
        spec.update(mode="ablation", arms={name: arm.to_dict() for name, arm in arms.items()},
                    probes={name: probe.to_dict() for name, probe in probe_configs(config).items()})
    else:
        spec["arms"] = {"baseline": config.without_transforms().to_dict(), "augmented": config.to_dict()}
    return spec


class _Bar:
    """A one-line progress bar on stderr: arm, seed, epoch, ETA."""

    def __call__(self, state) -> None:
        width = 30
        filled = int(state.done_fraction * width)
        eta = f"ETA {state.eta:4.0f}s" if state.eta is not None else ""
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {state.done_fraction:4.0%} "
                         f"{state.arm:>10} seed {state.seed} epoch {state.epoch} {eta}   ")
        sys.stderr.flush()


def _run(args, ablation: bool) -> tuple[Path, dict]:
    from .experiments.worker import execute

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise InputError(f"--out {out} exists and is not empty; choose a new folder")
    spec = _spec(args, ablation)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "spec.json", spec)
    result = execute(out, on_progress=_Bar())
    sys.stderr.write("\n")
    return out, result


def ablate(args) -> int:
    out, result = _run(args, ablation=True)
    analysis = result["ablation"]
    print(f"{'setting':<22} {'alone vs baseline (points, 95% CI)':<36} {'affinity':>8} {'diversity':>9}")
    for row in analysis["one_at_a_time"]:
        print(f"{row['transform']:<22} {_effect(row):<36} {_number(analysis['affinity'].get(row['transform'])):>8} "
              f"{_number(analysis['diversity'].get(row['transform'])):>9}")
    if analysis["leave_one_out"]:
        print(f"\n{'setting':<22} full minus full-without-it (points, 95% CI)")
        for row in analysis["leave_one_out"]:
            print(f"{row['transform']:<22} {_effect(row)}")
    print()
    print(analysis["sentence"])
    for line in analysis["recommendation"]:
        print(f"- {line}")
    print(f"files: {out}/ablation.json, report.html, result.json, figure.png, ablation.png, tensorboard/")
    return 0 if result.get("status") == "finished" else 1


def _effect(row: dict) -> str:
    if row["delta_mean"] is None:
        return "no finished pair"
    low, high = row["ci95"]
    interval = f" ({low * 100:+.1f} to {high * 100:+.1f})" if low is not None else " (one seed: no interval)"
    return f"{row['delta_mean'] * 100:+.1f}{interval}"


def _number(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def compare(args) -> int:
    out, result = _run(args, ablation=False)
    summary = result["summary"]
    for arm, values in summary["per_epoch"].items():
        final = values["val_accuracy"]["mean"]
        print(f"{arm:>10}: final validation accuracy {final[-1]:.1%}" if final else f"{arm:>10}: no finished epoch")
    print(summary["verdict"])
    for warning in summary["warnings"]:
        print(f"warning: {warning}")
    print(f"files: {out}/result.json, figure.png, tensorboard/")
    return 0 if read_json(out / "result.json", {}).get("status") == "finished" else 1


def _add_run_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--dataset", default="digits", help=f"a demo ({', '.join(DEMO_NAMES)}), a folder or a .zip")
    command.add_argument("--config", help="JSON file of ImageDataGenerator keyword arguments")
    command.add_argument("--seeds", type=int, default=3)
    command.add_argument("--epochs", type=int, default=10)
    command.add_argument("--image-size", type=int, default=32)
    command.add_argument("--batch-size", type=int, default=64)
    command.add_argument("--learning-rate", type=float, default=3e-3)
    command.add_argument("--out", required=True, help="a new folder for the run's files")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer", description="Augmentation Explorer from the command line")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_run_arguments(commands.add_parser("compare", help="train with and without augmentation over seeds; print the verdict"))
    ablate_command = commands.add_parser("ablate", help="which setting hurts: each setting alone, and the full config minus each")
    _add_run_arguments(ablate_command)
    ablate_command.add_argument("--no-leave-one-out", dest="leave_one_out", action="store_false",
                                help="only the one-at-a-time arms (about half the time)")
    args = parser.parse_args(argv)
    try:
        return ablate(args) if args.command == "ablate" else compare(args)
    except (InputError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
