"""A 7-setting ablation on the local backend and on a local Ray instance with 2 CPUs.

    python tests/benchmarks/bench_backends.py [--seeds 3] [--epochs 8] [--cpus 2]

The ablation (each setting alone against the baseline: 8 arms x seeds = the trials) of the
small CNN on digits at 32 px, with the default settings, trained:
1. local: one trial after another in this process (TensorFlow on every core);
2. ray: a Ray instance started for the run with --cpus CPUs, one CPU per trial, so that
   --cpus trials train side by side, each with one CPU thread (what Ray would do on a
   cluster node);
3. ray with --cpus CPUs per trial (one trial at a time, as many threads as the local run):
   the local run's numbers exactly, to show that the trial is what sets them.
Prints the wall time of each, the ratio against the local run measured in this same process
(TensorFlow imported before any timing; Ray's start counts), each arm's mean final
validation accuracy and the verdicts.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SEVEN = dict(
    rotation_range=20,
    width_shift_range=0.1,
    height_shift_range=0.1,
    shear_range=10,
    zoom_range=0.15,
    brightness_range=(0.7, 1.3),
    horizontal_flip=True,
    rescale=1 / 255,
)


def _ablate(dataset, config, settings, backend):
    from explorer.experiments.analysis.ablation import ablation_arms, analyze, probe_configs
    from explorer.experiments.training import paired

    start = time.perf_counter()
    result = paired.run_comparison(
        dataset, ablation_arms(config, leave_one_out=False), settings, probes=probe_configs(config), backend=backend
    )
    result.ablation = analyze(result)
    return time.perf_counter() - start, result


def _finals(result) -> dict[str, float]:
    return {arm: sum(history.finals()) / len(history.finals()) for arm, history in result.arms.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--cpus", type=int, default=2)
    args = parser.parse_args()

    import keras  # noqa: F401  (TensorFlow's import is not part of any timing)

    from explorer.augment.config import AugmentConfig
    from explorer.data.demos import load_demo
    from explorer.experiments.records.spec import TrainSettings
    from explorer.experiments.training.backends import LocalBackend, RayBackend

    config = AugmentConfig(**SEVEN)
    settings = TrainSettings(seeds=tuple(range(args.seeds)), epochs=args.epochs)
    dataset = load_demo("digits", image_size=settings.image_size)
    trials = (len(config.active_transforms()) + 1) * args.seeds
    print(
        f"7-setting ablation ({', '.join(config.active_transforms())}), digits 32 px, small CNN, "
        f"{args.seeds} seeds x {args.epochs} epochs: {trials} trials on {os.cpu_count()} cores"
    )
    runs, took = {}, {}
    backends = {
        "local": LocalBackend(),
        "ray, 1 CPU per trial": RayBackend(cpus_per_trial=1, num_cpus=args.cpus),
        f"ray, {args.cpus} CPUs per trial": RayBackend(cpus_per_trial=args.cpus, num_cpus=args.cpus),
    }
    for name, backend in backends.items():
        took[name], runs[name] = _ablate(dataset, config, settings, backend)
        ratio = f"  local/this {took['local'] / took[name]:.2f}x" if name != "local" else ""
        print(f"{name:<22} {took[name]:7.1f} s{ratio}  ({runs[name].backend}; {runs[name].status})")
    local = runs["local"]
    for name, result in runs.items():
        finals = _finals(result)
        gap = max(abs(finals[arm] - value) for arm, value in _finals(local).items())
        same = all(result.arms[arm].val_loss == local.arms[arm].val_loss for arm in local.arms)
        print(f"\n{name}: verdict: {result.ablation.sentence}")
        print("  mean final val accuracy: " + ", ".join(f"{arm} {value:.3f}" for arm, value in finals.items()))
        print(f"  largest difference from local: {gap:.4f}; every loss identical to local: {same}")


if __name__ == "__main__":
    from refresh_docs import docs_output  # the --docs option: docs/benchmarks/bench_backends.txt

    docs_output(main, "bench_backends")
