"""Augmentation Explorer: `streamlit run app.py`.

`streamlit run` finds the `st.App` below and serves it: this file is imported once as the
server, whose lifespan starts the job queue before the server answers (runs queued before a
crash or a restart go on with nobody visiting), and is run again as the page script for every
visitor (and by AppTest), with a script run context, which draws the page.
"""

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

if get_script_run_ctx(suppress_warning=True) is None:  # the server
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from explorer.experiments.runs import service

    async def queue_health(_request) -> JSONResponse:
        """200 with the queue's state while it serves runs, 503 otherwise (the Docker health check)."""
        health = service.queue_health()
        return JSONResponse(health.to_json(), status_code=200 if health.up else 503)

    app = st.App(__file__, lifespan=service.lifespan, routes=[Route(service.HEALTH_PATH, queue_health)])
else:  # a visitor's page
    from explorer.ui import page

    st.set_page_config(page_title="Augmentation Explorer", layout="wide")
    page.render_page()
