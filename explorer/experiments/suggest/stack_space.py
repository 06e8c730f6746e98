"""Suggest over a Keras 3 stack: the search space around the user's own layers (issue 31).

The same search as for ImageDataGenerator settings (`space`), in layers:
- each drawing layer of the user's stack is one dimension: its strength arguments scaled
  (x0 = the layer removed, x0.5, x1 = theirs, x1.5; a pair end by end, clipped to what the
  layer accepts, then built through the layer's dataclass so Keras's own validation refuses
  what Keras would); a layer with no strength to scale (RandomFlip, RandomSaturation...) is
  kept or removed; RandomCrop is kept as it is (removing it changes the images' size);
- a kind of layer the stack lacks is added small, or left out: RandomRotation(10/360),
  RandomTranslation(0.1, 0.1), RandomZoom((-0.1, 0.1)) (a plain 0.1 only zooms out in Keras)
  and RandomFlip("horizontal");
- the layers that draw nothing (Rescaling, Resizing...) stay where the user put them;
- a choice whose affinity is low (the baseline model keeps less than LOW_AFFINITY of its
  accuracy on validation images augmented by that choice alone, `alone`) is dropped, and a
  layer left with nothing but "off" is held off (`Excluded`, with the reason).

A candidate is the user's stack with each dimension's pick in place (`stack_from`), added
layers after the user's. Trials record each dimension's pick as source text
(`choice_text`), so suggestion.json reads like code. No Keras here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ...augment.keras3 import KerasLayer, Stack
from ...augment.keras3.geometric import RandomFlip, RandomRotation, RandomTranslation, RandomZoom
from ..records.stack_arm import StackArm
from .space import HELD_OFF, LOW_AFFINITY, SCALES, ChangeWorth, Excluded, TrialScore, _mean

OFF = "off"  # a dimension's choice "no such layer" (removed, or not added), in trials' records
# Each layer's strength arguments and the range Keras accepts for them (clipped to before building).
STRENGTHS: dict[str, dict[str, tuple[float, float]]] = {
    "RandomRotation": {"factor": (-1.0, 1.0)},
    "RandomTranslation": {"height_factor": (-1.0, 1.0), "width_factor": (-1.0, 1.0)},
    "RandomZoom": {"height_factor": (-0.99, 1.0), "width_factor": (-0.99, 1.0)},
    "RandomShear": {"x_factor": (0.0, 1.0), "y_factor": (0.0, 1.0)},
    "RandomBrightness": {"factor": (-1.0, 1.0)},
    "RandomContrast": {"factor": (0.0, 1.0)},
    "RandomHue": {"factor": (0.0, 1.0)},
    "RandomColorDegeneration": {"factor": (0.0, 1.0)},
    "RandomGrayscale": {"factor": (0.0, 1.0)},
    "RandomColorJitter": {"brightness_factor": (-1.0, 1.0), "contrast_factor": (0.0, 1.0), "hue_factor": (0.0, 1.0)},
    "RandAugment": {"factor": (0.0, 1.0)},
    "AugMix": {"factor": (0.0, 1.0)},
}
KEPT_AS_IS = ("RandomCrop",)  # not searched: without it the images change size
# A kind of layer the stack lacks, added small: what seldom changes a label.
ADDED_LAYERS: tuple[KerasLayer, ...] = (
    RandomRotation(10 / 360),
    RandomTranslation(0.1, 0.1),
    RandomZoom((-0.1, 0.1)),
    RandomFlip("horizontal"),
)


@dataclass(frozen=True)
class LayerDimension:
    """One layer's choices, weakest first (None: no such layer), the user's own among them.

    `label`: the layer's name in the records ("RandomRotation", "RandomRotation #2" when it
    repeats, "RandomZoom (added)" for a layer the stack lacks); `index`: its place in the
    user's stack and `user` the user's layer (None for an added layer)."""

    label: str
    index: int | None
    choices: tuple[KerasLayer | None, ...]
    user: KerasLayer | None
    why: str
    dropped: str = ""  # the choices left out for low affinity: "RandomRotation(factor=0.3) (keeps 85%)"

    def texts(self) -> tuple[str, ...]:
        """The choices as trials record them (`choice_text`)."""
        return tuple(choice_text(choice) for choice in self.choices)


def choice_text(layer: KerasLayer | None) -> str:
    """A choice as source text: `RandomRotation(factor=0.05)`, or "off"."""
    return OFF if layer is None else layer.call_text()


def _scaled_value(value: Any, scale: float, bounds: tuple[float, float]) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(_scaled_value(item, scale, bounds) for item in value)
    if isinstance(value, (int, float)):
        return round(min(bounds[1], max(bounds[0], float(value) * scale)), 4)
    return value


def scaled_layer(layer: KerasLayer, scale: float) -> KerasLayer | None:
    """`layer` with each strength argument `scale` times as strong (None: x0, removed; the
    layer itself when it has no strength to scale, or Keras refuses the scaled values)."""
    if scale == 0:
        return None
    if scale == 1:  # theirs exactly (no rounding)
        return layer
    arguments = STRENGTHS.get(layer.layer_name(), {})
    changes = {name: _scaled_value(getattr(layer, name), scale, bounds) for name, bounds in arguments.items()}
    try:
        return dataclasses.replace(layer, **changes)
    except ValueError:  # KerasArgumentError: Keras would refuse it
        return layer


def _user_dimension(layer: KerasLayer, index: int, label: str) -> LayerDimension | None:
    name = layer.layer_name()
    if name in KEPT_AS_IS:
        return None
    if name not in STRENGTHS:
        return LayerDimension(label, index, (None, layer), layer, "yours, or removed")
    choices = tuple(dict.fromkeys(scaled_layer(layer, scale) for scale in SCALES))
    return LayerDimension(label, index, choices, layer, "yours x0 (removed), x0.5, x1, x1.5")


def _dimensions(arm: StackArm) -> list[LayerDimension]:
    """Every dimension before affinity: the user's drawing layers, then the added kinds."""
    labels = arm.labels()
    dimensions = [
        dimension
        for index, label in labels.items()
        if (dimension := _user_dimension(arm.stack.layers[index], index, label)) is not None
    ]
    present = {layer.layer_name() for layer in arm.stack.layers}
    for layer in ADDED_LAYERS:
        if layer.layer_name() not in present:
            dimensions.append(
                LayerDimension(
                    f"{layer.layer_name()} (added)",
                    None,
                    (None, layer),
                    None,
                    f"not in yours; off, or {layer.call_text()} (seldom changes a label)",
                )
            )
    return dimensions


