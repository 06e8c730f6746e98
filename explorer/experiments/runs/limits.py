"""What one server allows: the one place its limits and their defaults live.

A team server runs everyone's runs on the same machine (or Ray cluster) and keeps them on the
same disk, so an operator bounds both. Each limit is read from an environment variable; 0
turns a limit off. docs/deploy.md "Server limits" lists them with these defaults.

| variable                      | default    | what it bounds                                          |
|-------------------------------|------------|---------------------------------------------------------|
| AUGMENT_MAX_ACTIVE_RUNS       | 2          | runs one owner may have queued or training at once      |
| AUGMENT_MAX_RUN_COST          | 20000000   | arms x seeds x epochs x image pixels of one run         |
| AUGMENT_MAX_SEARCH_BUDGET     | 48         | configurations one suggest run may try                  |
| AUGMENT_KEEP_DAYS             | 30         | days a finished run is kept                             |
| AUGMENT_KEEP_GB               | 5          | gigabytes all runs and their uploads may take           |

The command line on a user's own machine is not bound by them: they guard a shared server.

A run's cost is what training it takes, in pixel-epochs: trials x epochs x image_size^2, one
trial being one arm trained on one seed.
- compare and ablation: trials = arms x seeds (a comparison has 2 arms; an ablation has the
  baseline, each active setting alone and, with leave-one-out, the full config and the full
  config minus each: `ablation.ablation_arms`).
- suggest: trials = budget x seeds (the search) + 1 (the baseline that measures affinity, on
  the first seed) + 3 x check_seeds (the pick, the user's config and the baseline on fresh
  seeds). The budget is an upper bound: pruned configurations stop early.
Defaults: 2 arms x 3 seeds x 8 epochs x 32x32 px = 49,152 pixel-epochs; at 224 px (an
architecture's default) 2,408,448; the limit of 20,000,000 is about 2 arms x 5 seeds x 20 epochs x
316x316 px. The JobManager checks a run when it is queued and again, with its new seeds, when
seeds are added (`check_run`), and counts an owner's active runs (`check_active`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ...errors import InputError
from ..records.spec import SUGGEST, RunSpec, SearchSettings, TrainSettings


def _number(name: str, default: float, kind=int):
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(float(text)) if kind is int else kind(text)
    except ValueError:
        raise InputError(f"{name}={text[:40]!r} is not a number; unset it for the default ({default})") from None
    if value < 0:
        raise InputError(f"{name}={text[:40]!r} is negative; 0 turns the limit off")
    return value


@dataclass(frozen=True)
class ServerLimits:
    """A server's limits (0: no limit). `from_env()` reads the operator's settings."""

    max_active_per_owner: int = 2
    max_run_cost: int = 20_000_000
    max_search_budget: int = 48
    keep_days: float = 30.0
    keep_bytes: int = 5 * 1024**3

    @classmethod
    def from_env(cls) -> ServerLimits:
        defaults = cls()
        return cls(
            max_active_per_owner=_number("AUGMENT_MAX_ACTIVE_RUNS", defaults.max_active_per_owner),
            max_run_cost=_number("AUGMENT_MAX_RUN_COST", defaults.max_run_cost),
            max_search_budget=_number("AUGMENT_MAX_SEARCH_BUDGET", defaults.max_search_budget),
            keep_days=_number("AUGMENT_KEEP_DAYS", defaults.keep_days, float),
            keep_bytes=int(_number("AUGMENT_KEEP_GB", defaults.keep_bytes / 1024**3, float) * 1024**3),
        )


@dataclass(frozen=True)
class RunCost:
    """What one run trains: `trials` (one arm on one seed) x `epochs` x `pixels` (per image)."""

    trials: int
    epochs: int
    pixels: int
    breakdown: str  # how the trials add up, in words: "2 arms x 3 seeds"

    @property
    def total(self) -> int:
        """Pixel-epochs: trials x epochs x image pixels."""
        return self.trials * self.epochs * self.pixels


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def run_cost(spec: RunSpec) -> RunCost:
    """The cost of training `spec` (module docstring: the formula)."""
    return planned_cost(len(spec.arms), spec.settings, spec.search if spec.mode == SUGGEST else None)


def planned_cost(arms: int, settings: TrainSettings, search: SearchSettings | None = None) -> RunCost:
    """The cost of a run of `arms` arms trained with `settings` (a search with `search`, whose
    arms this ignores): the page says it before a click, from what it has planned."""
    seeds = len(settings.seeds)
    if search is not None:
        trials = search.budget * seeds + 1 + 3 * search.check_seeds
        breakdown = (
            f"{_plural(search.budget, 'configuration')} x {_plural(seeds, 'seed')} + 1 + 3 arms x "
            f"{_plural(search.check_seeds, 'check seed')} = {_plural(trials, 'trial')}"
        )
    else:
        trials = arms * seeds
        breakdown = f"{_plural(arms, 'arm')} x {_plural(seeds, 'seed')}"
    return RunCost(trials, settings.epochs, settings.image_size**2, breakdown)


def times(value: int, limit: int) -> str:
    """How many times `limit` `value` is, as a person says it: "105x", "1.3x", "1.01x"."""
    ratio = value / limit
    if ratio >= 10:
        return f"{ratio:,.0f}x"
    text = f"{ratio:.1f}"
    return f"{ratio:.2f}x" if text == "1.0" else f"{text}x"


def check_run(spec: RunSpec, limits: ServerLimits) -> None:
    """InputError naming the limit and by how much when `spec` is over the server's search
    budget or its run cost (0: no limit)."""
    problem = over_limits(run_cost(spec), spec.search if spec.mode == SUGGEST else None, limits)
    if problem:
        raise InputError(problem)


def over_limits(cost: RunCost, search: SearchSettings | None, limits: ServerLimits) -> str | None:
    """What a run of this cost (a search with `search`) is over, naming the limit and by how
    much; None when it is within the limits."""
    if search is not None and limits.max_search_budget and search.budget > limits.max_search_budget:
        return (
            f"this search tries up to {search.budget:,} configurations, "
            f"{times(search.budget, limits.max_search_budget)} this server's limit of {limits.max_search_budget:,} "
            "(AUGMENT_MAX_SEARCH_BUDGET): a smaller budget"
        )
    if limits.max_run_cost and cost.total > limits.max_run_cost:
        side = int(round(cost.pixels**0.5))
        fewer = "a smaller budget, fewer seeds or epochs" if search is not None else "fewer seeds or epochs"
        return (
            f"this run costs {cost.total:,} pixel-epochs ({cost.breakdown} x {_plural(cost.epochs, 'epoch')} x "
            f"{side}x{side} px), {times(cost.total, limits.max_run_cost)} this server's limit of "
            f"{limits.max_run_cost:,} (AUGMENT_MAX_RUN_COST): {fewer}, or a smaller image size"
        )
    return None


def check_active(active: int, limits: ServerLimits) -> None:
    """InputError when an owner who has `active` runs queued or training may not queue one more."""
    cap = limits.max_active_per_owner
    if cap and active >= cap:
        raise InputError(
            f"you have {_plural(active, 'run')} queued or training; this server allows {cap:,} at a time "
            f"(AUGMENT_MAX_ACTIVE_RUNS): wait for one to end or stop one"
        )
