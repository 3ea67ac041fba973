"""M124 on the 54 official VOC 2012 masks: quiet as they are, and one planted region each of an
outline, a scribble and a line found among 57 person regions (copies in tmp_path only)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from maskkit import VOC, VOC_NAMES, audit, codes, needs_shared, palette_png, write_dataset
from PIL import Image

pytestmark = pytest.mark.shared_data


def _grey_jpeg(h: int, w: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", np.full((h, w, 3), 128, np.uint8))
    assert ok
    return buf.tobytes()


def _largest(a: np.ndarray, value: int) -> tuple[np.ndarray, np.ndarray]:
    n, lab, stats, _ = cv2.connectedComponentsWithStats((a == value).astype(np.uint8), connectivity=8)
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return lab == i, stats[i]


def build(tmp_path: Path, edit=None) -> Path:
    """The 54 masks of voc2012_resized_jpgs (their own sizes: grey pictures stand in for the
    photos, which that folder does not have), each passed through ``edit(stem, indices)``."""
    needs_shared()
    pairs = {}
    for f in sorted((VOC / "voc2012_resized_jpgs" / "masks").glob("*/*.png")):
        a = np.asarray(Image.open(f)).copy()
        b = edit(f.stem, a) if edit else a
        pairs[f.stem] = (_grey_jpeg(*a.shape), palette_png(b))
    return write_dataset(tmp_path / "ds", {"train": pairs}, names=VOC_NAMES, ignore_index=255)


def outline(stem, a):
    """The largest person of 2007_000129 drawn as its 2-pixel outline (cv2.polylines where
    cv2.fillPoly was meant)."""
    if stem != "2007_000129":
        return a
    region, _ = _largest(a, 15)
    b = a.copy()
    b[region] = 0
    contours, _ = cv2.findContours(region.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(b, contours, -1, 15, 2)
    return b


def scribble(stem, a):
    """The largest person of 2007_000762 replaced by a 3-pixel wavy stroke across its box."""
    if stem != "2007_000762":
        return a
    region, (x, y, w, h, _) = _largest(a, 15)
    b = a.copy()
    b[region] = 0
    t = np.linspace(0.1, 0.9, 40)
    pts = np.stack([x + w * t, y + h * (0.5 + 0.3 * np.sin(6 * t))], axis=1).astype(np.int32)
    cv2.polylines(b, [pts], False, 15, 3)
    return b


def line(stem, a):
    """The largest person of 2007_000129 collapsed to a 2-pixel vertical line (a polygon whose
    points became collinear)."""
    if stem != "2007_000129":
        return a
    region, (x, y, w, h, _) = _largest(a, 15)
    b = a.copy()
    b[region] = 0
    cv2.line(b, (int(x + w // 2), int(y + 10)), (int(x + w // 2), int(y + h - 10)), 15, 2)
    return b


def boxfill(stem, a):
    """The largest person of 2007_000129 painted as its filled bounding box."""
    if stem != "2007_000129":
        return a
    _, (x, y, w, h, _) = _largest(a, 15)
    b = a.copy()
    b[y:y + h, x:x + w] = 15
    return b


def test_official_masks_are_quiet(tmp_path):
    result, ctx = audit(build(tmp_path))
    assert "M124" not in codes(result)
    # every mask carries its regions' moments, person has enough of them to be judged
    shapes = [f.shapes for f in ctx.masks.values()]
    assert all(s is not None for s in shapes)
    persons = sum(int((s[:, 0] == 15).sum()) for s in shapes)
    assert persons == 57


@pytest.mark.parametrize(("edit", "stem", "word"), [
    (outline, "2007_000129", "spread"), (scribble, "2007_000762", "spread"), (line, "2007_000129", "elongation"),
])
def test_planted_region_is_found_alone(tmp_path, edit, stem, word):
    found = codes(audit(build(tmp_path, edit))[0])
    (f,) = found["M124"]
    assert f.count == 1 and f.path == f"masks/train/{stem}.png", f.message
    assert f.message.startswith("person region") and word in f.message, f.message
    assert f.data["z"] > 6


def test_box_painted_as_mask_is_not_told_apart(tmp_path):
    """The measured limit: a filled box spreads like a filled ellipse (1.05×), within the
    person class's range, so second-order moments cannot see it."""
    assert "M124" not in codes(audit(build(tmp_path, boxfill))[0])


def test_region_moments_match_opencv():
    """The reader's eigenvalues equal those from cv2.moments of each region (float64)."""
    from preflight.formats.mask_shapes import region_shapes

    needs_shared()
    a = np.asarray(Image.open(VOC / "voc2012_resized_jpgs" / "masks" / "train" / "2007_000129.png"))
    values, counts = np.unique(a, return_counts=True)
    rows = region_shapes(a, values, counts)
    assert len(rows) >= 3
    for v, area, cx, _cy, l1, l2 in rows.tolist():
        n, lab, stats, cent = cv2.connectedComponentsWithStats((a == int(v)).astype(np.uint8), connectivity=8)
        (i,) = [i for i in range(1, n) if stats[i, 4] == area and abs(cent[i][0] - cx) < 0.01]
        m = cv2.moments((lab == i).astype(np.uint8), binaryImage=True)
        a2 = float(area) ** 2
        cov = np.array([[m["mu20"] + area / 12, m["mu11"]], [m["mu11"], m["mu02"] + area / 12]]) / a2
        lo, hi = np.linalg.eigvalsh(cov)
        assert l1 == pytest.approx(hi, rel=1e-5) and l2 == pytest.approx(lo, rel=1e-4)


def test_region_boxes_one_by_one_or_from_opencv_statistics_agree(monkeypatch):
    """component_shapes finds each kept region's box from its pixels (a few regions) or from
    cv2's per-label statistics (many): the rows are the same, to the bit."""
    from preflight.formats import mask_shapes as S

    rng = np.random.default_rng(4)
    a = np.zeros((200, 300), np.uint8)
    for _ in range(14):  # 14 blobs of one class, some touching: 8-connected regions of many sizes
        cx, cy = int(rng.integers(10, 290)), int(rng.integers(10, 190))
        cv2.ellipse(a, (cx, cy), (int(rng.integers(5, 30)), int(rng.integers(5, 20))), float(rng.uniform(0, 180)),
                    0, 360, 3, -1)
    n, labels = cv2.connectedComponents((a == 3).view(np.uint8), connectivity=8)
    monkeypatch.setattr(S, "_BOXES_ONE_BY_ONE", 10**6)
    one_by_one = S.component_shapes(3, labels, np.bincount(labels.ravel()), 0, 0)
    monkeypatch.setattr(S, "_BOXES_ONE_BY_ONE", 0)
    from_stats = S.component_shapes(3, labels, np.bincount(labels.ravel()), 0, 0)
    assert len(one_by_one) > 4 and one_by_one == from_stats  # more regions kept than the one-by-one limit
