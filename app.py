"""Augmentation Explorer: `streamlit run app.py`."""

import streamlit as st

from explorer import ui

st.set_page_config(page_title="Augmentation Explorer", layout="wide")
ui.render_page()
