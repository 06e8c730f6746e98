"""A Keras 3 stack as an arm: the layers the user wrote and where they run.

An arm that trains with a stack keeps its `AugmentConfig` (in `RunSpec.arms`) for the
preprocessing every arm shares (rescale, samplewise_*) with no IDG transform, and runs the
real Keras layers on top, as users run them (`training.fit`):

- IN_MODEL: the layers at the head of the model, active while it trains and idle when it
  predicts (Keras's own rule), so validation is never augmented;
- IN_MAP: a `tf.data` map over the training batches (`aug(x, training=True)`), the other way
  Keras's guide applies them; validation is not mapped.

Layer by layer, for an ablation: `only(i)` keeps layer i and the layers that draw nothing
(Rescaling, Resizing, CenterCrop...: the same preprocessing in every arm); `without(i)`
drops layer i; `fixed()` keeps only the layers that draw nothing (the baseline).
No Keras here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from ...augment.keras3 import Stack
from ...augment.keras3.serial import draws_randomly, stack_from_json, stack_json

IN_MODEL, IN_MAP = "model", "map"
PLACEMENTS = (IN_MODEL, IN_MAP)


@dataclass(frozen=True)
class StackArm:
    """The layers an arm runs (`stack`) and where (`placement`: IN_MODEL or IN_MAP)."""

    stack: Stack
    placement: str = IN_MODEL

    def __post_init__(self) -> None:
        if self.placement not in PLACEMENTS:
            raise ValueError(
                f"placement must be {IN_MODEL!r} (in the model) or {IN_MAP!r} (a tf.data map); got {self.placement!r}"
            )

    @property
    def random_layers(self) -> tuple[int, ...]:
        """The indices of the layers that draw (the ones an ablation takes out one by one)."""
        return tuple(i for i, layer in enumerate(self.stack.layers) if draws_randomly(layer))

    def labels(self) -> dict[int, str]:
        """Each drawing layer's name in an ablation: its class, numbered when it repeats
        ("RandomRotation", or "RandomRotation #1" and "RandomRotation #2")."""
        names = [self.stack.layers[i].layer_name() for i in self.random_layers]
        counts, seen, labels = Counter(names), Counter(), {}
        for index, name in zip(self.random_layers, names):
            seen[name] += 1
            labels[index] = name if counts[name] == 1 else f"{name} #{seen[name]}"
        return labels

    def _keep(self, keep) -> StackArm:
        return replace(self, stack=Stack(tuple(layer for i, layer in enumerate(self.stack.layers) if keep(i))))

    def fixed(self) -> StackArm:
        """Only the layers that draw nothing: what a baseline keeps."""
        drawing = set(self.random_layers)
        return self._keep(lambda i: i not in drawing)

    def only(self, index: int) -> StackArm:
        """Layer `index` with the layers that draw nothing."""
        drawing = set(self.random_layers)
        return self._keep(lambda i: i == index or i not in drawing)

    def without(self, index: int) -> StackArm:
        """Every layer but `index`."""
        return self._keep(lambda i: i != index)

    @property
    def code(self) -> str:
        """The stack as `keras.Sequential([...])` source."""
        return self.stack.code()

    @property
    def where(self) -> str:
        """Where the layers run, in words."""
        return "at the head of the model" if self.placement == IN_MODEL else "in a tf.data map of the training batches"

    def to_json(self) -> dict:
        return {"placement": self.placement, "layers": stack_json(self.stack)}

    @classmethod
    def from_json(cls, data: Any) -> StackArm:
        if not isinstance(data, dict):
            raise ValueError(f"a stack arm must be a JSON object; got {type(data).__name__}")
        return cls(stack_from_json(data.get("layers", [])), str(data.get("placement", IN_MODEL)))


def stack_arms(data: Any) -> dict[str, StackArm]:
    """spec.json's or result.json's "stacks" (arm -> stack arm); {} when absent."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"stacks must be a JSON object; got {type(data).__name__}")
    return {str(arm): StackArm.from_json(value) for arm, value in data.items()}
