"""Which engine the preview augments with: ImageDataGenerator's settings or a Keras 3 stack.
The first switch to Keras 3 fills the stack in (`record.write_engine`).
"""

from __future__ import annotations

import streamlit as st

from . import widgets
from .record import ENGINES, PageState, write_engine


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
