"""Widgets drawn from the record and written back to it (see `session`): each takes where to
draw (`st` or a column), its label, its key, the record's value for it (`shown`) and how
the record takes a new value (`write`), plus the widget's own options.

`part_writer('train', 'epochs', int)` is the usual `write`: one field of one part of the record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from . import session
from .record import PageState, with_part
from .session import Write


def part_writer(part: str, field: str, convert: Callable[[Any], Any] = lambda value: value) -> Write:
    """A `write` that sets `field` of the record's `part` ('' for the record itself)."""

    def write(state: PageState, value: Any) -> PageState:
        if part:
            return with_part(state, part, **{field: convert(value)})
        return replace(state, **{field: convert(value)})

    return write


def _bound(draw: Callable, key: str, shown: Any, write: Write, **kwargs) -> Any:
    session.sync(key, shown)
    return draw(key=key, on_change=session.write_back, args=(key, write), **kwargs)


def slider(where, label: str, low, high, *, key: str, shown, write: Write, **kwargs):
    return _bound(where.slider, key, shown, write, label=label, min_value=low, max_value=high, value=shown, **kwargs)


def number(where, label: str, low, high, *, key: str, shown, write: Write, **kwargs):
    return _bound(
        where.number_input, key, shown, write, label=label, min_value=low, max_value=high, value=shown, **kwargs
    )


def checkbox(where, label: str, *, key: str, shown: bool, write: Write, **kwargs) -> bool:
    return _bound(where.checkbox, key, bool(shown), write, label=label, value=bool(shown), **kwargs)


def text_input(where, label: str, *, key: str, shown: str, write: Write, **kwargs) -> str:
    return _bound(where.text_input, key, shown, write, label=label, value=shown, **kwargs)


def text_area(where, label: str, *, key: str, shown: str, write: Write, **kwargs) -> str:
    return _bound(where.text_area, key, shown, write, label=label, value=shown, **kwargs)


def selectbox(where, label: str, options: Sequence, *, key: str, shown, write: Write, **kwargs):
    options = list(options)
    value = _bound(
        where.selectbox, key, shown, write, label=label, options=options, index=options.index(shown), **kwargs
    )
    return shown if value is None else value


def radio(where, label: str, options: Sequence, *, key: str, shown, write: Write, **kwargs):
    options = list(options)
    value = _bound(where.radio, key, shown, write, label=label, options=options, index=options.index(shown), **kwargs)
    return shown if value is None else value


def segmented(where, label: str, options: Sequence, *, key: str, shown, write: Write, **kwargs):
    """One of `options`, always one (a segmented control that cannot be emptied)."""
    value = _bound(
        where.segmented_control,
        key,
        shown,
        write,
        label=label,
        options=list(options),
        default=shown,
        required=True,
        **kwargs,
    )
    return shown if value is None else value


def show_finding(box, finding) -> None:
    """A config doctor's finding in a box of its severity's colour, saying it in words:
    '**setting** (warning): message', then its fix (the preview's doctor and the train
    section's model findings alike)."""
    show = box.warning if finding.severity == "warning" else box.info
    show(f"**{finding.setting or 'general'}** ({finding.severity}): {finding.message}  \nFix: {finding.fix}")
