"""What a suggestion's check says, decided once (issue 28): the pick against the user's
settings first, then against no augmentation, then what the user's settings cost against no
augmentation, then what to do; and the one tone the page's box, the report's box and the CLI
follow. Each word comes from one comparison's `decision` (its 95% interval clear of zero or
not), so no line can call a pick better than an interval says; when the best found is no
better than no augmentation, the advice says plainly to drop augmentation or keep it mild.

Reads a `space.Suggestion` (and its `Comparison`s) without importing them: `space`
imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..analysis.stats import interval_text, points

if TYPE_CHECKING:
    from .space import Comparison, Suggestion


# A checked suggestion's one tone: the page's colour and the report's box follow it.
HELPS = "helps"  # the pick beats no augmentation and is not worse than the user's settings: green
KEEP_YOURS = "keep_yours"  # both beat no augmentation, the user's settings more: neutral
NO_BETTER = "no_better"  # the best found is not clearly better than no augmentation: amber
WORSE = "worse"  # even the best found is worse than no augmentation: red
UNCHECKED = "unchecked"  # stopped before the check on fresh seeds: neutral


@dataclass(frozen=True)
class SuggestionVerdict:
    """What a suggestion's check says, in the order a reader needs it: `lines[0]` the pick
    against the user's settings (the headline), then against no augmentation, then the
    user's settings against no augmentation; `advice` what to do; `tone` the one colour."""

    tone: str
    lines: tuple[str, ...]
    advice: str

    @property
    def headline(self) -> str:
        return self.lines[0]

    @property
    def text(self) -> str:
        return " ".join((*self.lines, self.advice)).strip()


def _against_none(comparison: Comparison) -> str:
    said = {
        "better": "it beats no augmentation",
        "worse": "it is worse than no augmentation",
        "unclear": "not clearly different from no augmentation",
    }[comparison.decision]
    return f"Against no augmentation: {comparison.text()}: {said}."


def _yours_against_none(comparison: Comparison) -> str:
    if comparison.delta_mean is None:
        return ""
    if comparison.decision != "unclear":  # the interval is clear of zero: lost or gained
        said = "lost" if comparison.decision == "worse" else "gained"
        return (
            f"Your settings {said} {points(abs(comparison.delta_mean), signed=False)} points against no "
            f"augmentation (95% CI {interval_text(comparison.ci95)})."
        )
    return f"Your settings against no augmentation: {comparison.text()}: not clearly different."


def verdict_of(suggestion: Suggestion) -> SuggestionVerdict:
    """The words and tone of a suggestion's check, decided once from its intervals (each
    comparison's `decision`) for the page, the report, the CLI and the run history."""
    if not suggestion.checked:
        return SuggestionVerdict(
            UNCHECKED,
            (
                "The search was stopped before its best configuration was checked on fresh seeds: its score is from "
                "the seeds it was chosen on, so it is not a verdict.",
            ),
            "",
        )
    seeds = len(suggestion.seeds_used_for_check)
    changed = bool(suggestion.changes)
    mine, none = suggestion.vs_user.decision, suggestion.vs_baseline.decision
    if changed:
        said = {
            "better": "beats your settings",
            "worse": "is worse than your settings",
            "unclear": "is not clearly different from your settings",
        }[mine]
        headline = (
            f"The suggestion {said}: {suggestion.vs_user.text()} on {seeds} fresh seeds (never used to choose it)."
        )
    else:
        headline = f"Your settings were the best configuration found (checked on {seeds} fresh seeds)."
    lines = [headline, _against_none(suggestion.vs_baseline)]
    if changed and (yours := _yours_against_none(suggestion.yours_vs_baseline)):
        lines.append(yours)
    if none == "worse":
        tone, advice = (
            WORSE,
            ("Even the best configuration found is worse than no augmentation: on this data, drop augmentation."),
        )
    elif none != "better":
        tone, advice = (
            NO_BETTER,
            (
                "The best configuration found is no better than no augmentation: on this data, "
                "drop augmentation, or keep it mild (no stronger than the suggestion)."
            ),
        )
    elif changed and mine == "worse":
        tone, advice = KEEP_YOURS, "Keep your settings: they beat the suggestion, which beats no augmentation."
    elif changed:
        tone, advice = (
            HELPS,
            "Use the suggestion: it beats no augmentation"
            + (" and your settings." if mine == "better" else ", and is not clearly different from your settings."),
        )
    else:
        tone, advice = HELPS, "Keep your settings: they beat no augmentation."
    if getattr(suggestion, "stack", None) is not None:
        return SuggestionVerdict(tone, tuple(_of_stack(line) for line in lines), _of_stack(advice))
    return SuggestionVerdict(tone, tuple(lines), advice)


# The same verdict about a Keras 3 stack: the user's settings are their stack's layers.
STACK_WORDS = (
    ("Your settings were the best configuration found", "Your stack was the best stack found"),
    ("Keep your settings: they beat", "Keep your stack: it beats"),
    ("Your settings", "Your stack"),
    ("your settings", "your stack"),
)


def _of_stack(text: str) -> str:
    """A verdict's sentence said of the user's Keras 3 stack rather than their settings."""
    for settings, stack in STACK_WORDS:
        text = text.replace(settings, stack)
    return text
