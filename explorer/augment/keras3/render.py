"""A Keras 3 stack's tiles: random draws or each layer at its extremes, the pixels each tile
filled from outside the image, and the values on the display scale.

The stack is fed the image as the user's pipeline feeds it (0..255 as loaded, or 0..1), and
its output is shown on 0..255 through the range the stack's Rescaling layers lead to, so a
RandomBrightness told value_range=(0, 255) on 0..1 data shows the white or black tiles Keras
really gives.
"""

from __future__ import annotations

import dataclasses
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .base import Draw, KerasLayer, NoDraw, Stack

_POOL: ThreadPoolExecutor | None = None
EXTREME_DRAWS = 400  # draws per layer the extremes are picked from (the lowest and the highest)


@dataclass(frozen=True)
class StackTile:
    """One tile: the stack's output for display (uint8), what each layer drew, the pixels the
    warps took from outside the image (H x W bool, the tile's size) and their share, and the
    caption."""

    pixels: np.ndarray
    draws: tuple[Draw, ...]
    filled: np.ndarray
    fill_fraction: float
    caption: str


def range_after(layers: tuple[KerasLayer, ...], low: float, high: float) -> tuple[float, float]:
    """The range data in low..high spans after these layers: Rescaling maps it (scale x +
    offset, the first channel's when per channel); the other layers keep it."""
    for layer in layers:
        if layer.layer_name() == "Rescaling":
            scale = float(np.ravel(np.asarray(layer.scale, dtype=float))[0])
            offset = float(np.ravel(np.asarray(layer.offset, dtype=float))[0])
            low, high = sorted((low * scale + offset, high * scale + offset))
    return low, high


def stack_input(image: np.ndarray, input_range: str) -> np.ndarray:
    """The image (0..255) as the pipeline feeds the stack: float32 in 0..255 or 0..1."""
    out = np.asarray(image, dtype=np.float32)
    return out if input_range == "0-255" else out / np.float32(255)


def to_display(out: np.ndarray, low: float, high: float) -> np.ndarray:
    """Stack output on the 0..255 display scale (low..high maps to 0..255), uint8."""
    span = (high - low) or 1.0
    shown = (out.astype(np.float32) - np.float32(low)) * np.float32(255 / span)
    return np.clip(shown, 0, 255).astype(np.uint8)


def _mask_layer(layer: KerasLayer) -> KerasLayer | None:
    """The layer as it moves a mask of ones: warps fill with 0, crops and flips move it, the
    others (colour, blur...) leave it."""
    if hasattr(layer, "fill_mode"):
        return dataclasses.replace(layer, fill_mode="constant", fill_value=0.0)
    if layer.layer_name() in ("RandomFlip", "RandomCrop", "CenterCrop", "Resizing"):
        return layer
    return None


def filled(stack: Stack, draws: tuple[Draw, ...], height: int, width: int) -> np.ndarray:
    """Which output pixels the warps took from outside the image, for these draws (H x W bool)."""
    mask = np.ones((height, width, 1), dtype=np.float32)
    for layer, draw in zip(stack.layers, draws, strict=True):
        moved = _mask_layer(layer)
        if moved is not None:
            mask = moved.apply(mask, draw)
    return mask[..., 0] < 0.5


def caption(draws: tuple[Draw, ...], fill_fraction: float, label: str = "") -> str:
    """A tile's caption: each layer's draw in words, and the filled share."""
    parts = [draw.caption() for draw in draws if not isinstance(draw, NoDraw) and draw.caption()]
    parts.append(f"fill {fill_fraction:.0%}")
    text = ", ".join(parts)
    return f"{label}: {text}" if label else text


def tile(image: np.ndarray, stack: Stack, draws: tuple[Draw, ...], input_range: str, label: str = "") -> StackTile:
    """The stack applied with these draws to one image (0..255, H x W x C)."""
    out = stack.replay(stack_input(image, input_range), draws)
    low, high = range_after(stack.layers, *((0.0, 255.0) if input_range == "0-255" else (0.0, 1.0)))
    mask = filled(stack, draws, *image.shape[:2])
    fraction = float(mask.mean())
    return StackTile(to_display(out, low, high), draws, mask, fraction, caption(draws, fraction, label))


