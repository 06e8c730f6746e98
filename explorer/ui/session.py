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

Besides the record, the session holds what is not the page's state: who the visitor is
(`visitor`), messages to show once, the script doctor's last report, the check of an uploaded
model file, and the widgets' own values (uploaded files among them).

Who the visitor is never comes from the link. With sign-in configured (an `[auth]` section in
.streamlit/secrets.toml: Streamlit's own OpenID Connect sign-in, `st.login` / `st.user`), the
owner id is the signed-in user's (`folders.owner_from_identity`), the same from any browser.
Without it (a laptop), the browser's id is made here on its first visit and kept in a
cookie (`OWNER_COOKIE`, SameSite=Strict, path=/, set by a one-line script: Streamlit reads
cookies, `st.context.cookies`, but has no call to set one), so a reload or a new tab of the
same browser shows its runs.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import streamlit as st

from ..errors import InputError
from ..experiments.runs.folders import OWNER_ID, owner_from_identity
from ..experiments.runs.folders import may_change as may_change_run
from .link import query_from_record, record_from_query
from .record import PageState, Visitor, with_part

RECORD = "page"  # the PageState
_MESSAGES = "messages"  # {where: [(kind, text), ...]}, each shown once
_FULL_RERUN = "full_rerun"  # asked for by a callback inside the preview's fragment
_SCRIPT_REPORT = "script_report"  # (name, ScriptReport or the reason it could not be read)
_MODEL_CHECK = "model_check"  # (upload file id, ModelRef or None, caption)
_SCROLL = "scroll"  # (where to bring into view, a counter), pending until the page draws it
OWNER = "owner"  # without sign-in: this browser's owner id (from its cookie, or made here)
_SIGN_IN = "sign_in_configured"  # whether the server has sign-in configured, read once per session
OWNER_COOKIE = "augment_owner"
_COOKIE_DAYS = 365
_COOKIE_SCRIPT = """<script>document.cookie = {cookie};</script>"""

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
    state, problems = record_from_query(st.query_params.to_dict(), visitor().owner)
    put(state)
    return problems


def write_link() -> None:
    """The record in the address bar (only when it changed: each write is a message to the browser)."""
    query = query_from_record(record())
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)


def sign_in_configured() -> bool:
    """Whether the operator configured sign-in: an `[auth]` section in the secrets."""
    if _SIGN_IN not in st.session_state:
        try:
            configured = bool(st.secrets.get("auth"))
        except (FileNotFoundError, KeyError, ValueError):  # no secrets file (FileNotFoundError's subclass)
            configured = False
        st.session_state[_SIGN_IN] = configured
    return st.session_state[_SIGN_IN]


def visitor() -> Visitor:
    """Who is at the page: the signed-in user on a server with sign-in (nobody until they
    sign in), else this browser (the id its cookie brought, or a new one)."""
    if sign_in_configured():
        user = st.user
        subject = user.get("sub")
        if not user.get("is_logged_in") or not subject:
            return Visitor(sign_in=True)
        name = next(
            (str(user[claim]) for claim in ("name", "email", "preferred_username") if user.get(claim)), str(subject)
        )
        return Visitor(owner_from_identity(str(user.get("iss", "")), str(subject)), sign_in=True, name=name)
    if OWNER not in st.session_state:
        kept = _owner_cookie()
        st.session_state[OWNER] = kept if OWNER_ID.fullmatch(kept) else secrets.token_urlsafe(12)
    return Visitor(st.session_state[OWNER])


def _owner_cookie() -> str:
    """The owner id cookie the browser sent when the session began ('' without one)."""
    kept = st.context.cookies.get(OWNER_COOKIE, "")
    return kept if isinstance(kept, str) else ""  # (AppTest has no browser: not a string there)


def owner(create: bool = False) -> str | None:
    """The visitor's owner id (None: nobody is signed in on a server with sign-in); with
    `create`, for a run about to be submitted, InputError instead of None."""
    who = visitor()
    if create and who.owner is None:
        raise InputError("Sign in to train: on this server runs belong to the signed-in user.")
    return who.owner


def may_change(run_owner: str) -> bool:
    """Whether the visitor may stop or add seeds to a run owned by `run_owner`: only its
    owner (a run with no owner recorded: only on a server without sign-in)."""
    return may_change_run(run_owner, visitor().owner, unowned=not sign_in_configured())


def keep_owner_cookie() -> None:
    """Without sign-in: the script that keeps the browser's id in its cookie (drawn in each
    full run until the browser sends the cookie back)."""
    who = visitor()
    if who.sign_in or who.owner is None or _owner_cookie() == who.owner:
        return
    cookie = f"{OWNER_COOKIE}={who.owner}; path=/; max-age={_COOKIE_DAYS * 86400}; SameSite=Strict"
    with st.container(key="owner_cookie"):  # display: none (page.PAGE_CSS)
        st.html(_COOKIE_SCRIPT.format(cookie=json.dumps(cookie)), unsafe_allow_javascript=True)


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
    top of the page, or a named place ('paste', 'add_seeds:RUN_ID')."""
    messages = st.session_state.setdefault(_MESSAGES, {})
    messages.setdefault(where, []).append((kind, text))


def has_messages(where: str) -> bool:
    """Whether messages wait at `where` (without taking them)."""
    return bool(st.session_state.get(_MESSAGES, {}).get(where))


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
