"""The preview for a Keras 3 augmentation stack: the stack as code (pasted, imported from a
script, or today's export of the IDG settings), its tiles as Keras computes them, the stack
doctor, and the code to take home.

The stack is read (parsed, never run) from `PageState.stack_text` on every rerun, so the link,
the tiles and the doctor all follow that one text. When the record's IDG settings are active,
the doctor also says what the stack does differently from them (the migration rules).
"""

from __future__ import annotations

import functools
import time
from dataclasses import replace

import numpy as np
import streamlit as st

from ..augment.keras3 import Stack
from ..augment.keras3.render import StackTile, extremes, random_draws, render_tiles
from ..diagnostics.stack_doctor import diagnose_stack
from ..diagnostics.stack_findings import LayerFinding
from ..errors import InputError
from ..interchange.export import exact_layer_code
from ..interchange.keras_stack import ParsedStack, parse_stack
from . import session, widgets
from .engine import engine_switch
from .preview import thumbnail, tint
from .record import MAX_STACK_CHARS, PageState
from .widgets import part_writer

STACK_KEY = "stack_text"


@functools.lru_cache(maxsize=16)
def read_stack(text: str) -> ParsedStack | str:
    """The stack in the text, or why there is none (one line for the user). Cached by the
    text: the preview and the train section read the same stack several times a render, and
    the parsed stack is immutable."""
    if len(text) > MAX_STACK_CHARS:
        return f"the stack is {len(text):,} characters long; this page reads up to {MAX_STACK_CHARS:,}"
    try:
        return parse_stack(text)
    except InputError as error:
        return str(error)


def reproduced(layer) -> bool:
    """Whether the preview reproduces this layer as configured (Resizing's bicubic, area and
    lanczos interpolations and its antialias are not)."""
    check = getattr(layer, "reproduced", None)
    return check is None or bool(check())


def previewed(stack: Stack) -> Stack:
    """The stack the tiles show: its layers the preview reproduces (the others are named)."""
    return Stack(tuple(layer for layer in stack.layers if reproduced(layer)))


def _cases(image: np.ndarray, stack: Stack, state: PageState) -> list:
    """The (label, stack, draws) cases the record asks for: random draws or the extremes."""
    view = state.preview
    if view.view == "extremes":
        return extremes(stack, image.shape)
    return [("", stack, draws) for draws in random_draws(stack, image.shape, view.tiles, view.seed)]


def _tinted(tile: StackTile, state: PageState) -> StackTile:
    return replace(tile, pixels=tint(tile.pixels[None], tile.filled[None])[0]) if state.preview.tint else tile


def make_tiles(image: np.ndarray, stack: Stack, state: PageState, budget_s: float) -> tuple[list[StackTile], int]:
    """The tiles the record asks for (random draws or extremes) and how many were asked."""
    cases = _cases(image, stack, state)
    return render_tiles(image, cases, state.preview.input_range, budget_s, lambda t: _tinted(t, state)), len(cases)


def shown_tiles(
    image: np.ndarray, stack: Stack, state: PageState, budget_s: float
) -> tuple[list[tuple[str, bytes]], int, int]:
    """`make_tiles` as the page sends them: (caption, JPEG at the width the grid shows it),
    each tile shrunk and encoded on the thread that made it; how many were asked; the width."""
    from .workspace import jpeg, tile_side

    cases = _cases(image, stack, state)
    side = tile_side(len(cases))

    def finish(tile: StackTile) -> tuple[str, bytes]:
        return tile.caption, jpeg(thumbnail(_tinted(tile, state).pixels, side))

    return render_tiles(image, cases, state.preview.input_range, budget_s, finish), len(cases), side


def _show_tiles(name: str, image: np.ndarray, tiles: list[tuple[str, bytes]], wanted: int, side: int) -> None:
    from .workspace import jpeg

    with st.container(key="tile_grid"):
        original, grid = st.columns([1, 3], gap="medium")
        original.image(jpeg(image), caption=f"Original: {name}", width="stretch", output_format="JPEG")
        if tiles:
            grid.image(
                [encoded for _, encoded in tiles],
                caption=[caption for caption, _ in tiles],
                width=side,
                output_format="JPEG",
            )
        if len(tiles) < wanted:
            grid.caption(
                f"Showing {len(tiles)} of {wanted} tiles: this stack takes longer per tile than a move should "
                "wait for all of them. These are the first of the same draws; fewer tiles show them all."
            )


def _show_stack_finding(finding: LayerFinding) -> None:
    show = st.warning if finding.severity == "warning" else st.info
    where = finding.where or "general"
    show(f"**{where}** ({finding.severity}): {finding.message}  \nFix: {finding.fix}")


def _controls(state: PageState, parsed: ParsedStack | str) -> None:
    engine_switch(state)
    widgets.text_area(
        st,
        "Your Keras 3 stack",
        key=STACK_KEY,
        shown=state.stack_text,
        write=part_writer("", "stack_text"),
        height=300,
        help="keras.Sequential([...]), a list of layers, or a model whose first layers augment. Read, never run.",
    )
    if isinstance(parsed, str):
        st.error(f"Not read: {parsed}")
        return
    st.caption(f"{len(parsed.layers)} layer(s) read: " + ", ".join(p.layer.layer_name() for p in parsed.layers))
    mixing = sorted({p.layer.layer_name() for p in parsed.layers} & {"MixUp", "CutMix"})
    if mixing:
        st.info(
            f"{' and '.join(mixing)} mix each image with another image of its batch; the preview has one image, "
            "so its tiles show it mixed with itself (unchanged)."
        )
    for item in parsed.layers:
        if not reproduced(item.layer):
            st.warning(f"Line {item.line}: {item.layer.call_text()} is not reproduced here: the tiles leave it out.")


def _take_home(state: PageState, parsed: ParsedStack) -> None:
    st.subheader("Take it home")
    st.code(parsed.stack.code(), language="python")
    if state.config.active_transforms():
        exact, _ = exact_layer_code(state.config)
        st.caption("Your ImageDataGenerator settings, exactly as IDG applies them, as one Keras 3 layer:")
        st.code(exact, language="python")


def stack_workspace(name: str, image: np.ndarray, original: tuple[int, int]) -> None:
    """The Keras 3 preview: the stack's text on the left; its tiles, the doctor and the code."""
    from .workspace import PAINT_PAUSE_S, pipeline_controls, preview_budget, tile_side, view_controls

    state = session.record()
    parsed = read_stack(state.stack_text)
    controls, main = st.columns([1, 3], gap="large")
    with main:
        header = st.container(key="preview")
    tiles, wanted, side = [], 0, tile_side(1)
    if not isinstance(parsed, str):
        tiles, wanted, side = shown_tiles(image, previewed(parsed.stack), state, preview_budget())
    with main:
        _show_tiles(name, image, tiles, wanted, side)
    time.sleep(PAINT_PAUSE_S)  # as the IDG preview: the tiles are drawn before the rest comes
    with header:
        pipeline_controls(state, original, fed_to="the stack")
        view_controls(state)
    with controls, st.container(key="controls"):
        _controls(state, parsed)
    if isinstance(parsed, str):
        session.write_link()
        return
    with main, st.container(key="details"):
        st.subheader("Stack doctor")
        idg = state.config if state.config.active_transforms() else None
        findings = diagnose_stack(parsed, [image], input_range=state.preview.input_range, idg=idg)
        if not findings:
            st.success("The stack doctor has nothing to say about this stack.")
        for finding in findings:
            _show_stack_finding(finding)
        _take_home(state, parsed)
    session.write_link()
