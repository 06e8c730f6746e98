"""Augmentation Explorer: `streamlit run app.py`."""

import streamlit as st

from explorer.ui import page

st.set_page_config(page_title="Augmentation Explorer", layout="wide")
page.render_page()
