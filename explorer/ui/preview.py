"""What the preview grid shows: IDG's output for the user's input range, ready to display.

Pure NumPy; the Streamlit page only lays the result out. IDG sees the image as the user's
pipeline feeds it (0..255 as loaded, or 0..1 if the pipeline divides by 255 first), so a
brightness range on 0..1 data shows the black tiles IDG really produces.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import cv2
import numpy as np

from ..augment.config import AugmentConfig, check_input_range
from ..augment.engine import augment_batch
from ..augment.geometry import idg_matrices, outside_mask
from ..augment.sampling import sample_batch, shift_extent

TINT = np.array([255, 0, 255], np.float32)  # magenta: obviously not image content
TINT_ALPHA = 0.55


@dataclass
class Preview:
    tiles: np.ndarray  # N x h x w x C uint8, for display
    params: list[dict]  # what each tile drew
    fill_fractions: np.ndarray  # share of each draw's pixels sampled from outside: every draw asked for, shown or not
    labels: list[str]  # a caption per tile
    wanted: int = 0  # tiles asked for; more than len(tiles) when the budget cut them (`render_within`)
    tile_seconds: float = 0.0  # what the first tile cost, measured (`render_within`)

    @property
    def cut(self) -> bool:
        return self.wanted > len(self.tiles)


def idg_input(image: np.ndarray, input_range: str) -> np.ndarray:
    """The image as the user's pipeline hands it to IDG."""
    check_input_range(input_range)
    return image if input_range == "0-255" else image.astype(np.float32) / 255


def to_display(batch: np.ndarray, config: AugmentConfig, input_range: str) -> np.ndarray:
    """IDG's output on the 0..255 display scale, uint8. Standardized output (mean 0, std 1)
    is stretched per tile; otherwise the scale undoes the input range and rescale."""
    if config.samplewise_center or config.samplewise_std_normalization:
        shown = np.array(batch, dtype=np.float32)
        shown -= shown.min(axis=(1, 2, 3), keepdims=True)
        shown *= 255 / np.maximum(shown.max(axis=(1, 2, 3), keepdims=True), 1e-6)
        return np.clip(shown, 0, 255, out=shown).astype(np.uint8)
    scale = (255.0 if input_range == "0-1" else 1.0) / (config.rescale or 1.0)
    flat = np.ascontiguousarray(batch, dtype=np.float32).reshape(-1, batch.shape[-1])
    # OpenCV's saturating conversion: one multithreaded pass. It takes |x|, so negative
    # values (a negative cval) are zeroed first.
    if flat.size and flat.min() < 0:
        flat = np.maximum(flat, 0)
    return cv2.convertScaleAbs(flat, alpha=scale).reshape(batch.shape)


def fill_masks(params: list[dict], height: int, width: int, shape: tuple[int, int] | None = None) -> np.ndarray:
    """The pixels each tile's fill mode had to invent: N x H x W, or on a coarser grid of
    `shape` (the thumbnail's), sampled at the output pixels nearest its pixel centres."""
    flips = np.array([(bool(p.get("flip_horizontal")), bool(p.get("flip_vertical"))) for p in params]).reshape(-1, 2)
    rows = cols = None
    if shape is not None:
        rows = np.floor((np.arange(shape[0]) + 0.5) * height / shape[0])
        cols = np.floor((np.arange(shape[1]) + 0.5) * width / shape[1])
    return outside_mask(idg_matrices(params, height, width), flips, height, width, rows, cols)


