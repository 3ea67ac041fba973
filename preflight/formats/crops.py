"""Object crops (``--deep``): a perceptual hash of every annotated object, for class confusion.

The payload is the image's boxes (normalized XYXY, float32). The image is decoded once at
half size in grey; each box's crop is reduced to 32×32 and hashed like whole images are
(DCT, 8×8 low frequencies against their median). Crops too small or too flat to describe
get hash 0 and ``valid`` False.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._fs import FileProblem, read_bounded
from .images import MAX_IMAGE_BYTES, MAX_PIXELS

__all__ = ["CropFacts", "MIN_CROP_PX", "MIN_CROP_STD", "read_crops"]

#: a crop must be at least this many pixels on each side of the half-size decode (16 in the
#: original): below it a 32×32 resample invents detail and unrelated crops hash alike
MIN_CROP_PX = 8
#: grey-level standard deviation below which a crop is flat (sky, wall): its hash is noise
MIN_CROP_STD = 6.0


@dataclass(slots=True)
class CropFacts:
    hashes: np.ndarray  # uint64, one per box of the payload
    valid: np.ndarray  # bool
    error: str | None = None


def read_crops(path: str, deep: bool, payload: bytes) -> CropFacts:
    import cv2

    boxes = np.frombuffer(payload, dtype=np.float32).reshape(-1, 4)
    n = len(boxes)
    empty = CropFacts(np.zeros(n, np.uint64), np.zeros(n, bool))
    try:
        data = read_bounded(path, MAX_IMAGE_BYTES)
    except FileProblem as exc:
        empty.error = str(exc)
        return empty
    from PIL import Image
    import io

    try:
        w, h = Image.open(io.BytesIO(data)).size
    except Exception:  # noqa: BLE001 - unreadable images are I101's
        empty.error = "not an image"
        return empty
    if w * h > MAX_PIXELS:
        empty.error = "too many pixels to decode"
        return empty
    gray = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_2)
    if gray is None:
        empty.error = "decode failed"
        return empty
    gh, gw = gray.shape
    hashes = np.zeros(n, np.uint64)
    valid = np.zeros(n, bool)
    for k, (x1, y1, x2, y2) in enumerate(np.clip(boxes, 0, 1)):
        a, b = int(x1 * gw), int(y1 * gh)
        c, d = int(np.ceil(x2 * gw)), int(np.ceil(y2 * gh))
        if c - a < MIN_CROP_PX or d - b < MIN_CROP_PX:
            continue
        crop = gray[b:d, a:c].astype(np.float32)
        if crop.std() < MIN_CROP_STD:
            continue
        small = cv2.resize(crop, (32, 32), interpolation=cv2.INTER_AREA)
        low = cv2.dct(small)[:8, :8].flatten()
        bits = low > np.median(low[1:])
        hashes[k] = np.packbits(bits).view(">u8")[0]
        valid[k] = True
    return CropFacts(hashes, valid)
