"""Suggest on digits from the article's example 1 (over-augmentation), budget 24.

    python tests/benchmarks/bench_suggest.py [--budget 24] [--seeds 2] [--epochs 8] [--check-seeds 3]
        [--backends local,ray]

The small CNN at 32 px, the default training settings; the search on seeds 0..S-1 and the
check on fresh seeds after them. Prints, per backend, the total time (TensorFlow imported
before timing), how many configurations were pruned, the suggestion, what changed from
example 1 and what each change was worth in the search, and the two paired intervals on the
fresh seeds (accuracy points); with several backends, each one's time against the first's.
ray: Ray Tune with the Optuna searcher on a Ray instance of this machine's cores, 1 CPU per
configuration (needs ray[tune]).
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=24)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--check-seeds", type=int, default=3)
    parser.add_argument("--backends", default="local", help="comma-separated: local, ray")
    args = parser.parse_args()

    import keras  # noqa: F401  (not part of the timing)

    from explorer.augment.presets import preset
    from explorer.cli import doctor_veto
    from explorer.data.demos import load_demo
    from explorer.experiments.analysis.stats import interval_text, points
    from explorer.experiments.records.spec import TrainSettings
    from explorer.experiments.suggest.search import CheckHooks, suggest
    from explorer.experiments.suggest.space import worth_text
    from explorer.experiments.training.backends import LocalBackend, RayBackend

    config = preset("over-augmentation")
    settings = TrainSettings(seeds=tuple(range(args.seeds)), epochs=args.epochs)
    dataset = load_demo("digits", image_size=settings.image_size)
    print(f"digits 32 px, small CNN, example 1 {config.to_idg_kwargs(only_changed=True)}")
    print(
        f"budget {args.budget}, search seeds {list(settings.seeds)}, {args.epochs} epochs, "
        f"{args.check_seeds} fresh check seeds, {os.cpu_count()} cores"
    )
    times = {}
    for name in args.backends.split(","):
        backend = RayBackend(cpus_per_trial=1) if name == "ray" else LocalBackend()
        start = time.perf_counter()
        result = suggest(
            dataset,
            config,
            settings,
            args.budget,
            args.check_seeds,
            check=CheckHooks(backend=backend),
            veto=doctor_veto,
        )  # as the CLI and the page's worker search
        times[name] = took = time.perf_counter() - start
        pruned = sum(trial.pruned for trial in result.trials)
        ratio = f"  {next(iter(times))}/this {next(iter(times.values())) / took:.2f}x" if len(times) > 1 else ""
        print(
            f"\n{name} ({backend.label}): total {took:.1f} s{ratio} ({len(result.trials)} configurations, "
            f"{pruned} pruned)"
        )
        for item in result.excluded:
            print(f"held off: {item.setting}: {item.reason}")
        print(f"suggestion: {result.config.to_idg_kwargs(only_changed=True)}")
        for change in result.changes:
            print(f"  {change.setting} {change.yours!r} -> {change.suggested!r}: {worth_text(change)}")
        for label, comparison in (("vs baseline", result.vs_baseline), ("vs example 1", result.vs_user)):
            print(
                f"{label}: {points(comparison.delta_mean)} points, 95% CI {interval_text(comparison.ci95)} "
                f"on fresh seeds {result.seeds_used_for_check}"
            )


if __name__ == "__main__":
    from refresh_docs import docs_output  # the --docs option: docs/benchmarks/bench_suggest.txt

    docs_output(main, "bench_suggest")
