"""Image files: header, end-of-stream marker, content hash; with --deep a reduced decode.

Default (no pixel decode): the header gives format and size (Pillow opens lazily), the last
bytes tell whether a JPEG has its end marker and a PNG its IEND chunk, and a blake2b hash of
the bytes finds exact duplicates. With ``deep``: a reduced-size decode of the whole stream
(a JPEG through libjpeg's scaled IDCT in cv2.imdecode, at the coarsest of 1/8, 1/4, 1/2 that
the picture's boxes allow; the entropy decode reads every byte, so a stream cut short or
missing data inside is found), a 64-bit perceptual hash for near-duplicates, and, given the
image's boxes as a payload, a hash of each object's crop from the same decode.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import threading
import warnings
from contextlib import suppress
from typing import Any, Literal

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


_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_JPEG_MODES = {1: "L", 3: "RGB", 4: "CMYK"}
#: (IHDR colour type, bit depth) -> mode: Pillow's where Pillow keeps the depth ("I;16" for 16-bit
#: grey); for 16-bit colour, which Pillow silently reads as 8-bit, the stored depth is kept as a
#: ";16" suffix, as for a JPEG whose frame header declares other than 8 bits (";12")
_PNG_MODES = {(0, 8): "L", (0, 16): "I;16", (2, 8): "RGB", (3, 8): "P", (4, 8): "LA", (6, 8): "RGBA",
              (2, 16): "RGB;16", (4, 16): "LA;16", (6, 16): "RGBA;16"}


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
            if data[i + 4] != 8:  # sample precision: 12 (extended), 16 (lossless) ...
                mode = f"{mode};{data[i + 4]}"
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
    if facts.format in ("JPEG", "MPO") and facts.mode and ";" in facts.mode:
        facts.error = (f"{facts.mode.rsplit(';', 1)[1]}-bit JPEG: Pillow, OpenCV and torchvision decode only 8-bit "
                       "JPEGs (Ultralytics drops it as corrupt with its labels; other loaders raise)")
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
            if facts.format == "PNG" and data[12:16] == b"IHDR":  # the stored depth, which Pillow may drop
                facts.mode = _PNG_MODES.get((data[25], data[24]), facts.mode)
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
    import cv2

    from .crops import decode_scale, hash_picture, payload_boxes

    w, h = facts.width or 0, facts.height or 0
    bomb = expansion_bomb(w, h, len(data))
    if bomb is not None:
        facts.error = bomb
        return facts
    with np.errstate(all="ignore"):  # boxes as written: 1e308, inf and NaN included
        size = np.array([w, h, w, h], np.float64)
        boxes = np.clip(payload_boxes(payload, w, h) * size, 0, size) if payload else np.zeros((0, 4))
    try:
        if facts.format in ("JPEG", "MPO"):
            gray, scale, lost = _decode_jpeg(data, decode_scale(w, h, boxes))
            facts.truncated = facts.truncated or lost
        else:
            gray, scale = _decode_other(data), 1
        integral = cv2.integral(gray, sdepth=cv2.CV_64F)  # one pass; every hash below reads it
        with np.errstate(all="ignore"):
            facts.phash, hashes, valid = hash_picture(integral, w, h, boxes, scale)
        if gray.size:
            facts.brightness = round(float(integral[-1, -1]) / gray.size, 3)
        if payload:
            facts.crop_hashes, facts.crop_valid = hashes, valid
    except Exception as exc:  # noqa: BLE001
        facts.truncated = facts.truncated or f"decoding the whole stream failed: {type(exc).__name__}: {str(exc)[:80]}"
    return facts


#: what libjpeg prints (on file descriptor 2) when it had to make pixels up: the data segment or
#: the file ended early, or a code was bad, and the decoder filled the rest with grey
_LOST_PIXELS = (b"premature end of data segment", b"Premature end of JPEG file", b"bad Huffman code",
                b"bad arithmetic code", b"instead of RST")
#: libjpeg's other warnings, harmless ("extraneous bytes before marker", an unknown JFIF version):
#: swallowed with the ones above; anything else printed meanwhile goes on to stderr
_LIBJPEG = (b"Corrupt JPEG data", b"Premature end of JPEG file", b"Warning: unknown JFIF", b"Invalid SOS parameters",
            b"Inconsistent progression sequence", b"Unknown Adobe color transform", b"Application transferred too many")
_REDUCED = {1: "IMREAD_GRAYSCALE", 2: "IMREAD_REDUCED_GRAYSCALE_2", 4: "IMREAD_REDUCED_GRAYSCALE_4",
            8: "IMREAD_REDUCED_GRAYSCALE_8"}
_fd2_lock = threading.Lock()
_fd2_files: dict[int, Any] = {}


def _decode_jpeg(data: bytes, scale: int) -> tuple[np.ndarray, int, str | None]:
    """Grey picture at 1/``scale`` (libjpeg's scaled IDCT: at 1/8 only each block's DC term; the
    entropy decode still reads the whole stream), the scale, and why pixels are missing, if they
    are. libjpeg reports a stream that ends early only as a warning on stderr (it fills the rest
    with grey), so that is captured during the decode: never shown, and read as a finding."""
    import cv2

    flag = getattr(cv2, _REDUCED[scale]) | cv2.IMREAD_IGNORE_ORIENTATION  # the labels see the stored pixels
    gray, said = _capturing_fd2(cv2.imdecode, np.frombuffer(data, np.uint8), flag)
    lost = next((line for line in said.splitlines() if any(k in line for k in _LOST_PIXELS)), None)
    if gray is None:
        raise OSError(f"libjpeg gave up{': ' + lost.decode(errors='replace') if lost else ''}")
    note = None
    if lost is not None:
        note = f"pixels missing inside the JPEG stream (libjpeg: {lost.decode(errors='replace').strip()[:80]}): decoders fill them with grey"
    return gray, scale, note


def _memory_file() -> Any:
    """A file in memory (Linux memfd; elsewhere an unlinked temporary file): never on disk, never
    blocking a writer the way a full pipe would."""
    if hasattr(os, "memfd_create"):
        with suppress(OSError):
            return open(os.memfd_create("preflight-libjpeg", getattr(os, "MFD_CLOEXEC", 0)), "r+b", buffering=0)
    return tempfile.TemporaryFile()


def _capturing_fd2(fn: Any, *args: Any) -> tuple[Any, bytes]:
    """``fn(*args)`` with file descriptor 2 sent to a private file; returns its result and what
    libjpeg printed (anything else printed meanwhile, by another thread or a signal handler,
    goes on to stderr)."""
    pid = os.getpid()
    with _fd2_lock:
        tmp = _fd2_files.get(pid)
        if tmp is None:  # one per process: a forked worker must not share its parent's file offset
            _fd2_files.clear()
            tmp = _fd2_files[pid] = _memory_file()
        fd = tmp.fileno()
        try:
            saved = os.dup(2)
        except OSError:  # no stderr at all: nothing to capture, nothing to disturb
            return fn(*args), b""
        said, n = b"", -1
        try:
            try:
                os.dup2(fd, 2)
                out = fn(*args)
            finally:
                os.dup2(saved, 2)
            n = os.lseek(fd, 0, os.SEEK_CUR)
            if n:
                said = _read_all(fd, n)
        except BaseException:
            # a signal handler (Ctrl-C, the per-file time budget) raising between two bytecodes
            # may have cut the finally short: stderr back again (dup2 twice is harmless)
            os.dup2(saved, 2)
            said = _read_all(fd, os.lseek(fd, 0, os.SEEK_CUR))
            raise
        finally:
            os.close(saved)
            if n:  # something was written, or the call was cut short: emptied for the next file
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
            _pass_on(said)
    return out, said


def _read_all(fd: int, n: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, n) if n > 0 else b""


def _pass_on(said: bytes) -> None:
    """Print what the capture caught that is not libjpeg's."""
    other = b"".join(line for line in said.splitlines(keepends=True) if not any(k in line for k in _LIBJPEG))
    if other:
        with suppress(OSError):
            os.write(2, other)


def _decode_other(data: bytes) -> np.ndarray:
    """Grey picture of a PNG, BMP, TIFF, WebP ... at full size (16-bit grey scaled to 8 bits, as
    cv2 reads it, not clipped as Pillow's convert("L") would)."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        img = Image.open(io.BytesIO(data))
        img.load()
        if img.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
            return (np.asarray(img).astype(np.uint16) >> 8).astype(np.uint8)
        return np.asarray(img.convert("L"))
