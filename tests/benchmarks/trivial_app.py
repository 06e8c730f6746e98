"""The framework's floor for the latency benchmark: a slider, a button that redraws (as the
explorer's "New samples"), and one small image."""

import numpy as np
import streamlit as st

if "draws" not in st.session_state:
    st.session_state.draws = 0


def redraw() -> None:
    st.session_state.draws += 1


value = st.slider("value", 0, 100, 0, key="value")
st.button("New samples", key="new_samples", on_click=redraw)
shade = (value * 2 + st.session_state.draws * 37) % 256
st.image(np.full((64, 64, 3), shade, np.uint8), caption="original")
st.image(np.full((64, 64, 3), 255 - shade, np.uint8), caption=f"tile {value}")
