"""Bringing what a click produced into view: the message of "Load into the controls" at the
top of the page, a run's progress when it starts and its verdict when it arrives (at 1440 x
900 both were below the fold).

Streamlit has no scrolling of its own: a request (`session.ask_scroll`) is fulfilled once by
a tiny script in the page, drawn only in the run that takes the request, so a later rerun
never scrolls the page again.
"""

from __future__ import annotations

import json

import streamlit as st

from . import session

# Tries for a while: the element it scrolls to may be drawn a moment after the script runs.
_SCRIPT = """<script>/* {count} */ (() => {{
  let tries = 0;
  const go = () => {{
    const target = {selector} ? document.querySelector({selector}) : null;
    if (target) {{
      target.style.scrollMarginTop = "4rem";  /* below Streamlit's header bar, which covers the top */
      target.scrollIntoView({{block: "start", behavior: "instant"}});
      return;
    }}
    if ({selector} === null) {{
      for (const box of [document.querySelector('[data-testid="stMain"]'), document.scrollingElement]) {{
        if (box) box.scrollTo({{top: 0, behavior: "instant"}});
      }}
      return;
    }}
    if (++tries < 40) setTimeout(go, 50);
  }};
  setTimeout(go, 50);
}})();</script>"""


def scroll_here(where: str) -> None:
    """If the page was asked to bring `where` into view ('top', or a keyed container's key),
    do it now, once."""
    count = session.take_scroll(where)
    if count is None:
        return
    selector = "null" if where == "top" else json.dumps(f".st-key-{where}")
    with st.container(key=f"scroll_{where}"):  # display: none (page.PAGE_CSS)
        st.html(_SCRIPT.format(count=count, selector=selector), unsafe_allow_javascript=True)
