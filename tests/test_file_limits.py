"""Per-file caps (issue 8): a size cap and a time budget per file, configurable
(``--max-file-mb``, ``--file-timeout``), part of the scan cache's key where they change facts;
and the mask reader's work bounds (component counts over bounding boxes, under a budget;
colour masks decoded strip by strip).

The pathological inputs are the fuzzing campaign's: a 343-byte JPEG declaring a 32×24600
mask (43 values, each labelled over the whole picture: 1.4-2.8 s on a busy machine), a
310-byte one declaring 1056×24600 RGB (10 s under atheris), and generated noisy masks.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from casekit import build_dataset
from PIL import Image

from preflight import limits
from preflight.cli import run
from preflight.engine import audit_data
from preflight.formats import masks as M
from preflight.formats.mask_shapes import region_shapes
from preflight.formats.masks import read_mask, voc_palette

#: found by atheris (reports/fuzz.md): JPEG, 32×24600, grey stored as RGB, 43 values
FUZZ_TALL_MASK = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0o"
    "MCUoKSj/2wBDAQcHCggKEwoKEygaFhooKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKMIoKCgoKCgoKCj/wAARCGAYACAD"
    "ASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/wAAMSAwLjUgMC41IDAuMiQwLjIKIC4xIDAuOSAwLjEgME8gT09PCufo"
    "6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/APlWjFeq/wDFkP8AqpP/AJI0o/4Uh/1Un/yRoA8ppK9Xx8EP+qk/+SNIR8EP+qk3P/kjQB5TSg0UUALm"
    "kJoooA//2Q=="
)
#: found by atheris: JPEG, 1056×24600 RGB, colours off the VOC palette (was np.unique over 26 M pixels)
FUZZ_WIDE_RGB_MASK = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQWQEAAAAAAAAaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0o"
    "MCUoKSj/2wBDAQcHCggKE/b17Nfl6eXZKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKMIoKCgoKCgoKCj/wAARCGAYBCAD"
    "ASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/wAAMSAwLvP09fb3+Pn6/9oADAMBAAIRAxEAPwD5VoxXqv8AxZD/AKqT"
    "/wCSNKP+FIf9VJ/8kaAPKaSvV8cAACUfK8EP+qk/+SNIR8EP+qk3P/kjQB5TSg0UUALmkJoooA//2Q=="
)


@pytest.fixture(autouse=True)
def _default_limits(monkeypatch):
    monkeypatch.delenv("PREFLIGHT_LIMITS", raising=False)


def _png(a: np.ndarray, mode: str | None = None) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a, mode).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def slow_mask() -> bytes:
    """A 2048² mask of 8-value noise that compresses to ~40 kB (a noise tile of 8 rows,
    repeated): at the morphology budget, ~0.2 s to read on the 2-core CI machine (1-3 s before
    the reader counted region areas on the value's pixels only), but a tiny size allowance."""
    rng = np.random.default_rng(0)
    return _png(np.tile(rng.integers(0, 8, (8, 2048)).astype(np.uint8), (256, 1)), "L")


def mask_dataset(root: Path, masks: dict[str, bytes]) -> Path:
    """One train image (64×48 JPEG) per mask; data.yaml in root."""
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(buf, "JPEG")
    for sub in ("images/train", "masks/train"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for stem, data in masks.items():
        (root / "images/train" / f"{stem}.jpg").write_bytes(buf.getvalue())
        (root / "masks/train" / f"{stem}.png").write_bytes(data)
    doc = {"path": ".", "format": "mask", "names": [f"c{i}" for i in range(21)],
           "train": "images/train", "masks": {"train": "masks/train"}}
    (root / "data.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return root / "data.yaml"


def small_mask(seed: int = 0) -> bytes:
    a = np.zeros((48, 64), np.uint8)
    a[10 + seed % 20 : 30, 10:40] = 1
    return _png(a, "L")


def findings(result, code: str) -> list[dict]:
    """The hits of one code, as dicts with path and message (grouped or not)."""
    out = []
    for f in result.findings:
        if f.code == code:
            out += f.examples or [{"path": f.path, "message": f.message}]
    return out


# -- the mask reader's work bounds ----------------------------------------------------------


def _reference_morphology(a: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The reader's first implementation: every value labelled over the whole mask."""
    kernel = np.ones((3, 3), np.uint8)
    morph = np.zeros((len(values), 4), np.int64)
    for i, v in enumerate(values):
        binary = (a == v).view(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
        alive = np.zeros(n, np.bool_)
        alive[labels[cv2.erode(binary, kernel) > 0]] = True
        dead = ~alive[1:]
        morph[i] = (int(v), n - 1, int(dead.sum()), int(stats[1:, cv2.CC_STAT_AREA][dead].sum()))
    return morph


def test_morphology_over_boxes_equals_the_whole_mask_labelling():
    rng = np.random.default_rng(1)
    for t in range(200):
        h, w = (int(x) for x in rng.integers(1, 40, 2))
        dtype = np.uint16 if t % 3 == 0 else np.uint8
        a = rng.integers(0, int(rng.integers(1, 7)), (h, w)).astype(dtype)
        if t % 2:  # blobs, not only noise
            a = cv2.resize(a[: max(1, h // 4), : max(1, w // 4)].astype(np.uint8), (w, h),
                           interpolation=cv2.INTER_NEAREST).astype(dtype)
        if dtype == np.uint16:
            a *= 1000
        values, counts = np.unique(a, return_counts=True)
        got, why, shapes = M._morphology(a, values, counts)
        assert why is None
        assert np.array_equal(got, _reference_morphology(a, values)), (t, a)
        # the shapes from the same labels equal the stand-alone labelling's, to the bit
        assert np.array_equal(shapes, region_shapes(a, values, counts)), (t, a)


def test_fuzz_tall_mask_labels_a_bounded_number_of_pixels(tmp_path, monkeypatch):
    """The 343-byte mask of reports/fuzz.md: the same facts, a bounded amount of labelling."""
    p = tmp_path / "m.png"
    p.write_bytes(FUZZ_TALL_MASK)
    f = read_mask(str(p))
    a = np.asarray(Image.open(io.BytesIO(FUZZ_TALL_MASK)))[..., 0]
    assert (f.width, f.height, f.kind, len(f.values)) == (32, 24600, "index", 43)
    assert np.array_equal(f.morph, _reference_morphology(a, f.values))
    labelled = [0]
    real = cv2.connectedComponents

    def counting(binary, *args, **kw):
        labelled[0] += binary.size
        return real(binary, *args, **kw)

    monkeypatch.setattr(cv2, "connectedComponents", counting)
    M._morphology(a, f.values, f.counts)
    # each value labelled inside its bounding box: 1.1× the pixels, where it was 43×
    assert labelled[0] < 2 * a.size, labelled[0] / a.size


def test_morphology_budget_skips_noise_and_m123_says_so(tmp_path):
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 12, (2048, 2048)).astype(np.uint8)  # 12 values × 4 M pixels: over 32 M
    data = mask_dataset(tmp_path / "ds", {"noise": _png(noise, "L"), "ok": small_mask()})
    t0 = time.perf_counter()
    f = read_mask(str(tmp_path / "ds/masks/train/noise.png"))
    assert time.perf_counter() - t0 < 10
    assert f.error is None and f.values is not None and len(f.values) == 12  # every other fact kept
    assert f.morph is None and "budget" in f.morph_skipped and "12 values" in f.morph_skipped
    result, _ = audit_data(data, jobs=1, use_cache=False, select=["M123"])
    skipped = [x for x in result.findings if x.code == "M123" and x.severity.value == "info"]
    assert skipped and "speckles not counted in 1 mask" in skipped[0].message
    assert skipped[0].path == "masks/train/noise.png" and "budget" in skipped[0].message


def test_voc_colour_tables_invert_the_palette():
    pal = voc_palette()
    ok = M._VOC_OK[0][pal[:, 0]] & M._VOC_OK[1][pal[:, 1]] & M._VOC_OK[2][pal[:, 2]]
    idx = M._VOC_PART[0][pal[:, 0]] | M._VOC_PART[1][pal[:, 1]] | M._VOC_PART[2][pal[:, 2]]
    assert ok.all() and np.array_equal(idx, np.arange(256))
    # exactly the palette's 256 colours pass: 8 red × 8 green × 4 blue values
    assert int(np.prod(M._VOC_OK.sum(axis=1))) == 256


def _modes(rng: np.random.Generator) -> dict[str, Image.Image]:
    idx = rng.integers(0, 5, (37, 23)).astype(np.uint8)
    voc = voc_palette()[idx]
    off = voc.copy()
    off[3, 4] = (1, 2, 3)
    rgba = np.dstack([voc, np.full(idx.shape, 255, np.uint8)])
    rgba_used = rgba.copy()
    rgba_used[5, 5, 3] = 7
    grey = np.repeat(idx[..., None] * 40, 3, axis=2)
    p = Image.fromarray(idx, "P")
    p.putpalette(voc.reshape(-1).tolist()[:768] + [0] * max(0, 768 - voc.size))
    return {
        "RGB voc": Image.fromarray(voc, "RGB"), "RGB off-palette": Image.fromarray(off, "RGB"),
        "RGB grey": Image.fromarray(grey, "RGB"), "RGBA": Image.fromarray(rgba, "RGBA"),
        "RGBA alpha used": Image.fromarray(rgba_used, "RGBA"),
        "LA": Image.merge("LA", [Image.fromarray(idx * 9, "L"), Image.fromarray(np.full(idx.shape, 255, np.uint8), "L")]),
        "PA": p.convert("PA"), "I;16": Image.fromarray(idx.astype(np.uint16) * 999),
        "I negative": Image.fromarray(idx.astype(np.int32) - 2, "I"),
        "I large": Image.fromarray(idx.astype(np.int32) * 40000, "I"),
        "I ok": Image.fromarray(idx.astype(np.int32) * 100, "I"),
        "F whole": Image.fromarray(idx.astype(np.float32) * 3), "F fraction": Image.fromarray(idx.astype(np.float32) / 3),
        "CMYK": Image.fromarray(off, "RGB").convert("CMYK"),
    }


def _reference_decode(img: Image.Image) -> tuple:
    """What the reader returned before it decoded strip by strip (whole-picture numpy)."""
    mode = img.mode
    arr = np.asarray(img)
    if mode in ("PA", "LA"):
        return "index", None, bool((arr[..., 1] != 255).any()), None, arr[..., 0]
    if mode.startswith("I"):
        if arr.min() < 0 or arr.max() > 65535:
            return "index", None, False, f"32-bit values from {int(arr.min())} to {int(arr.max())}: not class ids", None
        return "index", None, False, None, arr.astype(np.uint16)
    if mode == "F":
        if not (np.isfinite(arr) & (arr == np.round(arr)) & (arr >= 0) & (arr <= 65535)).all():
            return "float", None, False, "float mask with fractional, negative or non-finite values: not class ids", None
        return "float", None, False, None, arr.astype(np.uint16)
    if mode in ("RGB", "RGBA"):
        used = bool((arr[..., 3] != 255).any()) if mode == "RGBA" else False
        rgb = arr[..., :3]
        if (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all():
            return "index", len(np.unique(rgb[..., 0])), used, None, rgb[..., 0]
        code = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
        lut = {int((int(r) << 16) | (int(g) << 8) | int(b)): i for i, (r, g, b) in enumerate(voc_palette())}
        distinct, inverse = np.unique(code.ravel(), return_inverse=True)
        ids = np.array([lut.get(int(c), -1) for c in distinct])
        if (ids < 0).any():
            return "rgb", len(distinct), used, None, None
        return "rgb_voc", len(distinct), used, None, ids[inverse].reshape(code.shape).astype(np.uint8)
    conv = np.asarray(img.convert("RGB")).reshape(-1, 3)
    return "rgb", len(np.unique(conv, axis=0)), False, None, None


@pytest.mark.parametrize("strip_rows", [512, 5, 1])
def test_strip_decode_equals_the_whole_picture_decode(monkeypatch, strip_rows):
    monkeypatch.setattr(M, "STRIP_ROWS", strip_rows)
    for name, img in _modes(np.random.default_rng(strip_rows)).items():
        facts = M.MaskFacts(bytes=1, format="PNG")
        ids = M._decode(img, facts)
        kind, colours, used, error, want = _reference_decode(img)
        assert (facts.kind, facts.error, facts.alpha_used) == (kind, error, used), name
        if colours is not None:
            assert facts.colours == colours, name
        if want is None:
            assert ids is None, name
        else:
            assert ids is not None and np.array_equal(ids, want), name


MEASURE_MASK = textwrap.dedent("""
    import json, sys
    from preflight.formats.masks import read_mask
    read_mask(sys.argv[2])  # imports, cv2 and Pillow warmed up on a small mask
    rss = lambda key: next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(key))
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    base = rss("VmHWM")
    f = read_mask(sys.argv[1])
    print(json.dumps({"extra_kb": rss("VmHWM") - base, "kind": f.kind, "error": f.error}))
""")


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc")
def test_rgb_mask_decode_memory_is_a_few_bytes_a_pixel(tmp_path):
    """A 4096² RGB mask on the VOC palette: was ~42 bytes a pixel (np.unique over colour codes
    with its inverse), now 7.7: Pillow's 4 plus two candidate id arrays, the boundary map and
    one strip's temporaries."""
    idx = np.zeros((4096, 4096), np.uint8)
    idx[:2048] = 1
    idx[:, :1000] = 15
    big, small = tmp_path / "big.png", tmp_path / "small.png"
    big.write_bytes(_png(voc_palette()[idx], "RGB"))
    small.write_bytes(small_mask())
    p = subprocess.run([sys.executable, "-c", MEASURE_MASK, str(big), str(small)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    got = json.loads(p.stdout)
    assert got["kind"] == "rgb_voc" and got["error"] is None
    pixels = 4096 * 4096
    assert got["extra_kb"] * 1024 < 12 * pixels, f"{got['extra_kb'] * 1024 / pixels:.1f} bytes a pixel"  # 7.7 measured


# -- the time budget ----------------------------------------------------------------------------


def test_time_budget_stops_the_fuzz_mask_and_names_the_cap(tmp_path):
    """The pathological 343-byte mask under a 1 ms budget: stopped, reported, never cached."""
    data = mask_dataset(tmp_path / "ds", {"tall": FUZZ_TALL_MASK, "ok": small_mask()})
    with limits.applied(limits.Limits(file_timeout=0.001)):
        result, ctx = audit_data(data, jobs=1, select=["M106"])
    hits = findings(result, "M106")
    tall = [h for h in hits if h["path"] == "masks/train/tall.png"]
    assert tall and limits.TIMED_OUT in tall[0]["message"] and "--file-timeout 0.001 s" in tall[0]["message"]
    # the next run, with the default budget, reads it (nothing out of time was cached) and it is fine
    result, ctx = audit_data(data, jobs=1, select=["M106"])
    assert not [h for h in findings(result, "M106") if h["path"] == "masks/train/tall.png"]
    assert ctx.masks[str(tmp_path / "ds/masks/train/tall.png")].morph is not None


def test_time_budget_stops_a_generated_slow_mask_within_the_budget(tmp_path):
    data = mask_dataset(tmp_path / "ds", {"slow": slow_mask(), "ok": small_mask()})
    path = str(tmp_path / "ds/masks/train/slow.png")
    t0 = time.perf_counter()
    assert read_mask(path).morph is not None  # whole, for scale: ~0.2 s (at the morphology budget)
    alone = time.perf_counter() - t0
    budget = 0.05
    allowance = os.path.getsize(path) / 2**20 * limits.SECONDS_PER_MB  # ~0.04 s for 40 kB
    # the test needs a mask that takes well over its budget: fail loudly, never pass vacuously
    assert alone > 2 * (budget + allowance), f"the generated mask reads in {alone:.3f} s: too fast to test a budget"
    with limits.applied(limits.Limits(file_timeout=budget)):
        t0 = time.perf_counter()
        facts = limits.guard("mask", read_mask)(path, False)
        took = time.perf_counter() - t0
        result, _ = audit_data(data, jobs=1, use_cache=False, select=["M106"])
    assert facts.error and limits.TIMED_OUT in facts.error
    # stopped at the budget, plus at most one step the timer cannot interrupt (a C call)
    assert took < budget + allowance + 0.5 and (alone < budget + 0.5 or took < alone), (took, alone)
    hits = [h for h in findings(result, "M106") if h["path"] == "masks/train/slow.png"]
    assert hits and f"stopped after {budget + allowance:.3g} s" in hits[0]["message"], hits
    assert "--file-timeout 0.05 s" in hits[0]["message"]


def test_cooperative_budget_where_no_timer_signal_can_reach(tmp_path):
    """Off the main thread (a Dask worker thread), the reader's own checks stop it."""
    p = tmp_path / "slow.png"
    p.write_bytes(slow_mask())
    out: list = []
    with limits.applied(limits.Limits(file_timeout=0.05)):
        guarded = limits.guard("mask", read_mask)
        t = threading.Thread(target=lambda: out.append((guarded(str(p), False), time.perf_counter())))
        t0 = time.perf_counter()
        t.start()
        t.join(60)
    facts, end = out[0]
    assert facts.error and limits.TIMED_OUT in facts.error and facts.values is None
    assert end - t0 < 0.05 + 0.04 + 0.6


def test_budget_leaves_the_signal_handlers_as_found(tmp_path):
    import signal

    p = tmp_path / "m.png"
    p.write_bytes(small_mask())
    mine = []
    before = signal.signal(signal.SIGALRM, lambda *a: mine.append(a))
    try:
        with limits.applied(limits.Limits(file_timeout=5)):
            assert limits.guard("mask", read_mask)(str(p), False).error is None
        assert signal.getsignal(signal.SIGALRM) is not None and not mine
        assert signal.getitimer(signal.ITIMER_REAL)[0] == 0
        assert signal.getsignal(signal.SIGALRM) not in (limits._on_alarm, signal.SIG_DFL)
    finally:
        signal.signal(signal.SIGALRM, before)


def test_pool_workers_stop_a_slow_mask_and_the_cache_retries_it(tmp_path):
    """--jobs 2 over 200+ files (the worker pool): the slow mask is a finding naming the cap,
    the others are read; a later run with the default budget re-reads only that file."""
    masks = {f"m{i:03d}": small_mask(i) for i in range(205)}
    masks["slow"] = slow_mask()
    data = mask_dataset(tmp_path / "ds", masks)
    env = dict(os.environ, PREFLIGHT_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("PREFLIGHT_LIMITS", None)

    def cli(*extra: str) -> dict:
        p = subprocess.run([sys.executable, "-m", "preflight", "data", str(data), "--format", "json", "--jobs", "2",
                            "--select", "M106,M123", *extra], capture_output=True, text=True, env=env, timeout=300)
        assert p.returncode in (0, 1), p.stderr
        return json.loads(p.stdout)

    doc = cli("--file-timeout", "0.05")  # the slow mask takes ~0.2 s, the budget 0.05 + 0.04 s
    m106 = [f for f in doc["findings"] if f["code"] == "M106"]
    assert len(m106) == 1 and m106[0]["path"] == "masks/train/slow.png", m106
    assert "--file-timeout 0.05 s" in m106[0]["message"]
    doc = cli()
    assert not [f for f in doc["findings"] if f["code"] == "M106"]
    assert doc["summary"]["scan"]["read"] == 1, doc["summary"]["scan"]  # only the mask out of time


# -- the size cap ------------------------------------------------------------------------------


def _json(capsys, *args: object) -> dict:
    rc = run([str(a) for a in args])
    out, err = capsys.readouterr()
    assert rc in (0, 1) and "Traceback" not in out + err, err
    doc = json.loads(out)
    doc["summary"].pop("seconds", None)
    doc["summary"].pop("scan", None)
    doc.pop("notes", None)
    return doc


def test_max_file_mb_changes_the_findings_and_the_cache_key(tmp_path, capsys):
    spec: dict = {"data": {"names": ["a", "b"]}, "files": {}}
    for i in range(6):
        spec["files"][f"images/train/{i}.jpg"] = {"image": [64, 48], "seed": i}
        spec["files"][f"labels/train/{i}.txt"] = "0 0.5 0.5 0.2 0.2\n" * (1 + 40 * (i == 0))
    data = build_dataset(tmp_path / "ds", spec)
    big_label = os.path.getsize(tmp_path / "ds/labels/train/0.txt")  # 41 lines: 738 bytes
    cap_mb = 0.0005  # 524 bytes: only labels/train/0.txt is over it

    default = _json(capsys, "data", data, "--format", "json")  # fills the cache
    assert not [f for f in default["findings"] if f["code"] == "D101"]
    capped = _json(capsys, "data", data, "--format", "json", "--max-file-mb", f"yolo={cap_mb}")
    d101 = [f for f in capped["findings"] if f["code"] == "D101"]
    assert d101 and d101[0]["path"] == "labels/train/0.txt" and big_label > cap_mb * 2**20
    assert "limit for this kind of file (--max-file-mb)" in d101[0]["message"]
    # the cached run under the cap equals the uncached one; back to the default, no stale refusal
    assert capped == _json(capsys, "data", data, "--format", "json", "--max-file-mb", f"yolo={cap_mb}", "--no-cache")
    assert capped == _json(capsys, "data", data, "--format", "json", "--max-file-mb", f"yolo={cap_mb}")
    assert default == _json(capsys, "data", data, "--format", "json")
    # one cap for every kind: the images (a few kB) are refused too
    every = _json(capsys, "data", data, "--format", "json", "--max-file-mb", "0.0001")
    assert {"I101", "D101"} <= {f["code"] for f in every["findings"]}
    assert every == _json(capsys, "data", data, "--format", "json", "--max-file-mb", "0.0001", "--no-cache")


def test_size_cap_can_be_raised_past_the_default(tmp_path):
    """A mask over the default 256 MB would be refused; a raised cap reads past it (shown with
    a small default instead of a 256 MB file: the cap replaces the reader's own)."""
    p = tmp_path / "m.png"
    p.write_bytes(small_mask())
    size = p.stat().st_size
    from preflight.formats import _fs

    with limits.applied(limits.Limits(max_bytes={"mask": size})):
        with pytest.raises(_fs.FileProblem):  # outside a scan: the reader's own cap
            _fs.read_bounded(str(p), size - 1)
        assert limits.guard("mask", read_mask)(str(p), False).error is None
    with limits.applied(limits.Limits(max_bytes={"mask": size - 1})):
        err = limits.guard("mask", read_mask)(str(p), False).error
        assert err and "(--max-file-mb)" in err
    # the edge map of a mask's image follows the image cap
    with limits.applied(limits.Limits(max_bytes={"image": 10})):
        assert limits.cache_tag("edges") == limits.cache_tag("image") == "~10"
        assert limits.cache_tag("mask") == ""


@pytest.mark.parametrize("args, says", [
    (["--max-file-mb", "labels=3"], "unknown kind 'labels'"),
    (["--max-file-mb", "-1"], "positive"),
    (["--max-file-mb", "coco=lots"], "not a number"),
    (["--file-timeout", "-2"], "--file-timeout"),
    (["--file-timeout", "nan"], "--file-timeout"),
])
def test_bad_limit_options_are_exit_2_in_one_line(tmp_path, capsys, args, says):
    data = build_dataset(tmp_path / "ds", {"data": {"names": ["a"]}, "files": {
        "images/train/a.jpg": {"image": [64, 48]}, "labels/train/a.txt": "0 0.5 0.5 0.2 0.2\n"}})
    rc = run(["data", str(data), *args])
    out, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == 2 and len(lines) == 1 and says in lines[0], err
    assert "Traceback" not in out + err


def test_no_budget_and_endless_budgets_read_normally(tmp_path):
    p = tmp_path / "m.png"
    p.write_bytes(FUZZ_TALL_MASK)
    for seconds in (0.0, float("inf"), 1e15):
        with limits.applied(limits.Limits(file_timeout=seconds)):
            facts = limits.guard("mask", read_mask)(str(p), False)
        assert facts.error is None and facts.morph is not None, seconds


def test_limits_travel_to_workers_and_are_restored():
    assert "PREFLIGHT_LIMITS" not in os.environ
    lim = limits.Limits(file_timeout=7.5, max_bytes={"coco": 123, "*": 9})
    with limits.applied(lim):
        assert limits.current() == lim
        assert limits.Limits.from_env(os.environ["PREFLIGHT_LIMITS"]) == lim
        assert limits.cache_tag("coco") == "~123" and limits.cache_tag("yolo") == "~9"
    assert "PREFLIGHT_LIMITS" not in os.environ and limits.current() == limits.Limits()
    assert limits.Limits.from_env("{not json") == limits.Limits()  # a damaged variable: the defaults
    assert limits.parse_max_file_mb(["100", "coco=2000,mask=1.5"]) == {
        "*": 100 << 20, "coco": 2000 << 20, "mask": int(1.5 * 2**20)}