def random_draws(stack: Stack, image_shape, count: int, seed: int) -> list[tuple[Draw, ...]]:
    """`count` draws of the whole stack for an image of this shape (the same seed, the same
    draws). Only layers that may change the size are applied (to a blank), for the size the
    next layer draws for."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        shape, draws = tuple(image_shape), []
        for layer in stack.layers:
            draw = layer.draw(rng, shape[0], shape[1])
            if not _keeps_size(layer):
                shape = layer.apply(np.zeros(shape, dtype=np.float32), draw).shape
            draws.append(draw)
        out.append(tuple(draws))
    return out


def _keeps_size(layer: KerasLayer) -> bool:
    """Warps and pixel layers return an image of the size they were given."""
    return hasattr(layer, "fill_mode") or hasattr(layer, "value_range") or layer.layer_name() == "RandomFlip"


def _first_number(draw: Draw) -> float | None:
    """The draw's first value when it is a number (a flag is not: it is shown 'on')."""
    for field in dataclasses.fields(draw):
        value = getattr(draw, field.name)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    return None


def extremes(stack: Stack, image_shape) -> list[tuple[str, Stack, tuple[Draw, ...]]]:
    """Each drawing layer alone at its two extremes, as IDG's extremes view shows each setting
    alone: the lowest and the highest of EXTREME_DRAWS draws of its first value (a flip or a
    switch: one draw that is on). The layers that draw nothing (Rescaling, Resizing...) stay
    in, the other drawing layers are left out. (label, sub-stack, draws) triples; empty when
    no layer draws."""
    rng = np.random.default_rng(0)
    blank = np.zeros(image_shape, dtype=np.float32)
    idle = [isinstance(layer.draw(rng, *image_shape[:2]), NoDraw) for layer in stack.layers]
    cases = []
    for index, layer in enumerate(stack.layers):
        if idle[index]:
            continue
        before = Stack(tuple(other for i, other in enumerate(stack.layers[:index]) if idle[i]))
        height, width = before.run(blank, rng)[0].shape[:2]
        samples = [layer.draw(rng, height, width) for _ in range(EXTREME_DRAWS)]
        values = [_first_number(draw) for draw in samples]
        if any(value is None for value in values):
            picked = [("on", next((d for d in samples if _is_on(d)), samples[0]))]
        else:
            picked = [("low", samples[int(np.argmin(values))]), ("high", samples[int(np.argmax(values))])]
        alone = Stack(tuple(other for i, other in enumerate(stack.layers) if i == index or idle[i]))
        for end, draw in picked:
            draws = tuple(draw if i == index else NoDraw() for i in range(len(stack.layers)) if i == index or idle[i])
            cases.append((f"{layer.layer_name()} {end}", alone, draws))
    return cases


def _is_on(draw: Draw) -> bool:
    """A draw that changes something: any of its flags set (a flip, a switch that applies)."""
    return any(getattr(draw, field.name) is True for field in dataclasses.fields(draw))


def pool() -> ThreadPoolExecutor:
    """Threads for the tiles after the first (OpenCV and NumPy release the GIL in their loops)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="tiles")
    return _POOL


def render_tiles(
    image: np.ndarray,
    cases: list[tuple[str, Stack, tuple[Draw, ...]]],
    input_range: str = "0-255",
    budget_s: float | None = None,
    finish=None,
) -> list:
    """Tiles for these (label, stack, draws) cases, in order, made on the tile threads, until
    `budget_s` seconds are spent (the first tile is always kept; what is still queued then is
    dropped). `finish(tile)`, when given, runs on the same thread after each tile (the page
    shrinks and encodes it there) and its result is returned instead of the tile."""

    def make(case):
        made = tile(image, case[1], case[2], input_range, case[0])
        return made if finish is None else finish(made)

    start = time.perf_counter()
    futures = [pool().submit(make, case) for case in cases]
    out = []
    for index, future in enumerate(futures):
        out.append(future.result())
        if budget_s is not None and time.perf_counter() - start > budget_s:
            for late in futures[index + 1 :]:
                late.cancel()
            break
    return out
