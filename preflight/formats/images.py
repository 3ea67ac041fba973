"""Image files: header, end-of-stream marker, content hash; with --deep a reduced decode.

Default (no pixel decode): the header gives format and size (Pillow opens lazily), the last
bytes tell whether a JPEG has its end marker and a PNG its IEND chunk, and a blake2b hash of
the bytes finds exact duplicates. With ``deep``: a reduced-size decode of the whole stream
(libjpeg's 1/8 scaling through Pillow's draft mode, so truncation inside the stream raises)
and a 64-bit perceptual hash for near-duplicates.
"""

from __future__ import annotations

import hashlib
import io
import warnings

from ..facts import ImageFacts
from ._fs import FileProblem, read_bounded

__all__ = ["IMAGE_SUFFIXES", "MAX_IMAGE_BYTES", "MAX_PIXELS", "read_image"]

#: Ultralytics' IMG_FORMATS, so the same files count as images.
IMAGE_SUFFIXES = frozenset({"bmp", "dng", "jpeg", "jpg", "mpo", "png", "tif", "tiff", "webp", "pfm", "heic"})
#: Larger files are reported, not read (the largest public aerial tiles are ~200 MB TIFFs).
MAX_IMAGE_BYTES = 512 * 1024 * 1024
#: Pictures declaring more pixels than this are reported as possible decompression bombs and
#: never decoded: 2**28 = 268 M pixels (16384²), 3× Pillow's own warning level (89 M).
MAX_PIXELS = 1 << 28

JPEG_EOI = b"\xff\xd9"
PNG_IEND = b"IEND\xaeB`\x82"


def _orientation(img: object) -> int | None:
    try:
        exif = img.getexif()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a broken EXIF block is not our finding to crash on
        return None
    value = exif.get(0x0112) if exif else None
    return int(value) if isinstance(value, int) and 1 <= value <= 8 else None


def _phash(gray: object) -> int:
    """DCT hash: 32×32 grey, top-left 8×8 DCT coefficients against their median."""
    import cv2
    import numpy as np

    small = cv2.resize(np.asarray(gray, dtype=np.float32), (32, 32), interpolation=cv2.INTER_AREA)
    low = cv2.dct(small)[:8, :8].flatten()
    bits = low > np.median(low[1:])
    return int(np.packbits(bits).view(">u8")[0])


def read_image(path: str, deep: bool = False) -> ImageFacts:
    try:
        data = read_bounded(path, MAX_IMAGE_BYTES)
    except FileProblem as exc:
        return ImageFacts(bytes=0, error=str(exc))
    facts = ImageFacts(bytes=len(data), deep=deep)
    if not data:
        facts.error = "zero-byte file"
        return facts
    facts.sha = hashlib.blake2b(data, digest_size=16).hexdigest()
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # we apply our own bound below, before any decode
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img = Image.open(io.BytesIO(data))
            facts.format, facts.mode = img.format, img.mode
            facts.width, facts.height = img.size
            if facts.format in ("JPEG", "MPO", "TIFF", "WEBP", "PNG"):
                facts.orientation = _orientation(img)
    except Exception as exc:  # noqa: BLE001 - any parser error means "not an image"
        head = data[:16].lstrip().lower()
        kind = "an HTML page" if head.startswith((b"<!doctype", b"<html")) else "not a readable image"
        facts.error = f"{kind} ({type(exc).__name__}: {str(exc)[:80]})"
        return facts
    if facts.format in ("JPEG", "MPO") and JPEG_EOI not in data[-1024:]:
        facts.truncated = "JPEG stream has no end marker (FFD9): the file was cut short"
    elif facts.format == "PNG" and PNG_IEND not in data[-64:]:
        facts.truncated = "PNG has no IEND chunk: the file was cut short"
    if not deep:
        return facts
    w, h = facts.width or 0, facts.height or 0
    if w * h > MAX_PIXELS:
        facts.error = f"declares {w}×{h} pixels (over {MAX_PIXELS / 1e6:.0f} M): possible decompression bomb, not decoded"
        return facts
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img = Image.open(io.BytesIO(data))
            if img.format == "JPEG":
                img.draft("L", (max(1, w // 8), max(1, h // 8)))
            img.load()
            gray = img.convert("L")
        facts.phash = _phash(gray)
    except Exception as exc:  # noqa: BLE001
        facts.truncated = facts.truncated or f"decoding the whole stream failed: {type(exc).__name__}: {str(exc)[:80]}"
    return facts
