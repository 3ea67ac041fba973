"""The fast JPEG/PNG header reader agrees with Pillow on every file it accepts."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from preflight.formats.images import _fast_header, read_image


def _pil(data: bytes):
    im = Image.open(io.BytesIO(data))
    o = im.getexif().get(0x0112)
    return ("JPEG" if im.format in ("JPEG", "MPO") else im.format), im.mode, im.size[0], im.size[1], (o if o and 1 <= o <= 8 else None)


def _encode(mode, fmt, size=(37, 23), orientation=None):
    arr = np.random.default_rng(0).integers(0, 255, (size[1], size[0], 4), dtype=np.uint8)
    im = Image.fromarray(arr, "RGBA").convert(mode)
    buf = io.BytesIO()
    kw = {}
    if orientation:
        ex = Image.Exif()
        ex[0x0112] = orientation
        kw["exif"] = ex.tobytes()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.mark.parametrize("mode,fmt,orientation", [
    ("RGB", "JPEG", None), ("L", "JPEG", None), ("CMYK", "JPEG", None), ("RGB", "JPEG", 6), ("RGB", "JPEG", 3),
    ("RGB", "PNG", None), ("L", "PNG", None), ("P", "PNG", None), ("RGBA", "PNG", None), ("LA", "PNG", None),
    ("I;16", "PNG", None),
])
def test_fast_header_matches_pillow(mode, fmt, orientation):
    data = _encode(mode, fmt, orientation=orientation)
    fast = _fast_header(data)
    assert fast is not None
    assert fast == _pil(data)


def test_progressive_jpeg_and_odd_files():
    arr = np.random.default_rng(1).integers(0, 255, (40, 50, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", progressive=True)
    assert _fast_header(buf.getvalue()) == _pil(buf.getvalue())
    assert _fast_header(b"\xff\xd8\xff") is None  # too short: Pillow decides
    assert _fast_header(b"GIF89a....") is None
    bmp = io.BytesIO()
    Image.fromarray(arr).save(bmp, "BMP")
    assert _fast_header(bmp.getvalue()) is None


@pytest.mark.shared_data
def test_fast_header_matches_pillow_on_real_images(shared_data):
    checked = 0
    for path in sorted(shared_data.rglob("*")):
        if path.suffix.lower() not in (".jpg", ".jpeg", ".png") or not path.is_file():
            continue
        data = path.read_bytes()
        fast = _fast_header(data)
        if fast is not None:
            assert fast == _pil(data), path
            checked += 1
        facts = read_image(str(path))
        assert facts.error is None, (path, facts.error)
    assert checked > 1000


def test_read_image_uses_the_same_facts_either_way(tmp_path):
    p = tmp_path / "a.jpg"
    p.write_bytes(_encode("RGB", "JPEG", size=(64, 48), orientation=6))
    f = read_image(str(p))
    assert (f.format, f.width, f.height, f.orientation, f.oriented_size) == ("JPEG", 64, 48, 6, (48, 64))


def _png16(colour_type: int, channels: int, exif: bool = False) -> bytes:
    """A 16-bit PNG written by hand (Pillow writes no 16-bit colour PNG)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    w, h = 8, 4
    raw = b"".join(b"\x00" + b"\x30\x00" * channels * w for _ in range(h))
    extra = chunk(b"eXIf", b"MM\x00*\x00\x00\x00\x08\x00\x00") if exif else b""
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0)) + extra
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("exif", [False, True], ids=["fast", "pillow"])
@pytest.mark.parametrize("colour_type,channels,mode", [(0, 1, "I;16"), (2, 3, "RGB;16"), (4, 2, "LA;16"), (6, 4, "RGBA;16")])
def test_png_bit_depth_is_kept_where_pillow_drops_it(tmp_path, colour_type, channels, mode, exif):
    """Pillow opens 16-bit colour as 8-bit ("RGB", "RGBA"): the header's depth is kept as a
    ";16" suffix, whether the fast reader or (a PNG with an eXIf chunk) Pillow reads the header."""
    data = _png16(colour_type, channels, exif)
    assert (_fast_header(data) is None) == exif
    p = tmp_path / "a.png"
    p.write_bytes(data)
    f = read_image(str(p))
    assert (f.format, f.mode, f.width, f.height, f.error) == ("PNG", mode, 8, 4, None)


def test_jpeg_sample_precision_is_read_from_the_frame_header(tmp_path):
    data = bytearray(_encode("RGB", "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 4] = 12  # the precision byte of the frame header: a 12-bit JPEG
    assert _fast_header(bytes(data))[1] == "RGB;12"
    p = tmp_path / "a.jpg"
    p.write_bytes(bytes(data))
    f = read_image(str(p), deep=True)
    assert f.error and f.error.startswith("12-bit JPEG") and f.phash is None
