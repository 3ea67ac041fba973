"""Image files: header, end-of-stream marker, content hash; with --deep a reduced decode.

Default (no pixel decode): the header gives format and size (Pillow opens lazily), the last
bytes tell whether a JPEG has its end marker and a PNG its IEND chunk, and a blake2b hash of
the bytes finds exact duplicates. With ``deep``: a reduced-size decode of the whole stream
(libjpeg's 1/2 scaling through Pillow's draft mode, so truncation inside the stream raises),
a 64-bit perceptual hash for near-duplicates, and, given the image's boxes as a payload, a
hash of each object's crop from the same decode.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from typing import Literal

import numpy as np

from ..facts import ImageFacts
from ._fs import FileProblem, read_bounded

__all__ = ["IMAGE_SUFFIXES", "MAX_EXPANSION", "MAX_IMAGE_BYTES", "MAX_PIXELS", "expansion_bomb", "read_image"]

#: Ultralytics' IMG_FORMATS, so the same files count as images.
IMAGE_SUFFIXES = frozenset({"bmp", "dng", "jpeg", "jpg", "mpo", "png", "tif", "tiff", "webp", "pfm", "heic"})
#: Larger files are reported, not read (the largest public aerial tiles are ~200 MB TIFFs).
MAX_IMAGE_BYTES = 512 * 1024 * 1024
#: Pictures declaring more pixels than this are reported as possible decompression bombs and
#: never decoded: 2**28 = 268 M pixels (16384²), 3× Pillow's own warning level (89 M).
MAX_PIXELS = 1 << 28
#: A picture over 2**24 pixels (4096²) whose pixels (3 bytes each) would fill more than this
#: many times its file's size is not decoded: deflate expands at most ~1032:1, so only a
#: constant picture built to explode gets there (a 420 kB PNG declaring 12000² RGB decoded to
#: 1.8 GB in 10 s); real photos and label renders measure 2-300:1.
MAX_EXPANSION = 1000
_EXPANSION_FLOOR = 1 << 24


def expansion_bomb(width: int, height: int, nbytes: int) -> str | None:
    """Why decoding this picture would be a decompression bomb, or None."""
    pixels = width * height
    if pixels > MAX_PIXELS:
        return f"declares {width}×{height} pixels (over {MAX_PIXELS / 1e6:.0f} M): possible decompression bomb, not decoded"
    if pixels > _EXPANSION_FLOOR and 3 * pixels > MAX_EXPANSION * max(nbytes, 1):
        return (f"declares {width}×{height} pixels from {nbytes} bytes (over {MAX_EXPANSION}:1): "
                "possible decompression bomb, not decoded")
    return None

JPEG_EOI = b"\xff\xd9"
PNG_IEND = b"IEND\xaeB`\x82"


def _orientation(img: object) -> int | None:
    try:
        exif = img.getexif()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a broken EXIF block is not our finding to crash on
        return None
    value = exif.get(0x0112) if exif else None
    return int(value) if isinstance(value, int) and 1 <= value <= 8 else None


def _phash(integral: np.ndarray, width: int, height: int) -> int:
    """DCT hash of the whole picture: 32×32 mean grey, 8×8 low frequencies against their median."""
    from .crops import dct_hashes, grid_means

    return int(dct_hashes(grid_means(integral, np.asarray([[0, 0, width, height]], np.float64)))[0])


_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_JPEG_MODES = {1: "L", 3: "RGB", 4: "CMYK"}
_PNG_MODES = {(0, 8): "L", (0, 16): "I;16", (2, 8): "RGB", (3, 8): "P", (4, 8): "LA", (6, 8): "RGBA", (2, 16): "RGB", (6, 16): "RGBA"}


def _exif_orientation(app1: bytes) -> int | None:
    """Orientation tag (0x0112) of IFD0 in an APP1 Exif payload, or None."""
    if not app1.startswith(b"Exif\x00\x00") or len(app1) < 14:
        return None
    tiff = app1[6:]
    order: Literal["little", "big"] | None = {b"II": "little", b"MM": "big"}.get(tiff[:2])  # type: ignore[assignment]
    if order is None:
        return None
    ifd = int.from_bytes(tiff[4:8], order)
    if ifd + 2 > len(tiff):
        return None
    for k in range(int.from_bytes(tiff[ifd:ifd + 2], order)):
        e = ifd + 2 + 12 * k
        if e + 12 > len(tiff):
            return None
        if int.from_bytes(tiff[e:e + 2], order) == 0x0112:
            value = int.from_bytes(tiff[e + 8:e + 10], order)
            return value if 1 <= value <= 8 else None
    return None


def _fast_header(data: bytes) -> tuple[str, str, int, int, int | None] | None:
    """(format, mode, width, height, EXIF orientation) of a baseline JPEG or a PNG, read from the
    bytes in a few microseconds; None hands the file to Pillow (other formats, anything odd)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 33:
        w, h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        mode = _PNG_MODES.get((data[25], data[24]))
        if mode is None or w == 0 or h == 0 or b"eXIf" in data[:4096]:
            return None
        return "PNG", mode, w, h, None
    if data[:3] != b"\xff\xd8\xff":
        return None
    i, n, orientation = 2, len(data), None
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if length < 2:
            return None
        if marker == 0xE1 and orientation is None:
            orientation = _exif_orientation(data[i + 4:i + 2 + length])
        elif marker in _SOF:
            if i + 10 > n:
                return None
            h = int.from_bytes(data[i + 5:i + 7], "big")
            w = int.from_bytes(data[i + 7:i + 9], "big")
            mode = _JPEG_MODES.get(data[i + 9])
            if mode is None or w == 0 or h == 0:
                return None
            return "JPEG", mode, w, h, orientation
        elif marker == 0xDA:  # scan data before any frame header: not a JPEG we can trust
            return None
        i += 2 + length
    return None


