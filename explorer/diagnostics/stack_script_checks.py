"""The Keras 3 stack doctor's rules about the script around the stack: where it is applied,
the backend, and what the parser could not take (with the IDG habit behind a refusal).
"""

from __future__ import annotations

from ..interchange.keras_placement import IN_MAP, IN_MODEL
from ..interchange.keras_stack import NOT_REPRODUCED, REFUSED, REMOVED, SEQUENTIAL, UNRESOLVED
from .stack_findings import NOTE, WARNING, LayerFinding, StackInputs, stack_check


@stack_check("validation_augmented")
def _validation_augmented(inputs: StackInputs) -> list[LayerFinding]:
    """A tf.data map that runs the stack over validation data, in training mode."""
    out = []
    for place in inputs.placements:
        if not place.augments_validation:
            continue
        out.append(
            script_finding(
                "validation_augmented",
                WARNING,
                place.line,
                f"{place.dataset or 'The validation dataset'} is mapped through the augmentation stack"
                + (" with training=True" if place.training else " (outside a model Keras's layers augment by default)")
                + ": validation accuracy is measured on augmented images, so it no longer tells how the "
                "model does on real ones.",
                "Map only the training dataset; validate on the images as they are.",
            )
        )
    return out


def script_finding(code: str, severity: str, line: int | None, message: str, fix: str) -> LayerFinding:
    """A finding about the script rather than one layer."""
    return LayerFinding(code, severity, None, line, "", message, fix)


@stack_check("non_tensorflow_backend")
def _sequential_in_tf_data(inputs: StackInputs) -> list[LayerFinding]:
    """Under the JAX or torch backend a Sequential in a tf.data map fails (keras-team/keras#19895)."""
    if inputs.backend not in ("jax", "torch"):
        return []
    out = []
    for place in inputs.placements:
        if place.kind == IN_MAP and inputs.form == SEQUENTIAL:
            out.append(
                script_finding(
                    "sequential_in_tf_data",
                    WARNING,
                    place.line,
                    f"The script selects the {inputs.backend} backend and runs the stack inside a tf.data map: a "
                    "keras.Sequential there fails with 'Cannot convert a symbolic tf.Tensor to a numpy array' "
                    "(keras-team/keras#19895), and some layers are slow or fail under non-TensorFlow "
                    "backends (keras-team/keras#20722, #23229).",
                    "Call the layers one by one inside the map function, or put the stack inside the model "
                    "(it then runs on the backend, in training only).",
                )
            )
        elif place.kind == IN_MODEL and inputs.backend == "jax":
            out.append(
                script_finding(
                    "augmentation_in_jax_model",
                    NOTE,
                    place.line,
                    "Augmentation layers inside a model on the JAX backend run in every training step on the "
                    "accelerator; with some of them a reported run went from about 10 minutes to 2.5 hours, "
                    "and RandomElasticTransform ran out of memory (keras-team/keras#23229).",
                    "Time an epoch with and without the stack; move slow layers into a tf.data map.",
                )
            )
    return out


# The IDG habit behind a refusal, by layer.
_HABITS = {
    "RandomRotation": "IDG's rotation_range is in degrees; here r degrees is factor=r / 360.",
    "RandomZoom": "IDG's zoom_range=[0.8, 1.2] is a scale; here a scale is 1 + factor: height_factor=(-0.2, 0.2) "
    "(positive zooms out).",
    "RandomTranslation": "Factors are fractions of the image size: IDG's pixel shifts divided by the height "
    "(height_factor) or the width (width_factor).",
    "RandomShear": "IDG's shear_range is in degrees; the factor here is a slope, tan(angle) (20° is about 0.36).",
    "RandomBrightness": "IDG's brightness_range=[0.8, 1.2] multiplies; this layer adds factor x the value range "
    "(0.2 adds up to ±51 on 0..255).",
}
_SEVERITY = {REFUSED: WARNING, REMOVED: WARNING, UNRESOLVED: NOTE, NOT_REPRODUCED: NOTE}


@stack_check("not_taken")
def _not_taken(inputs: StackInputs) -> list[LayerFinding]:
    """What the parser could not take: Keras's refusal (with the IDG habit behind it), a layer
    Keras 3 removed, a value only running the code would give, a layer not reproduced."""
    out = []
    for item in inputs.parse_findings:
        if item.code not in _SEVERITY:
            continue
        habit = _HABITS.get(item.layer or "", "")
        fixes = {
            REFUSED: habit or "Change the value to one Keras accepts (its reason is above).",
            REMOVED: "Keras 3 has no such layer: write the Keras 3 layer the message names.",
            UNRESOLVED: "Write the value as a literal (or a name bound to one): it is read, never run.",
            NOT_REPRODUCED: "The preview leaves this layer out; the other layers are shown as Keras computes them.",
        }
        out.append(
            LayerFinding(
                item.code, _SEVERITY[item.code], None, item.line, item.layer or "", item.message, fixes[item.code]
            )
        )
    return out