def _held_off(dimension: LayerDimension, low: dict[int, float]) -> Excluded:
    mildest, kept = min(low.items())
    return Excluded(
        dimension.label,
        f"the baseline model keeps {kept:.0%} of its accuracy on validation images with "
        f"{choice_text(dimension.choices[mildest])} alone: it changes what the images show, so it is held off",
    )


def stack_search_space(
    arm: StackArm, affinity: dict[tuple[str, int], float] | None = None
) -> tuple[list[LayerDimension], list[Excluded]]:
    """The dimensions to search around the user's stack, and the layers held off.

    `affinity`: (label, index of a choice) -> the baseline model's accuracy on validation
    images augmented by that choice alone (`alone`) over its clean accuracy. A choice below
    LOW_AFFINITY is dropped ("off" is always kept); a layer left with nothing but "off" is
    held off, with the reason."""
    dimensions, excluded = [], []
    for dimension in _dimensions(arm):
        scores = {
            i: (affinity or {}).get((dimension.label, i)) for i, c in enumerate(dimension.choices) if c is not None
        }
        low = {i: kept for i, kept in scores.items() if kept is not None and kept < LOW_AFFINITY}
        if low and len(low) == len(scores):
            excluded.append(_held_off(dimension, low))
            continue
        if low:
            dropped = ", ".join(f"{choice_text(dimension.choices[i])} (keeps {kept:.0%})" for i, kept in low.items())
            dimension = dataclasses.replace(
                dimension,
                choices=tuple(c for i, c in enumerate(dimension.choices) if i not in low),
                why=f"{dimension.why}; held off: {dropped}",
                dropped=dropped,
            )
        dimensions.append(dimension)
    return dimensions, excluded


