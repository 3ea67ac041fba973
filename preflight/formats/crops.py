"""Perceptual hashes (``--deep``): of the whole picture (near-duplicates) and of every annotated
object (class confusion).

The image reader decodes each picture once, reduced (see :func:`decode_scale`), and calls
:func:`hash_picture` on it: the whole picture and every object are hashed together.
Each box is cut into a 32×32 grid of equal cells whose mean grey levels are exact area averages
of the picture (fractional edges included, read off the integral image), and hashed: the 8×8
lowest DCT frequencies against their median. Because the means are area averages, a box that
spans at least :data:`MIN_GRID_PX` decoded pixels a side hashes alike at every decode scale, so
each picture can be decoded at the coarsest scale its boxes allow. Crops too small or too flat
to describe get hash 0 and ``valid`` False.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FORMAT_CODES", "MIN_CROP_PX", "MIN_CROP_STD", "MIN_GRID_PX", "boxes_payload", "decode_scale",
           "dct_hashes", "edge_sums", "grid_means", "hash_crops", "hash_picture", "payload_boxes"]

#: a crop must be at least this many pixels a side in the original picture: below it a 32×32
#: grid invents detail and unrelated crops hash alike
MIN_CROP_PX = 16
#: grey-level standard deviation below which a crop is flat (sky, wall): its hash is noise
MIN_CROP_STD = 6.0
#: a box is hashed from a reduced decode only when it still spans this many decoded pixels a
#: side there: every grid cell then averages whole pixels, and the hash differs from the one of
#: a finer decode by 0-2 of 64 bits (tests/test_deep_speed.py measures it on real crops), far
#: under the 6 bits I107 and D125 allow
MIN_GRID_PX = 32
#: the finest scale of a --deep decode (1/2: libjpeg's half-size IDCT; the hashes need no more)
FINEST = 2
#: the scales libjpeg decodes a JPEG at directly, coarsest first
SCALES = (8, 4, 2)
#: box formats in a payload
FORMAT_CODES = {"cxcywh_norm": 0, "xyxy_abs": 1, "xywh_abs": 2}
_CELLS = 32


def boxes_payload(box_format: str, boxes: np.ndarray) -> bytes:
    """What the engine hands the image reader: the boxes as written, and their format."""
    out = np.empty((len(boxes), 5), np.float64)
    out[:, 0] = FORMAT_CODES[box_format]
    out[:, 1:] = boxes
    return out.tobytes()


def payload_boxes(payload: bytes, width: int, height: int) -> np.ndarray:
    """(n, 4) XYXY corners in fractions of the image, from a payload."""
    raw = np.frombuffer(payload, dtype=np.float64).reshape(-1, 5)
    fmt, b = raw[:, 0], raw[:, 1:]
    out = np.empty_like(b)
    if len(fmt) and (fmt == fmt[0]).all():  # one format per file: no masks to apply
        _to_xyxy(int(fmt[0]), b, out, width, height)
        return out
    for code in FORMAT_CODES.values():
        rows = fmt == code
        if rows.any():
            sub = np.empty((int(rows.sum()), 4))
            _to_xyxy(code, b[rows], sub, width, height)
            out[rows] = sub
    return out


def _to_xyxy(code: int, b: np.ndarray, out: np.ndarray, width: int, height: int) -> None:
    if code == 0:  # YOLO: centre and size, fractions
        half = b[:, 2:] / 2
        out[:, :2] = b[:, :2] - half
        out[:, 2:] = b[:, :2] + half
        return
    scale = np.array([width, height, width, height], np.float64)
    if code == 1:  # VOC: 1-based inclusive corners
        out[:] = b
        out[:, :2] -= 1
    elif code == 2:  # COCO: top-left corner and size
        out[:, :2] = b[:, :2]
        out[:, 2:] = b[:, :2] + b[:, 2:]
    else:
        out[:] = np.nan
    out /= scale


def decode_scale(width: int, height: int, boxes_px: np.ndarray) -> int:
    """The coarsest of 1/8, 1/4, 1/2 at which the picture and every hashable box still span
    :data:`MIN_GRID_PX` decoded pixels a side (1/2 when one of them is smaller than that there)."""
    side = float(min(width, height))
    if len(boxes_px):
        sides = np.minimum(boxes_px[:, 2] - boxes_px[:, 0], boxes_px[:, 3] - boxes_px[:, 1])
        sides = sides[sides >= MIN_CROP_PX]
        if len(sides):
            side = min(side, float(sides.min()))
    for s in SCALES:
        if side >= MIN_GRID_PX * s:
            return s
    return FINEST


def _dct_basis(n: int = 32, k: int = 8) -> np.ndarray:
    """The first ``k`` rows of the orthonormal DCT-II of size ``n`` (what cv2.dct uses)."""
    x = np.arange(n)
    rows = np.cos(np.pi * (2 * x[None, :] + 1) * np.arange(k)[:, None] / (2 * n)) * np.sqrt(2 / n)
    rows[0] /= np.sqrt(2)
    return rows


_BASIS = _dct_basis()
_T = np.linspace(0.0, 1.0, _CELLS + 1)


def edge_sums(integral: np.ndarray, boxes_px: np.ndarray, cells: int = _CELLS) -> np.ndarray:
    """(n, cells + 1, cells + 1) sums of the picture up to every cell edge of each box cut into
    cells × cells equal cells, the picture taken as pixel squares (fractional edges included).

    ``integral`` is the picture's integral image (cv2.integral, float64); box corners are in
    decoded pixels. Inside one pixel the integral of a piecewise-constant picture is bilinear in
    (x, y), so cv2.remap's bilinear interpolation reads it exactly at any edge, all boxes in
    one call."""
    import cv2

    n, e = len(boxes_px), cells + 1
    t = _T if cells == _CELLS else np.linspace(0.0, 1.0, e)
    b = boxes_px
    xs = (b[:, 0:1] + (b[:, 2:3] - b[:, 0:1]) * t).astype(np.float32)  # (n, cells + 1) cell edges
    ys = (b[:, 1:2] + (b[:, 3:4] - b[:, 1:2]) * t).astype(np.float32)
    map_x = np.repeat(xs, e, axis=0)  # row k·e + i, column j: (xs[k, j], ys[k, i])
    map_y = np.repeat(ys.ravel(), e).reshape(n * e, e)
    return cv2.remap(integral, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).reshape(n, e, e)


def _cell_sums(integral: np.ndarray, boxes_px: np.ndarray, cells: int = _CELLS) -> np.ndarray:
    s = edge_sums(integral, boxes_px, cells)
    rows = s[:, 1:, :] - s[:, :-1, :]
    return rows[:, :, 1:] - rows[:, :, :-1]


def grid_means(integral: np.ndarray, boxes_px: np.ndarray, cells: int = _CELLS) -> np.ndarray:
    """(n, cells, cells) mean grey of each box cut into cells × cells equal cells: exact area
    averages (see :func:`edge_sums`)."""
    area = (boxes_px[:, 2] - boxes_px[:, 0]) * (boxes_px[:, 3] - boxes_px[:, 1]) / (cells * cells)
    return _cell_sums(integral, boxes_px, cells) / np.maximum(area, 1e-12).reshape(-1, 1, 1)


def dct_hashes(grids: np.ndarray) -> np.ndarray:
    """64-bit hash per grid: the 8×8 lowest DCT frequencies against their median (DC left out).
    A grid scaled by a positive factor (sums instead of means) hashes the same."""
    n = len(grids)
    # (8, 32) @ grid @ (32, 8) for every grid, as two flat matrix products
    a = (grids.reshape(n * _CELLS, _CELLS) @ _BASIS.T).reshape(n, _CELLS, 8).transpose(1, 0, 2).reshape(_CELLS, n * 8)
    low = (_BASIS @ a).reshape(8, n, 8).transpose(1, 0, 2).reshape(n, 64)
    median = np.partition(low[:, 1:], 31, axis=1)[:, 31:32]  # 63 values: the 32nd is the median
    return np.packbits(low > median, axis=1).view(">u8").ravel().astype(np.uint64)


def hash_picture(integral: np.ndarray, width: int, height: int, boxes_px: np.ndarray,
                 scale: float) -> tuple[int, np.ndarray, np.ndarray]:
    """The hash of a picture decoded at 1/``scale`` (``integral`` of the decode), and each box's
    (XYXY in original pixels, inside the picture) with whether it is usable: at least
    :data:`MIN_CROP_PX` a side and not flat. One grid computation for all of them."""
    n = len(boxes_px)
    hashes = np.zeros(n, np.uint64)
    valid = np.zeros(n, bool)
    px = boxes_px / scale
    big = np.flatnonzero(np.minimum(px[:, 2] - px[:, 0], px[:, 3] - px[:, 1]) >= MIN_CROP_PX / scale)  # NaN: never
    m, c2 = len(big) + 1, _CELLS * _CELLS
    boxes = np.empty((m, 4))
    boxes[0] = (0.0, 0.0, width / scale, height / scale)
    boxes[1:] = px[big]
    sums = _cell_sums(integral, boxes).reshape(m, c2)
    # flat: the cells' mean grey levels vary less than MIN_CROP_STD (the variance from two sums)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) / c2
    mean = sums.sum(axis=1) / c2
    flat = np.einsum("ij,ij->i", sums, sums) / c2 - mean * mean < (MIN_CROP_STD * area) ** 2
    flat[0] = False  # the whole picture is hashed however flat
    codes = dct_hashes(sums[~flat].reshape(-1, _CELLS, _CELLS))
    keep = big[~flat[1:]]
    hashes[keep] = codes[1:]
    valid[keep] = True
    return int(codes[0]), hashes, valid


def hash_crops(gray: np.ndarray, boxes: np.ndarray, integral: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """64-bit DCT hashes of each box's crop of a full-size ``gray`` picture (boxes in fractions of
    the image): the same hashes the reader computes from its reduced decode."""
    import cv2

    if integral is None:
        integral = cv2.integral(gray, sdepth=cv2.CV_64F)
    gh, gw = gray.shape
    _, hashes, valid = hash_picture(integral, gw, gh, np.clip(np.nan_to_num(boxes), 0, 1) * [gw, gh, gw, gh], 1)
    return hashes, valid
