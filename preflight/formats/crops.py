"""Object crops (``--deep``): a perceptual hash of every annotated object, for class confusion.

The image reader calls :func:`hash_crops` on the grey picture it decodes anyway in ``--deep``
mode (one decode for the whole-image hash and the crops). Each box's crop is reduced to 32×32
and hashed like whole images are (DCT, 8×8 low frequencies against their median). Crops too
small or too flat to describe get hash 0 and ``valid`` False.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FORMAT_CODES", "MIN_CROP_PX", "MIN_CROP_STD", "boxes_payload", "hash_crops", "payload_boxes"]

#: a crop must be at least this many pixels a side in the half-size decode (16 in the
#: original): below it a 32×32 resample invents detail and unrelated crops hash alike
MIN_CROP_PX = 8
#: grey-level standard deviation below which a crop is flat (sky, wall): its hash is noise
MIN_CROP_STD = 6.0
#: box formats in a payload
FORMAT_CODES = {"cxcywh_norm": 0, "xyxy_abs": 1, "xywh_abs": 2}


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
    yolo, voc, coco = fmt == 0, fmt == 1, fmt == 2
    out[yolo] = np.stack([b[yolo, 0] - b[yolo, 2] / 2, b[yolo, 1] - b[yolo, 3] / 2,
                          b[yolo, 0] + b[yolo, 2] / 2, b[yolo, 1] + b[yolo, 3] / 2], axis=1)
    out[voc] = np.stack([(b[voc, 0] - 1) / width, (b[voc, 1] - 1) / height, b[voc, 2] / width, b[voc, 3] / height], axis=1)
    out[coco] = np.stack([b[coco, 0] / width, b[coco, 1] / height, (b[coco, 0] + b[coco, 2]) / width,
                          (b[coco, 1] + b[coco, 3]) / height], axis=1)
    return out


def _dct_basis(n: int = 32, k: int = 8) -> np.ndarray:
    """The first ``k`` rows of the orthonormal DCT-II of size ``n`` (what cv2.dct uses)."""
    x = np.arange(n)
    rows = np.cos(np.pi * (2 * x[None, :] + 1) * np.arange(k)[:, None] / (2 * n)) * np.sqrt(2 / n)
    rows[0] /= np.sqrt(2)
    return rows


_BASIS = _dct_basis()


def grid_means(integral: np.ndarray, boxes_px: np.ndarray, cells: int = 32) -> np.ndarray:
    """(n, cells, cells) mean grey of each box cut into a cells × cells grid, from the
    image's integral image (cv2.integral); box corners in whole pixels, all boxes at once."""
    t = np.linspace(0.0, 1.0, cells + 1)
    x0, y0, x1, y1 = (boxes_px[:, i : i + 1] for i in range(4))
    xs = np.rint(x0 + (x1 - x0) * t).astype(np.int64)  # (n, cells + 1) cell edges
    ys = np.rint(y0 + (y1 - y0) * t).astype(np.int64)
    s = integral[ys[:, :, None], xs[:, None, :]]  # (n, cells + 1, cells + 1) sums up to each edge
    sums = s[:, 1:, 1:] - s[:, :-1, 1:] - s[:, 1:, :-1] + s[:, :-1, :-1]
    area = (np.diff(ys, axis=1)[:, :, None] * np.diff(xs, axis=1)[:, None, :]).clip(min=1)
    return sums / area


def dct_hashes(grids: np.ndarray) -> np.ndarray:
    """64-bit hash per grid: the 8×8 lowest DCT frequencies against their median (DC left out)."""
    low = (_BASIS @ grids @ _BASIS.T).reshape(len(grids), 64)  # (8, 32) @ (n, 32, 32) @ (32, 8)
    bits = low > np.median(low[:, 1:], axis=1, keepdims=True)
    return np.packbits(bits, axis=1).view(">u8").ravel().astype(np.uint64)


def hash_crops(gray: np.ndarray, boxes: np.ndarray, integral: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """64-bit DCT hashes of each box's crop of ``gray`` (boxes in fractions of the image)."""
    import cv2

    n = len(boxes)
    hashes = np.zeros(n, np.uint64)
    valid = np.zeros(n, bool)
    if n == 0:
        return hashes, valid
    gh, gw = gray.shape
    if integral is None:
        integral = cv2.integral(gray, sdepth=cv2.CV_64F)
    # nearest pixel edges: a crop one pixel wider shifts the grid and flips hash bits
    px = np.rint(np.clip(np.nan_to_num(boxes), 0, 1) * [gw, gh, gw, gh])
    big = ((px[:, 2] - px[:, 0]) >= MIN_CROP_PX) & ((px[:, 3] - px[:, 1]) >= MIN_CROP_PX)
    if not big.any():
        return hashes, valid
    grids = grid_means(integral, px[big])
    flat = grids.reshape(len(grids), -1).std(axis=1) < MIN_CROP_STD
    keep = np.flatnonzero(big)[~flat]
    if len(keep):
        hashes[keep] = dct_hashes(grids[~flat])
        valid[keep] = True
    return hashes, valid
