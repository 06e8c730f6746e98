"""The browser session: where the page's record (`record.PageState`) lives between reruns,
and the only module that reads or writes `st.session_state` (a test checks it).

Streamlit forgets the value of a widget that a run does not draw (its section closed; its
"Understanding widget behavior"), so no value lives in a widget alone. The record is the
truth; a widget is a view of it: drawn with the record's value and a key, and written back in
its `on_change` callback (`write_back`). While a widget stays on the page its value and the
record agree, and nothing is sent back to the browser: a value set from the server could
undo a move made since. Only when something else changed the record (a preset, an import,
a reload) is the widget's value set from the record before it is drawn (`sync`). A widget
that comes back after a run without it starts from the record's value, its default.

Besides the record, the session holds what is not the page's state: messages to show once,
the script doctor's last report, the check of an uploaded model file, and the widgets'
own values (uploaded files among them).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import streamlit as st

from .link import query_from_record, record_from_query
from .record import PageState, with_part

RECORD = "page"  # the PageState
_MESSAGES = "messages"  # {where: [(kind, text), ...]}, each shown once
_FULL_RERUN = "full_rerun"  # asked for by a callback inside the preview's fragment
_SCRIPT_REPORT = "script_report"  # (name, ScriptReport or the reason it could not be read)
_MODEL_CHECK = "model_check"  # (upload file id, ModelRef or None, caption)
_SCROLL = "scroll"  # (where to bring into view, a counter), pending until the page draws it

Write = Callable[[PageState, Any], PageState]


def record() -> PageState:
    """The page's record (the defaults before the session's first run)."""
    return st.session_state.get(RECORD) or PageState()


def put(state: PageState) -> None:
    st.session_state[RECORD] = state


def change(part: str, **changes: Any) -> None:
    """Change fields of one part of the record ('image', 'preview', 'train')."""
    put(with_part(record(), part, **changes))


def start() -> list[str]:
    """On a session's first run, the record from the link; returns what in the link was not
    usable (nothing on later runs)."""
    if RECORD in st.session_state:
        return []
    state, problems = record_from_query(st.query_params.to_dict())
    put(state)
    return problems


def write_link() -> None:
    """The record in the address bar (only when it changed: each write is a message to the browser)."""
    query = query_from_record(record())
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)


def owner(create: bool = False) -> str | None:
    """This browser session's owner id, made on first need when `create` (its runs are its
    own; the link keeps it, so a reload still shows them)."""
    state = record()
    if create and not state.owner:
        put(replace(state, owner=secrets.token_urlsafe(12)))
    return record().owner


# -- widgets as views of the record ---------------------------------------------------------


def sync(key: str, shown: Any) -> None:
    """Before widget `key` is drawn: if it is on the page with a value other than the
    record's `shown` (the record was changed another way), set it to the record's."""
    state = st.session_state
    if key in state and _plain(state[key]) != _plain(shown):
        state[key] = shown


def write_back(key: str, write: Write) -> None:
    """A widget's `on_change`: the record takes its new value through `write`. A value the
    record refuses (IDG would refuse the config) is named, and the widget goes back to the
    record's value in the run that follows."""
    value = st.session_state.get(key)
    if value is None:  # a choice emptied (none of the page's can be): the record keeps its own
        return
    try:
        put(write(record(), value))
    except (ValueError, TypeError) as error:
        say("error", f"Not applied: {error}")


def widget_value(key: str, default: Any = None) -> Any:
    """What widget `key` holds (an uploader: its files), read in callbacks and for uploads."""
    return st.session_state.get(key, default)


def forget_widget(key: str) -> None:
    """Drop a widget's value (an upload the user removed on another section, say)."""
    st.session_state.pop(key, None)


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# -- what is shown once, and what a fragment asks of the page ----------------------------------


def say(kind: str, text: str, where: str = "page") -> None:
    """A message (kind: 'info', 'success', 'warning' or 'error') shown once, at `where`: the
    top of the page, or a named place ('paste', 'add_seeds')."""
    messages = st.session_state.setdefault(_MESSAGES, {})
    messages.setdefault(where, []).append((kind, text))


def take_messages(where: str = "page") -> list[tuple[str, str]]:
    return st.session_state.get(_MESSAGES, {}).pop(where, [])


def ask_full_rerun() -> None:
    """From a callback inside a fragment whose change shows outside it (another section)."""
    st.session_state[_FULL_RERUN] = True


def full_rerun_asked() -> bool:
    return bool(st.session_state.pop(_FULL_RERUN, False))


def ask_scroll(where: str) -> None:
    """Bring a place into view in the run that draws it next: 'top' (the page's messages) or
    a keyed container's key (the current run's progress, then its verdict)."""
    count = st.session_state.get(_SCROLL, ("", 0))[1]
    st.session_state[_SCROLL] = (where, count + 1, True)


def take_scroll(where: str) -> int | None:
    """A pending request to bring `where` into view: its number (new each time), once."""
    pending = st.session_state.get(_SCROLL)
    if not pending or pending[0] != where or not pending[2]:
        return None
    st.session_state[_SCROLL] = (where, pending[1], False)
    return pending[1]


# -- what is derived from uploads and texts, kept until the next one --------------------------


def script_report() -> tuple[str, object] | None:
    """The script doctor's last reading: (name, ScriptReport or the reason it could not be read)."""
    return st.session_state.get(_SCRIPT_REPORT)


def keep_script_report(name: str, report: object) -> None:
    st.session_state[_SCRIPT_REPORT] = (name, report)


def model_check() -> tuple | None:
    """The check of the uploaded model file: (file id, ModelRef or None, caption)."""
    return st.session_state.get(_MODEL_CHECK)


def keep_model_check(check: tuple) -> None:
    st.session_state[_MODEL_CHECK] = check
