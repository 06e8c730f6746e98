"""Ablation speed: the one-at-a-time run on digits, 7 settings, default seeds and epochs,
must finish in under 3 minutes on 2 cores (TensorFlow's import included).

    python tests/benchmarks/bench_ablation.py

Settings: the article's "over-augmentation" example plus vertical_flip (7 active settings),
so 8 arms (the baseline and each setting alone). Prints the ranked table and the timing.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

GOAL_SECONDS = 180


def main() -> None:
    start = time.perf_counter()
    from explorer.augment.presets import preset
    from explorer.data.demos import load_demo
    from explorer.experiments.analysis.ablation import ablation_arms, analyze, probe_configs
    from explorer.experiments.analysis.stats import effect_text
    from explorer.experiments.records.spec import TrainSettings
    from explorer.experiments.training.paired import run_comparison

    config = preset("over-augmentation").replace(vertical_flip=True)
    digits = load_demo("digits", image_size=32)
    arms = ablation_arms(config)
    defaults = TrainSettings()
    result = run_comparison(digits, arms, defaults, probes=probe_configs(config))
    analysis = analyze(result)
    took = time.perf_counter() - start
    print(
        f"CPU cores: {os.cpu_count()}; digits at 32 px; {len(arms) - 1} settings alone + baseline, "
        f"{len(defaults.seeds)} seeds x {defaults.epochs} epochs"
    )
    print(f"{'setting':<20} {'alone vs baseline, points':<36} {'affinity':>8} {'diversity':>9}")
    for effect in analysis.one_at_a_time:
        print(
            f"{effect.transform:<20} {effect_text(effect):<36} {analysis.affinity[effect.transform]:8.2f} "
            f"{analysis.diversity[effect.transform]:9.2f}"
        )
    print(analysis.sentence)
    print(
        f"total {took:.0f} s including TensorFlow's import (goal <= {GOAL_SECONDS} s: "
        f"{'met' if took <= GOAL_SECONDS else 'MISSED'})"
    )


if __name__ == "__main__":
    from refresh_docs import docs_output  # the --docs option: docs/benchmarks/bench_ablation.txt

    docs_output(main, "bench_ablation")
