"""The framework's floor for the latency benchmark: a slider and one small image."""

import numpy as np
import streamlit as st

value = st.slider("value", 0, 100, 0, key="value")
st.image(np.full((64, 64, 3), value * 2, np.uint8), caption="original")
st.image(np.full((64, 64, 3), 255 - value * 2, np.uint8), caption=f"tile {value}")
