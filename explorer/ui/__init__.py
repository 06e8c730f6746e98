"""The Streamlit page, split by panel. The only layer that imports Streamlit, and it never
imports Keras or TensorFlow: the preview runs on the engine, training in a worker process.
"""