def tint(tiles: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Filled pixels blended with magenta (grey tiles become RGB)."""
    rgb = np.repeat(tiles, 3, axis=-1) if tiles.shape[-1] == 1 else tiles
    out = rgb.astype(np.float32)
    out[masks] = out[masks] * (1 - TINT_ALPHA) + TINT * TINT_ALPHA
    return out.astype(np.uint8)


def caption(params: dict, fill_fraction: float) -> str:
    """One tile's draws, short, in the user's terms: which way content moved, in pixels.

    IDG's tx (height_shift_range) moves content LEFT when positive, ty (width_shift_range)
    moves it UP: the caption reports the movement, not the raw sign."""
    parts = []
    if params.get("theta"):
        parts.append(f"rot {params['theta']:+.1f}°")
    tx, ty = float(params.get("tx", 0)), float(params.get("ty", 0))
    if tx:
        parts.append(f"{abs(tx):.1f} px {'left' if tx > 0 else 'right'}")
    if ty:
        parts.append(f"{abs(ty):.1f} px {'up' if ty > 0 else 'down'}")
    if params.get("shear"):
        shear = params["shear"]
        parts.append(f"shear {shear:+.1f}°" if abs(shear) >= 1 else f"shear {shear:+.2f}°")
    zx, zy = params.get("zx", 1), params.get("zy", 1)
    if zx != 1 or zy != 1:
        parts.append(f"zoom {zx:.2f}/{zy:.2f}")
    flips = "".join(name for key, name in (("flip_horizontal", "H"), ("flip_vertical", "V")) if params.get(key))
    if flips:
        parts.append(f"flip {flips}")
    if params.get("brightness") is not None:
        parts.append(f"bright {params['brightness']:.2f}")
    if params.get("channel_shift_intensity") is not None:
        parts.append(f"shift {params['channel_shift_intensity']:+.2f}")
    parts.append(f"fill {fill_fraction:.0%}")
    return ", ".join(parts)


def render(
    image: np.ndarray,
    config: AugmentConfig,
    params: list[dict],
    input_range: str = "0-255",
    tint_fill: bool = False,
    thumbnail: int | None = None,
    labels: list[str] | None = None,
) -> Preview:
    """Augment one image with the given draws and prepare the tiles for display.

    With `thumbnail`, tiles come back with their longer side at most that size (a
    downscale of IDG's full-size output, `_shrink`), and fill masks are evaluated on the thumbnail grid.
    """
    height, width = image.shape[:2]
    # One float32 copy seen N times (a broadcast view): IDG's flow casts to float32 anyway.
    batch = np.broadcast_to(idg_input(image, input_range).astype(np.float32), (len(params),) + image.shape)
    tiles = to_display(augment_batch(batch, config, params=params), config, input_range)
    size = _thumbnail_size(height, width, thumbnail)
    if size is not None:
        tiles = np.stack([_shrink(tile, size) for tile in tiles])
    masks = fill_masks(params, height, width, size)
    fractions = masks.mean(axis=(1, 2))
    if tint_fill:
        tiles = tint(tiles, masks)
    captions = [caption(p, f) for p, f in zip(params, fractions)]
    if labels is not None:
        captions = [f"{label}: {text}" for label, text in zip(labels, captions)]
    return Preview(tiles, params, fractions, captions)


def _thumbnail_size(height: int, width: int, thumbnail: int | None) -> tuple[int, int] | None:
    """(height, width) of a tile whose longer side is at most `thumbnail` (None: full size)."""
    if not thumbnail or max(height, width) <= thumbnail:
        return None
    scale = thumbnail / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def _shrink(tile: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Downscale of one uint8 H x W x C tile to (height, width): bilinear below 2x, where
    every input pixel still reaches the output (6x faster than OpenCV's area average at a
    non-integer factor: 1 ms against 6.6 for the 3x3 grid's tiles), area average beyond."""
    factor = max(tile.shape[0] / size[0], tile.shape[1] / size[1])
    method = cv2.INTER_LINEAR if factor < 2 else cv2.INTER_AREA
    small = cv2.resize(tile, (size[1], size[0]), interpolation=method)
    return small.reshape(size + (tile.shape[-1],))


def thumbnail(tile: np.ndarray, side: int) -> np.ndarray:
    """One uint8 tile with its longer side at most `side` px (`_shrink`; as it is when smaller)."""
    size = _thumbnail_size(tile.shape[0], tile.shape[1], side)
    return tile if size is None else _shrink(tile, size)


def render_within(
    image: np.ndarray,
    config: AugmentConfig,
    params: list[dict],
    budget_s: float,
    labels: list[str] | None = None,
    clock=time.perf_counter,
    **options,
) -> Preview:
    """`render` of as many of `params`, in order, as fit in `budget_s` seconds (always one):
    the first tile is made and timed, and the rest only as far as that cost allows. A config
    that goes through SciPy (spline orders 2-5, SciPy-only fill modes) on a large image costs
    tens of times a native one (36 tiles of a 512 px image at order 5: about 2.4 s here), and
    a move must never wait for that: the preview says how many it drew (`Preview.cut`). The
    tiles drawn are the same draws the full set starts with."""
    labels = list(labels) if labels is not None else None
    start = clock()
    first = render(image, config, params[:1], labels=labels[:1] if labels else None, **options)
    seconds = max(clock() - start, 1e-9)
    fitting = max(1, min(len(params), int(budget_s / seconds)))
    if fitting > 1:
        rest = render(image, config, params[1:fitting], labels=labels[1:fitting] if labels else None, **options)
        first = Preview(
            np.concatenate([first.tiles, rest.tiles]),
            first.params + rest.params,
            np.concatenate([first.fill_fractions, rest.fill_fractions]),
            first.labels + rest.labels,
        )
    fill = first.fill_fractions
    if fitting < len(params):  # the doctor's share of filled pixels is every draw's, however many are shown
        height, width = image.shape[:2]
        size = _thumbnail_size(height, width, options.get("thumbnail"))
        fill = np.concatenate([fill, fill_masks(params[fitting:], height, width, size).mean(axis=(1, 2))])
    return replace(first, fill_fractions=fill, wanted=len(params), tile_seconds=seconds)


def random_grid(image, config, count, seed, **options) -> Preview:
    """`count` tiles drawn from `seed`, as IDG.flow(..., shuffle=False, seed=seed) would."""
    return render(image, config, sample_batch(config, image.shape, count, seed), **options)


def extremes(config: AugmentConfig, image_shape) -> list[tuple[str, dict]]:
    """Each active transform alone at both ends of its range, as (label, params). A negative
    range draws what its opposite draws, so its ends are the same."""
    height, width = image_shape[:2]
    active = config.active_transforms()
    cases = []

    def both_ends(label: str, key: str, value: float, unit: str = "") -> None:
        cases.extend(
            (f"{label} {sign}{abs(value):g}{unit}", {key: factor * abs(value)})
            for sign, factor in (("-", -1.0), ("+", 1.0))
        )

    if "rotation_range" in active:
        both_ends("rotation", "theta", config.rotation_range, "°")
    for name, key, size in (("height_shift_range", "tx", height), ("width_shift_range", "ty", width)):
        if name in active:
            pixels = shift_extent(getattr(config, name), size)
            cases += [
                (f"{name} {sign}{pixels:.1f} px", {key: factor * pixels}) for sign, factor in (("-", -1.0), ("+", 1.0))
            ]
    if "shear_range" in active:
        both_ends("shear", "shear", config.shear_range, "°")
    if "zoom_range" in active:
        cases += [(f"zoom {z:g}", {"zx": z, "zy": z}) for z in sorted(config.zoom_bounds)]
    if config.horizontal_flip:
        cases.append(("horizontal flip", {"flip_horizontal": 1}))
    if config.vertical_flip:
        cases.append(("vertical flip", {"flip_vertical": 1}))
    if "brightness_range" in active:
        cases += [(f"brightness {b:g}", {"brightness": b}) for b in sorted(config.brightness_range)]
    if "channel_shift_range" in active:
        both_ends("channel shift", "channel_shift_intensity", config.channel_shift_range)
    return cases