def read_image(path: str, deep: bool = False, payload: bytes | None = None) -> ImageFacts:
    """Facts of one image file; with ``deep`` and a ``payload`` of boxes, their crops' hashes too."""
    try:
        data = read_bounded(path, MAX_IMAGE_BYTES)
    except FileProblem as exc:
        return ImageFacts(bytes=0, error=str(exc))
    facts = ImageFacts(bytes=len(data), deep=deep)
    if not data:
        facts.error = "zero-byte file"
        return facts
    # SHA-1 of the bytes: only equality matters here (duplicates), and it runs ~1.3× faster
    # than blake2b where the CPU has SHA extensions
    facts.sha = hashlib.sha1(data).hexdigest()
    header = _fast_header(data)
    if header is not None:
        facts.format, facts.mode, facts.width, facts.height, facts.orientation = header
    else:
        _pil_header(data, facts)
        if facts.error:
            return facts
    if facts.format in ("JPEG", "MPO") and JPEG_EOI not in data[-1024:]:
        facts.truncated = "JPEG stream has no end marker (FFD9): the file was cut short"
    elif facts.format == "PNG" and PNG_IEND not in data[-64:]:
        facts.truncated = "PNG has no IEND chunk: the file was cut short"
    if not deep:
        return facts
    return _deep(data, facts, payload)


def _pil_header(data: bytes, facts: ImageFacts) -> None:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # we apply our own bound before any decode
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
        # Pillow names the in-memory file by its address ("<_io.BytesIO object at 0x7f..>"):
        # dropped, so the same file gives the same message on every run
        reason = re.sub(r"\s*<[^<>]* at 0x[0-9a-fA-F]+>", "", str(exc))
        facts.error = f"{kind} ({type(exc).__name__}: {reason[:80]})"


def _deep(data: bytes, facts: ImageFacts, payload: bytes | None) -> ImageFacts:
    import numpy as np
    from PIL import Image

    w, h = facts.width or 0, facts.height or 0
    bomb = expansion_bomb(w, h, len(data))
    if bomb is not None:
        facts.error = bomb
        return facts
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img = Image.open(io.BytesIO(data))
            if img.format == "JPEG":  # libjpeg decodes at 1/2 scale: 2/3 of a full decode's time
                img.draft("L", (max(1, w // 2), max(1, h // 2)))
            img.load()
            gray = np.asarray(img.convert("L"))
        import cv2

        integral = cv2.integral(gray, sdepth=cv2.CV_64F)  # one pass; every hash below reads it
        facts.phash = _phash(integral, gray.shape[1], gray.shape[0])
        if gray.size:
            facts.brightness = round(float(integral[-1, -1]) / gray.size, 3)
        if payload:
            from .crops import hash_crops, payload_boxes

            facts.crop_hashes, facts.crop_valid = hash_crops(gray, payload_boxes(payload, w, h), integral)
    except Exception as exc:  # noqa: BLE001
        facts.truncated = facts.truncated or f"decoding the whole stream failed: {type(exc).__name__}: {str(exc)[:80]}"
    return facts
