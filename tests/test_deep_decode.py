"""--deep's decode: libjpeg's scaled decode at the coarsest scale the boxes allow, one hash pass.

The reduced decode still reads the whole entropy-coded stream, so a stream cut short is found
whether or not its end marker survived; libjpeg's own warnings are read, never printed; and the
hashes of a picture or an object agree across decode scales (what lets each picture be decoded
as coarsely as its boxes allow).
"""

from __future__ import annotations

import io
import os
import signal
import time

import cv2
import numpy as np
import pytest
from casekit import build_dataset
from PIL import Image

from preflight.engine import audit_data
from preflight.formats import crops
from preflight.formats.images import _capturing_fd2, read_image
from preflight.geometry import popcount64


def _photo(w: int = 640, h: int = 480, seed: int = 0) -> np.ndarray:
    """A picture with structure at every scale (gradients, shapes, fine noise)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([(xx * 0.7 + yy * 1.3) % 256, (xx * 1.1) % 256, (yy * 0.5) % 256], -1).astype(np.uint8)
    for _ in range(12):
        c = tuple(int(v) for v in rng.integers(0, 256, 3))
        cv2.circle(img, (int(rng.integers(0, w)), int(rng.integers(0, h))), int(rng.integers(10, 120)), c, -1)
    noise = rng.integers(0, 24, (h, w, 1), dtype=np.uint8)
    return cv2.add(img, np.repeat(noise, 3, axis=2))


def _jpeg(arr: np.ndarray, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=90, **kw)
    return buf.getvalue()


def _codes(result) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in result.findings:
        out.setdefault(f.code, []).extend([f.message] + [e["message"] for e in f.examples])
    return out


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
def test_a_cut_inside_the_stream_is_found_even_with_its_end_marker(tmp_path, capfd, progressive):
    """A download cut at 60 % and "repaired" with an end marker: the default scan sees FFD9 and
    passes it; the deep decode runs out of data inside the scan, libjpeg fills the rest with grey
    and says so on stderr, and that becomes I103 (nothing reaches the user's terminal)."""
    data = _jpeg(_photo(), progressive=progressive)
    cut = data[: int(len(data) * 0.6)] + b"\xff\xd9"
    files = {"images/train/cut.jpg": {"hex": cut.hex()}, "images/train/ok.jpg": {"hex": data.hex()},
             "labels/train/cut.txt": "0 0.5 0.5 0.2 0.2\n", "labels/train/ok.txt": "0 0.5 0.5 0.2 0.2\n"}
    yaml_path = build_dataset(tmp_path / "ds", {"data": {"names": ["a"]}, "files": files})
    default, _ = audit_data(yaml_path, jobs=1, use_cache=False)
    assert "I103" not in _codes(default)
    deep, _ = audit_data(yaml_path, jobs=1, use_cache=False, deep=True)
    said = _codes(deep).get("I103", [])
    assert len(said) == 1 and "pixels missing inside the JPEG stream" in said[0], said
    assert "Corrupt JPEG" not in capfd.readouterr().err


def test_truncated_corrupt_and_clean_files_in_worker_processes(tmp_path, capfd):
    """The same in the worker pool (fork): each worker captures its own stderr."""
    data = _jpeg(_photo(320, 240))
    files: dict = {}
    for i in range(120):
        name = f"images/train/{i:03d}.jpg"
        if i % 40 == 0:
            files[name] = {"hex": (data[: len(data) // 2] + b"\xff\xd9").hex()}  # cut, marker kept
        elif i % 40 == 1:
            files[name] = {"hex": data[: len(data) // 2].hex()}  # cut, no marker
        else:
            files[name] = {"image": [96, 64], "seed": i}
        files[f"labels/train/{i:03d}.txt"] = "0 0.5 0.5 0.3 0.3\n"
    for i in range(120, 260):  # enough files for the worker pool
        files[f"images/train/{i:03d}.jpg"] = {"image": [96, 64], "seed": i}
        files[f"labels/train/{i:03d}.txt"] = "0 0.5 0.5 0.3 0.3\n"
    yaml_path = build_dataset(tmp_path / "ds", {"data": {"names": ["a"]}, "files": files})
    result, _ = audit_data(yaml_path, jobs=2, use_cache=False, deep=True)
    found = [f for f in result.findings if f.code == "I103"]
    assert sum(f.count for f in found) == 6, [f.message for f in found]
    assert "Corrupt JPEG" not in capfd.readouterr().err


def test_what_else_is_printed_during_a_decode_goes_on_to_stderr(capfd):
    def noisy() -> str:
        os.write(2, b"Corrupt JPEG data: premature end of data segment\n")
        os.write(2, b"a message of someone else\n")
        return "done"

    out, said = _capturing_fd2(noisy)
    assert out == "done" and b"premature end" in said
    err = capfd.readouterr().err
    assert "a message of someone else" in err and "Corrupt JPEG" not in err
    assert _capturing_fd2(lambda: 1) == (1, b"")  # the capture file starts empty again


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="POSIX timers")
def test_a_signal_during_the_capture_leaves_stderr_as_it_was(capfd):
    """The per-file time budget (SIGALRM) or Ctrl-C raising mid-decode: stderr is stderr again,
    what the handler printed reaches it, and the captured text never reaches the next file."""

    def budget(signum, frame):
        os.write(2, b"the handler speaks\n")
        raise TimeoutError("over budget")

    def slow_and_noisy():
        os.write(2, b"Corrupt JPEG data: premature end of data segment\n")
        time.sleep(0.05)  # the timer fires in here
        return "decoded"

    old = signal.signal(signal.SIGALRM, budget)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        with pytest.raises(TimeoutError):
            _capturing_fd2(slow_and_noisy)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    os.write(2, b"stderr is back\n")
    err = capfd.readouterr().err
    assert "the handler speaks" in err and "stderr is back" in err and "Corrupt JPEG" not in err
    assert _capturing_fd2(lambda: 1) == (1, b"")


def test_decode_scale_follows_the_smallest_hashable_box():
    assert crops.decode_scale(1024, 768, np.zeros((0, 4))) == 8  # 768 / 8 = 96 px: enough
    assert crops.decode_scale(200, 150, np.zeros((0, 4))) == 4  # 150 / 4 = 37 px
    assert crops.decode_scale(100, 60, np.zeros((0, 4))) == 2  # the finest: half size
    boxes = np.array([[0, 0, 300, 300], [10, 10, 150, 400]], float)
    assert crops.decode_scale(1024, 768, boxes) == 4  # a 140 px box: 35 px at 1/4
    boxes = np.array([[0, 0, 300, 300], [10, 10, 20, 400]], float)  # 10 px: never hashed, never limits
    assert crops.decode_scale(1024, 768, boxes) == 8
    assert crops.decode_scale(1024, 768, np.array([[0, 0, 40, 40]], float)) == 2


def test_hashes_agree_across_decode_scales():
    """What MIN_GRID_PX promises: a picture, or a box spanning 32 decoded pixels, hashes within
    2 of 64 bits at every scale (on COCO_Tiny's objects: 0-2 bits, one in 300 at 4)."""
    arr = _photo(1024, 768)
    data = np.frombuffer(_jpeg(arr), np.uint8)
    boxes = np.array([[100, 80, 400, 420], [500, 300, 900, 700], [600, 50, 1000, 330]], float)
    got = {}
    for s, flag in ((1, cv2.IMREAD_GRAYSCALE), (2, cv2.IMREAD_REDUCED_GRAYSCALE_2),
                    (4, cv2.IMREAD_REDUCED_GRAYSCALE_4), (8, cv2.IMREAD_REDUCED_GRAYSCALE_8)):
        gray = cv2.imdecode(data, flag)
        got[s] = crops.hash_picture(cv2.integral(gray, sdepth=cv2.CV_64F), 1024, 768, boxes, s)
    for s in (2, 4, 8):
        assert bin(got[1][0] ^ got[s][0]).count("1") <= 2
        assert got[s][2].all()
        assert popcount64(got[1][1] ^ got[s][1]).max() <= 4


def test_grid_means_are_exact_area_averages():
    gray = np.random.default_rng(0).integers(0, 256, (40, 50), dtype=np.uint8)
    integral = cv2.integral(gray, sdepth=cv2.CV_64F)
    whole = crops.grid_means(integral, np.array([[0.0, 0.0, 50.0, 40.0]]), cells=10)[0]
    ref = gray.reshape(10, 4, 10, 5).mean(axis=(1, 3))
    assert np.allclose(whole, ref)
    # a box with fractional edges: a cell half over one pixel, half over the next
    half = crops.grid_means(integral, np.array([[0.5, 0.0, 1.5, 1.0]]), cells=1)[0, 0, 0]
    assert half == pytest.approx((int(gray[0, 0]) + int(gray[0, 1])) / 2, abs=0.05)


def test_crop_hashes_come_from_the_deep_read(tmp_path):
    """One decode gives the picture hash and each box's: the same object pasted into two
    pictures at different places hashes alike; a box under 16 px is not hashed."""
    from preflight.formats.crops import boxes_payload

    arr = _photo(640, 480, seed=3)
    obj = _photo(160, 160, seed=9)
    a, b = arr.copy(), _photo(640, 480, seed=4)
    a[40:200, 60:220] = obj
    b[250:410, 400:560] = obj
    (tmp_path / "a.jpg").write_bytes(_jpeg(a))
    (tmp_path / "b.jpg").write_bytes(_jpeg(b))
    pa = boxes_payload("xyxy_abs", np.array([[61, 41, 220, 200], [300, 300, 310, 310]], float))
    pb = boxes_payload("xyxy_abs", np.array([[401, 251, 560, 410]], float))
    fa, fb = read_image(str(tmp_path / "a.jpg"), True, pa), read_image(str(tmp_path / "b.jpg"), True, pb)
    assert fa.crop_valid.tolist() == [True, False] and fb.crop_valid.tolist() == [True]
    assert bin(int(fa.crop_hashes[0]) ^ int(fb.crop_hashes[0])).count("1") <= 6
    assert fa.phash is not None and bin(fa.phash ^ fb.phash).count("1") > 10


def test_popcount_fallback_table_matches_numpys(monkeypatch):
    x = np.random.default_rng(0).integers(0, 2**63, 2000, dtype=np.uint64) * np.uint64(3)
    fast = popcount64(x)
    assert fast.tolist() == [bin(int(v)).count("1") for v in x]
    monkeypatch.delattr(np, "bitwise_count", raising=False)  # numpy < 2.0
    assert popcount64(x).tolist() == fast.tolist()
