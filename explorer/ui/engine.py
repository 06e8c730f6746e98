"""Which engine the preview augments with: ImageDataGenerator's settings or a Keras 3 stack.
The first switch to Keras 3 fills the stack in with what today's export writes for the IDG
settings, so the migration a user would make is what they see first.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from ..augment.config import AugmentConfig
from ..interchange.export import keras_layers_code
from . import widgets
from .record import ENGINES, PageState

# Keras's own tutorial stack: what the text area starts with when there are no IDG settings.
STARTER = """import keras

data_augmentation = keras.Sequential([
    keras.layers.RandomFlip("horizontal"),
    keras.layers.RandomRotation(0.1),
    keras.layers.RandomZoom(0.1),
])
"""


def starter_stack(config: AugmentConfig) -> str:
    """The stack the text area starts with: what today's export writes for the IDG settings
    (the migration a user would make), or Keras's tutorial stack when none is active."""
    if not config.active_transforms():
        return STARTER
    code, _ = keras_layers_code(config)
    return code


def write_engine(state: PageState, engine: str) -> PageState:
    """Switch the preview's engine; the first switch to Keras 3 fills the stack in."""
    state = replace(state, engine=engine)
    if engine == "keras3" and not state.stack_text.strip():
        state = replace(state, stack_text=starter_stack(state.config))
    return state


def engine_switch(state: PageState) -> None:
    """ImageDataGenerator or Keras 3 layers: what the preview, the doctor and the export use."""
    widgets.segmented(
        st,
        "Augment with",
        list(ENGINES),
        key="engine",
        shown=state.engine,
        write=write_engine,
        format_func=ENGINES.get,
        help="Keras 3 layers: paste your keras.Sequential([...]) of augmentation layers and see what Keras makes.",
    )
