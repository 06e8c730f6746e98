"""The script doctor on the page: a training script or notebook, pasted or uploaded, read
(parsed, never run) for the mistakes that make augmentation hurt. Each ImageDataGenerator
call found is listed with what the config doctor says about it, and loads into the controls
in one click.
"""

from __future__ import annotations

import streamlit as st

from ..diagnostics.findings import rescale_text
from ..diagnostics.script import ScriptFinding, ScriptReport
from ..diagnostics.stack_doctor import StackReport
from . import session, widgets
from .actions import (
    SCRIPT_TEXT_KEY,
    SCRIPT_UPLOAD_KEY,
    check_pasted_script,
    check_uploaded_script,
    load_call,
    load_stack,
)
from .widgets import part_writer


def _where(finding_or_call) -> str:
    line = f"line {finding_or_call.line}"
    return line if finding_or_call.cell is None else f"cell {finding_or_call.cell}, {line}"


def _written(name: str, value) -> str:
    """An argument as a user would have written it (rescale=1/255, not 0.00392156862745098)."""
    if name == "rescale" and isinstance(value, float) and value:
        return rescale_text(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(repr, value)) + "]"
    return repr(value)


def _show_finding(finding: ScriptFinding, box=st) -> None:
    """A warning in a yellow box, a note in a blue one, each saying which it is in words."""
    warning = finding.severity == "warning"
    show = box.warning if warning else box.info
    show(
        f"**{'Warning' if warning else 'Note'}** · {_where(finding)} · `{finding.code}`  \n{finding.message}  \n"
        f"Fix: {finding.fix}"
    )


def _show_calls(report: ScriptReport) -> None:
    by_line = {}
    for finding in report.findings:
        if finding.code.startswith("config:"):
            by_line.setdefault((finding.cell, finding.line), []).append(finding)
    for index, call in enumerate(report.calls):
        settings = ", ".join(f"{name}={_written(name, value)}" for name, value in call.kwargs.items())
        settings += "".join(f", {name}=…" for name in call.unreadable)
        with st.container(border=True):
            text, button = st.columns([4, 1], vertical_alignment="center")
            text.markdown(
                f"**{_where(call).capitalize()}**: `{call.target or '(not assigned)'} = "
                f"ImageDataGenerator({settings.lstrip(', ')})`"
            )
            button.button(
                "Load into the controls",
                key=f"load_call_{index}",
                on_click=load_call,
                args=(index,),
                disabled=call.config is None,
                help="Set every control to this call's settings; the preview and doctor follow.",
            )
            if call.error:
                st.error(f"ImageDataGenerator refuses it: {call.error}")
            if call.unreadable:
                st.caption(
                    "Not read (the script is never run): "
                    + "; ".join(f"{name}: {why}" for name, why in call.unreadable.items())
                )
            notes = by_line.get((call.cell, call.line), [])
            if notes:
                with st.expander(f"What the config doctor says about it ({len(notes)})"):
                    for finding in notes:
                        _show_finding(finding)


def script_uploader(where=st):
    return where.file_uploader(
        "Upload a script or notebook",
        type=["py", "ipynb"],
        key=SCRIPT_UPLOAD_KEY,
        on_change=check_uploaded_script,
        help="Up to 1 MB.",
    )


def script_panel() -> None:
    """Paste or upload a script; its findings, and its IDG calls to load."""
    st.subheader("Script doctor")
    st.caption(
        "Paste a training script, or upload a .py or .ipynb: it is read, never run. It finds every "
        "ImageDataGenerator call and how its images are used (validation data augmented, pixels scaled "
        "twice, another model's preprocess_input, featurewise settings never fit, shuffled predictions, "
        "image/mask pairs out of step), and a Keras 3 augmentation stack with what its layers really do."
    )
    upload, paste = st.columns(2)
    script_uploader(upload)
    widgets.text_area(
        paste,
        "Or paste a script",
        key=SCRIPT_TEXT_KEY,
        shown=session.record().script_text,
        write=part_writer("", "script_text"),
        height=140,
    )
    paste.button("Check the script", key="check_script", on_click=check_pasted_script)
    result = session.script_report()
    if result is None:
        return
    name, report = result
    if isinstance(report, str):
        st.error(f"{name}: {report}")
        return
    script_level = [finding for finding in report.findings if not finding.code.startswith("config:")]
    calls, warnings = len(report.calls), sum(finding.severity == "warning" for finding in script_level)
    notes = len(script_level) - warnings
    st.markdown(
        f"**{name}**: {calls} ImageDataGenerator call{'s' if calls != 1 else ''}; in the script "
        f"{warnings} warning{'s' if warnings != 1 else ''} and {notes} note{'s' if notes != 1 else ''}."
    )
    if not script_level:
        st.success("No script-level mistake found (the calls' own settings are below).")
    for finding in script_level:
        _show_finding(finding)
    _show_calls(report)
    if report.stack is not None:
        _show_stack(report.stack)


def _show_stack(stack: StackReport) -> None:
    """The script's Keras 3 stack: its layers, the stack doctor's findings line by line, and
    a button that loads it into the preview."""
    parsed = stack.parsed
    with st.container(border=True):
        text, button = st.columns([4, 1], vertical_alignment="center")
        names = ", ".join(item.layer.layer_name() for item in parsed.layers)
        text.markdown(f"**Keras 3 stack, {stack.where(parsed.line)}**: `{parsed.name or parsed.form}` = {names}")
        button.button(
            "Load into the preview",
            key="load_stack",
            on_click=load_stack,
            help="Preview this stack as Keras computes it; its doctor and code follow.",
        )
        warnings = sum(finding.severity == "warning" for finding in stack.findings)
        st.caption(f"The stack doctor: {warnings} warning(s), {len(stack.findings) - warnings} note(s).")
        for finding in stack.findings:
            warning = finding.severity == "warning"
            (st.warning if warning else st.info)(
                f"**{'Warning' if warning else 'Note'}** · {stack.where(finding.line)}"
                + (f" · {finding.layer}" if finding.layer else "")
                + f" · `{finding.code}`  \n{finding.message}  \nFix: {finding.fix}"
            )
