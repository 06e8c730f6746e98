"""Command line: `python -m explorer compare --dataset digits --config cfg.json --seeds 3
--epochs 10 --out DIR` writes the same files as a run from the page, in DIR."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import AugmentConfig
from .demos import DEMO_NAMES
from .errors import InputError
from .runs import read_json, write_json


def _spec(args) -> dict:
    if args.dataset in DEMO_NAMES:
        dataset = {"kind": "demo", "name": args.dataset}
    else:
        path = Path(args.dataset)
        if not path.exists():
            raise InputError(f"--dataset {args.dataset}: not a demo ({', '.join(DEMO_NAMES)}) and no such folder or zip")
        dataset = {"kind": "path", "path": str(path.resolve()), "name": path.name}
    try:
        raw = json.loads(Path(args.config).read_text()) if args.config else {}
    except (OSError, ValueError) as error:
        raise InputError(f"--config {args.config}: cannot read it as JSON ({error})") from None
    config = AugmentConfig.from_dict(raw)
    return {
        "dataset": dataset,
        "image_size": args.image_size,
        "arms": {"baseline": config.without_transforms().to_dict(), "augmented": config.to_dict()},
        "settings": {"seeds": list(range(args.seeds)), "epochs": args.epochs, "batch_size": args.batch_size,
                     "learning_rate": args.learning_rate},
    }


class _Bar:
    """A one-line progress bar on stderr: arm, seed, epoch, ETA."""

    def __call__(self, state) -> None:
        width = 30
        filled = int(state.done_fraction * width)
        eta = f"ETA {state.eta:4.0f}s" if state.eta is not None else ""
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {state.done_fraction:4.0%} "
                         f"{state.arm:>10} seed {state.seed} epoch {state.epoch} {eta}   ")
        sys.stderr.flush()


def compare(args) -> int:
    from .worker import execute

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise InputError(f"--out {out} exists and is not empty; choose a new folder")
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "spec.json", _spec(args))
    result = execute(out, on_progress=_Bar())
    sys.stderr.write("\n")
    summary = result["summary"]
    for arm, values in summary["per_epoch"].items():
        final = values["val_accuracy"]["mean"]
        print(f"{arm:>10}: final validation accuracy {final[-1]:.1%}" if final else f"{arm:>10}: no finished epoch")
    print(summary["verdict"])
    for warning in summary["warnings"]:
        print(f"warning: {warning}")
    print(f"files: {out}/result.json, figure.png, tensorboard/")
    return 0 if read_json(out / "result.json", {}).get("status") == "finished" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer", description="Augmentation Explorer from the command line")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("compare", help="train with and without augmentation over seeds; print the verdict")
    run.add_argument("--dataset", default="digits", help=f"a demo ({', '.join(DEMO_NAMES)}), a folder or a .zip")
    run.add_argument("--config", help="JSON file of ImageDataGenerator keyword arguments")
    run.add_argument("--seeds", type=int, default=3)
    run.add_argument("--epochs", type=int, default=10)
    run.add_argument("--image-size", type=int, default=32)
    run.add_argument("--batch-size", type=int, default=64)
    run.add_argument("--learning-rate", type=float, default=3e-3)
    run.add_argument("--out", required=True, help="folder for result.json, figure.png and TensorBoard logs")
    args = parser.parse_args(argv)
    try:
        return compare(args)
    except (InputError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