def first_stack_point(arm: StackArm, dimensions: list[LayerDimension]) -> dict[str, int]:
    """The user's stack as choice indices: the first candidate a search tries (an added
    layer off). A layer of theirs that was dropped (low affinity) becomes the strongest
    choice kept below it."""
    unfiltered = {d.label: d.choices for d in _dimensions(arm)}
    point = {}
    for d in dimensions:
        if d.user in d.choices:
            point[d.label] = d.choices.index(d.user)
            continue
        order = unfiltered.get(d.label, d.choices)
        mine = order.index(d.user) if d.user in order else 0
        point[d.label] = max((i for i, c in enumerate(d.choices) if c in order and order.index(c) <= mine), default=0)
    return point


def stack_from(arm: StackArm, picks: dict[str, KerasLayer | None], excluded: list[Excluded] = ()) -> StackArm:
    """The user's stack with each searched layer replaced by its pick (None: removed), each
    held-off layer removed, the layers that draw nothing kept in place, and the added
    layers picked after the user's; the user's placement."""
    labels = {index: label for index, label in arm.labels().items()}
    held = {item.setting for item in excluded}
    layers = []
    for index, layer in enumerate(arm.stack.layers):
        label = labels.get(index)
        if label in held:
            continue
        chosen = picks.get(label, layer) if label is not None else layer
        if chosen is not None:
            layers.append(chosen)
    layers += [layer for label, layer in picks.items() if label.endswith(" (added)") and layer is not None]
    return StackArm(Stack(tuple(layers)), arm.placement)


def alone(arm: StackArm, dimension: LayerDimension, choice: KerasLayer) -> Stack:
    """What an affinity probe augments with: the layers that draw nothing, and `choice` in
    the place of the dimension's layer (after the user's layers, for an added one)."""
    fixed = set(arm.random_layers)
    layers = []
    for index, layer in enumerate(arm.stack.layers):
        if index == dimension.index:
            layers.append(choice)
        elif index not in fixed:
            layers.append(layer)
    if dimension.index is None:
        layers.append(choice)
    return Stack(tuple(layers))


def stack_changes(user: StackArm, suggested: StackArm) -> list[tuple[str, str, str]]:
    """(label, the user's layer, the suggested one) for each layer that differs, as source
    text ("off": none): a layer of the user's is matched to the next suggested layer of the
    same kind (else it was removed); suggested layers left over were added."""
    labels = user.labels()
    rest = list(suggested.stack.layers)
    rows = []
    for index, layer in enumerate(user.stack.layers):
        if rest and rest[0].layer_name() == layer.layer_name():
            pick = rest.pop(0)
            if pick != layer:
                rows.append((labels.get(index, layer.layer_name()), layer.call_text(), pick.call_text()))
        elif index in labels:
            rows.append((labels[index], layer.call_text(), OFF))
    rows += [(f"{layer.layer_name()} (added)", OFF, layer.call_text()) for layer in rest]
    return rows


def change_text(label: str, yours: str, suggested: str) -> str:
    """One change in words: "RandomFlip removed", "RandomZoom added: RandomZoom(...)",
    "RandomRotation: RandomRotation(factor=0.1) -> RandomRotation(factor=0.05)"."""
    if suggested == OFF:
        return f"{label} removed ({yours})"
    if yours == OFF:
        return f"{suggested} added"
    return f"{label}: {yours} -> {suggested}"


def stack_change_worth(
    user: StackArm, suggested: StackArm, trials: list[TrialScore], excluded: list[Excluded] = ()
) -> list[ChangeWorth]:
    """Each change from the user's stack to the suggested one (`stack_changes`), with its
    worth among the scored trials: the mean score of those tried with the suggested layer
    minus those tried with the user's (trials record each layer's pick as `choice_text`)."""
    held = {item.setting for item in excluded}
    rows = []
    for label, yours, pick in stack_changes(user, suggested):
        scored = [t for t in trials if t.score is not None and label in t.choices]
        mine = [t.score for t in scored if t.choices[label] == yours]
        theirs = [t.score for t in scored if t.choices[label] == pick]
        low, high = _mean(theirs), _mean(mine)
        worth = low - high if low is not None and high is not None else None
        rows.append(ChangeWorth(label, yours, pick, worth, len(theirs), len(mine), HELD_OFF if label in held else ""))
    return rows
