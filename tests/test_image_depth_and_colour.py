"""CMYK (I110), 16-bit (I111) and 12-bit JPEG (I101) pictures: what loaders do with them, and
that the header reader reports each one, default and --deep alike.

The loader tests pin the behaviour the checks' explanations describe, on the installed OpenCV,
Pillow and torchvision: when a release changes it, they fail and the explanation is updated.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from casekit import build_dataset
from PIL import Image

from preflight.engine import audit_data

# a real 12-bit JPEG (SOF1, precision 12), 32×24 grey: libjpeg-turbo 3 through imagecodecs,
# jpeg8_encode(np.full((24, 32), 2000, np.uint16), bitspersample=12, level=30, optimize=True)
JPEG12 = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb0043001b12141714111b1716171e1c1b2028422b2825252851"
    "3a3d3042605565645f555d5b6a7899816a7190735b5d85b586909ea3abadab6780bcc9baa6c799a8aba4ffc1000b0c"
    "0018002001011100ffc4001500010100000000000000000000000000000004ffc40014100100000000000000000000"
    "000000000000ffda0008010100003f0084000007ffd9"
)


def _rgb(w: int = 64, h: int = 48) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack([(xx * 4) % 256, (yy * 5) % 256, np.full_like(xx, 200)], -1).astype(np.uint8)


def _cmyk_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(_rgb()).convert("CMYK").save(buf, "JPEG", quality=95)
    return buf.getvalue()


def _grey16_png() -> tuple[np.ndarray, bytes]:
    yy, xx = np.mgrid[0:48, 0:64]
    a = (xx * 1000 + yy * 20).astype(np.uint16)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "PNG")
    return a, buf.getvalue()


def _decode(data: bytes, flag: int) -> np.ndarray | None:
    return cv2.imdecode(np.frombuffer(data, np.uint8), flag)


def test_loaders_disagree_on_a_cmyk_jpeg():
    data = _cmyk_jpeg()
    assert _decode(data, cv2.IMREAD_COLOR).shape == (48, 64, 3)  # how Ultralytics reads
    assert np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).shape == (48, 64, 3)
    assert np.asarray(Image.open(io.BytesIO(data))).shape == (48, 64, 4)  # the ink channels


def test_torchvision_hands_on_the_four_ink_channels_and_uint16():
    torch = pytest.importorskip("torch")
    io_mod = pytest.importorskip("torchvision.io")
    t = io_mod.decode_image(torch.frombuffer(bytearray(_cmyk_jpeg()), dtype=torch.uint8))
    assert tuple(t.shape) == (4, 48, 64)  # read_image's default mode, UNCHANGED
    _, png = _grey16_png()
    for mode in (io_mod.ImageReadMode.UNCHANGED, io_mod.ImageReadMode.RGB):
        assert io_mod.decode_image(torch.frombuffer(bytearray(png), dtype=torch.uint8), mode=mode).dtype == torch.uint16


def test_loaders_disagree_on_a_16_bit_grey_png():
    a, data = _grey16_png()
    high = (a >> 8).astype(np.uint8)
    assert np.array_equal(_decode(data, cv2.IMREAD_COLOR)[..., 0], high)  # cv2 keeps the high byte
    raw = _decode(data, cv2.IMREAD_UNCHANGED)
    assert raw.dtype == np.uint16 and raw.max() > 255  # "/ 255" makes it up to 257× too bright
    pil = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert (pil == 255).mean() > 0.99 and (high == 255).mean() < 0.01  # Pillow clips it white


def test_nobody_decodes_a_12_bit_jpeg():
    assert _decode(JPEG12, cv2.IMREAD_COLOR) is None
    with pytest.raises(Exception):  # noqa: B017 - Pillow: "cannot identify image file"
        Image.open(io.BytesIO(JPEG12)).load()


@pytest.mark.parametrize("deep", [False, True], ids=["default", "deep"])
def test_each_picture_gets_one_finding(tmp_path, deep):
    _, grey16 = _grey16_png()
    files = {
        "images/train/cmyk.jpg": {"hex": _cmyk_jpeg().hex()},
        "images/train/grey16.png": {"hex": grey16.hex()},
        "images/train/twelve.jpg": {"hex": JPEG12.hex()},
        "images/train/plain.jpg": {"image": [64, 48]},
    }
    files.update({f"labels/train/{k.rsplit('/', 1)[1].split('.')[0]}.txt": "0 0.5 0.5 0.2 0.2\n" for k in list(files)})
    data = build_dataset(tmp_path / "ds", {"data": {"names": ["a"]}, "files": files})
    result, _ = audit_data(data, jobs=1, use_cache=False, deep=deep)
    where: dict[str, list[str]] = {}
    for f in result.findings:
        for e in f.examples or [{"path": f.path, "message": f.message}]:
            where.setdefault(e["path"], []).append(f"{f.code}: {e['message']}")
    assert [m[:4] for m in where["images/train/cmyk.jpg"]] == ["I110"]
    assert [m[:4] for m in where["images/train/grey16.png"]] == ["I111"]
    assert [m[:4] for m in where["images/train/twelve.jpg"]] == ["I101"]
    assert "12-bit JPEG" in where["images/train/twelve.jpg"][0]
    assert "images/train/plain.jpg" not in where
