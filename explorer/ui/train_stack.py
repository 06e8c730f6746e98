"""The train section when the preview shows a Keras 3 stack: what a click trains (the stack's
code and where its layers run) and, for a migration check, the IDG settings it is paired
with and the exact alternative (`IDGAugmentation`).

The stack is the preview's (`PageState.stack_text`), read as the preview reads it; the arms
come from `experiments.runs.plan.stack_arms`, as the click's spec does.
"""

from __future__ import annotations

import json

import streamlit as st

from ..augment.config import AugmentConfig
from ..diagnostics.migration_draws import SideBySide, side_by_side
from ..diagnostics.migration_pixels import common_images
from ..diagnostics.migration_plots import side_by_side_figure
from ..diagnostics.plots import figure_png
from ..experiments.records.spec import MIGRATION, SUGGEST
from ..experiments.records.stack_arm import IN_MAP, IN_MODEL, StackArm
from ..experiments.runs.plan import stack_arms
from ..interchange.export import exact_layer_code, kwargs_text
from ..interchange.keras_stack import NOT_REPRODUCED
from . import widgets
from .actions import open_section
from .record import PageState, starter_stack
from .stack_workspace import read_stack
from .widgets import part_writer

PLACEMENT_LABELS = {
    IN_MODEL: "in the model (idle when it predicts)",
    IN_MAP: "in a tf.data map of the training batches",
}


def trains_a_stack(state: PageState) -> bool:
    """Whether a click trains a Keras 3 stack: the preview shows one, or a migration check."""
    return state.engine == "keras3" or state.train.mode == MIGRATION


def stack_text(state: PageState) -> str:
    """The stack a click trains: the preview's; with the IDG preview and no stack written
    yet, the one today's export writes for the IDG settings (the migration a user makes)."""
    if state.engine == "keras3" or state.stack_text.strip():
        return state.stack_text
    return starter_stack(state.config)


def stack_arm(state: PageState) -> StackArm | str:
    """The stack a click trains as an arm at the record's placement, or why there is none."""
    parsed = read_stack(stack_text(state))
    if isinstance(parsed, str):
        return parsed
    if not parsed.layers:
        return "no Keras 3 layer in it could be read"
    return StackArm(parsed.stack, state.train.placement)


def planned_stack_arms(state: PageState) -> int:
    """How many arms a click trains with the stack (2 when it cannot be read: nothing trains)."""
    arm = stack_arm(state)
    if isinstance(arm, str) or not arm.random_layers:
        return 2
    return len(stack_arms(state.config, arm, state.train.mode, state.train.leave_one_out)[0])


def _left_out(state: PageState) -> list[str]:
    parsed = read_stack(stack_text(state))
    if isinstance(parsed, str):
        return []
    return [f"line {item.line}: {item.message}" for item in parsed.findings if item.code == NOT_REPRODUCED]


def what_trains_stack(state: PageState) -> StackArm | None:
    """The stack a click trains (its code), where its layers run, what is left out; for a
    migration check, the IDG settings it is paired with and their exact Keras 3 layer."""
    arm = stack_arm(state)
    with st.container(border=True, key="train_config"):
        text, back = st.columns([4, 1], vertical_alignment="center")
        source = (
            "the preview's Keras 3 stack"
            if state.engine == "keras3"
            else "the Keras 3 stack today's export writes for your settings; write your own under "
            "Preview, Augment with: Keras 3 layers"
            if not state.stack_text.strip()
            else "the Keras 3 stack last written in the preview"
        )
        text.markdown(f"**The augmentation Train uses** ({source}):")
        back.button("Change it in Preview", key="back_to_preview", on_click=open_section, args=("preview",))
        if isinstance(arm, str):
            st.error(f"The stack cannot be trained: {arm}. Fix it in Preview.")
            return None
        text.code(arm.code, language="python")
        widgets.radio(
            st,
            "Its layers run",
            list(PLACEMENT_LABELS),
            key="train_placement",
            shown=state.train.placement,
            write=part_writer("train", "placement"),
            horizontal=True,
            format_func=PLACEMENT_LABELS.get,
            help="As you apply them: at the head of the model (Keras turns them off when it predicts) or "
            "train_ds.map(lambda x, y: (aug(x, training=True), y)). Validation is never augmented.",
        )
        for note in _left_out(state):
            st.warning(f"Not trained (the explorer cannot read it yet): {note}")
        if not arm.random_layers and state.train.mode != SUGGEST:  # suggest adds layers
            st.warning("No layer of the stack draws anything: every arm would train the same model.")
        if state.train.mode == MIGRATION:
            _migration_note(state, arm)
    return arm if arm.random_layers or state.train.mode == SUGGEST else None


def _migration_note(state: PageState, arm: StackArm) -> None:
    st.markdown("**Paired with your ImageDataGenerator settings** (the preview's IDG controls):")
    st.code(f"ImageDataGenerator({kwargs_text(state.config)})", language="python", wrap_lines=True)
    side = _side_by_side(state.config.to_dict(), json.dumps(arm.to_json()))
    with st.container(key="migration_side_by_side"):
        st.markdown(
            f"**Side by side, before any training** ({side.draws} draws on each of the {side.images} "
            "sample images at 64 px; IDG and the stack on the same images):"
        )
        st.markdown("\n".join(f"- {line}" for line in side.words))
        st.image(figure_png(side_by_side_figure(side)), width="stretch")
    code, _ = exact_layer_code(state.config)
    with st.expander("Want the old behaviour exactly? IDGAugmentation is IDG in one Keras 3 layer"):
        st.code(code, language="python")


@st.cache_data(max_entries=16, show_spinner="Drawing from IDG and from the stack on the same images...")
def _side_by_side(config: dict, stack: str) -> SideBySide:
    """What each side draws and the mean images' difference, on the shipped sample images
    (the preview's), cached by the IDG settings and the stack."""
    from .page import load_sample_images

    images = common_images(loaded.pixels for loaded in load_sample_images().values())
    return side_by_side(AugmentConfig.from_dict(config), StackArm.from_json(json.loads(stack)).stack, images)
