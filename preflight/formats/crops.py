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


def hash_crops(gray: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """64-bit DCT hashes of each box's crop of ``gray`` (boxes in fractions of the image)."""
    import cv2

    n = len(boxes)
    hashes = np.zeros(n, np.uint64)
    valid = np.zeros(n, bool)
    gh, gw = gray.shape
    lows, keep = [], []
    for k, (x1, y1, x2, y2) in enumerate(np.clip(np.nan_to_num(boxes), 0, 1)):
        # nearest pixel edges: a crop one pixel wider shifts the resample and flips hash bits
        a, b, c, d = (int(v) for v in np.rint([x1 * gw, y1 * gh, x2 * gw, y2 * gh]))
        if c - a < MIN_CROP_PX or d - b < MIN_CROP_PX:
            continue
        small = cv2.resize(gray[b:d, a:c], (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
        if cv2.meanStdDev(small)[1][0, 0] < MIN_CROP_STD:
            continue
        lows.append(cv2.dct(small)[:8, :8].ravel())
        keep.append(k)
    if keep:
        low = np.stack(lows)
        bits = low > np.median(low[:, 1:], axis=1, keepdims=True)
        hashes[keep] = np.packbits(bits, axis=1).view(">u8").ravel()
        valid[keep] = True
    return hashes, valid
