"""Bad mask files are findings, never crashes; huge masks stay within bounded memory."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib

import numpy as np
from maskkit import audit, codes, png_bytes, write_dataset
from PIL import Image


def picture(w=64, h=48) -> bytes:
    buf = io.BytesIO()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


def good_mask(w=64, h=48) -> bytes:
    a = np.zeros((h, w), np.uint8)
    a[10:30, 10:40] = 1
    return png_bytes(Image.fromarray(a))


def huge_png(path, w: int, h: int) -> None:
    """A valid all-zero 8-bit grey PNG of w×h written row by row (never held in memory)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    comp = zlib.compressobj(9)
    row = b"\x00" * (w + 1)
    idat = bytearray()
    for _ in range(h):
        idat += comp.compress(row)
    idat += comp.flush()
    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)))
        fh.write(chunk(b"IDAT", bytes(idat)) + chunk(b"IEND", b""))


def test_broken_files_are_findings(tmp_path):
    full = good_mask()
    ds = write_dataset(tmp_path / "ds", {"train": {
        "truncated": (picture(), full[: len(full) // 2]),
        "text": (picture(), b"this is not a picture\n"),
        "empty": (picture(), b""),
        "ok": (picture(), full),
    }}, names=["bg", "thing"])
    result, ctx = audit(ds)
    m106 = codes(result)["M106"][0]
    assert m106.count == 3 and m106.severity.value == "error"
    where = {e["path"]: e["message"] for e in m106.examples}
    assert "truncated" in where["masks/train/truncated.png"] or "damaged" in where["masks/train/truncated.png"]
    assert "zero-byte" in where["masks/train/empty.png"]
    assert "not a readable image" in where["masks/train/text.png"]
    assert ctx.masks[str(tmp_path / "ds" / "masks" / "train" / "ok.png")].error is None


def test_one_pixel_mask(tmp_path):
    ds = write_dataset(tmp_path / "ds", {"train": {"a": (picture(), png_bytes(Image.fromarray(np.ones((1, 1), np.uint8))))}},
                       names=["bg", "thing"])
    found = codes(audit(ds)[0])
    assert "mask 1×1, image 64×48" in found["M103"][0].message


def test_huge_mask_is_refused_with_bounded_memory(tmp_path):
    ds = write_dataset(tmp_path / "ds", {"train": {"a": (picture(), None)}}, names=["bg", "thing"])
    huge_png(tmp_path / "ds" / "masks" / "train" / "a.png", 20000, 20000)
    # peak RSS of the audit alone: ru_maxrss would carry the pytest parent's peak across
    # fork + exec, so reset the high-water mark (clear_refs 5) and read VmHWM afterwards
    script = (
        "import json, re, sys\n"
        "from preflight.engine import audit_data\n"
        "open('/proc/self/clear_refs', 'w').write('5')\n"
        "r, ctx = audit_data(sys.argv[1], select=['M'], jobs=1)\n"
        "hwm = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
        "print(json.dumps({'rss_mb': hwm / 1024,\n"
        "  'findings': [[f.code, f.message] for f in r.findings]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(ds)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    found = dict(got["findings"])
    assert "over the" in found["M106"] and "20000×20000" in found["M106"]
    assert "mask 20000×20000" in found["M103"]  # the size is known from the header alone
    # a 400 MB decode (plus int64 bincount temporaries, 3.2 GB) would blow far past this
    assert got["rss_mb"] < 400, got
