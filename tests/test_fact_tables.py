"""The columnar fact tables (issue 9): what goes in comes out, and the checks rewritten on their
columns report exactly what the per-file versions (kept here as references) report."""

from __future__ import annotations

import os
import random

import cv2
import numpy as np
import pytest

from preflight.config import load_data_config
from preflight.engine import build_context
from preflight.facts import CXCYWH_NORM, Annotations, ImageFacts, LabelFacts, LineIssue
from preflight.findings import Hit
from preflight.geometry import iou_matrix
from preflight.registry import get_check
from preflight.tables import ImageTable, LabelTable


def test_image_table_gives_back_what_it_was_given():
    rng = random.Random(3)
    facts = {}
    for i in range(300):
        facts[f"/d/{i:04d}.jpg"] = ImageFacts(
            bytes=rng.randint(0, 10**9), width=rng.choice([None, 0, 7, 4000]), height=rng.choice([None, 1, 3000]),
            format=rng.choice([None, "JPEG", "PNG"]), mode=rng.choice([None, "RGB", "L"]),
            error=rng.choice([None, None, "zero-byte file", "not a readable image (x)"]),
            truncated=rng.choice([None, "cut short"]), orientation=rng.choice([None, 1, 6, 8, 0]),
            sha=rng.choice([None, f"{rng.getrandbits(160):040x}", "00" * 20, "abc"]),
            phash=rng.choice([None, 0, 2**64 - 1, rng.getrandbits(64)]), deep=rng.random() < 0.5,
            brightness=rng.choice([None, 0.0, 127.125]),
        )
    paths = sorted(facts)
    table = ImageTable(paths[:250])
    for p in reversed(paths):  # any order; the last 50 are not in the scan's list
        table[p] = facts[p]
    assert len(table) == 300 and set(table) == set(paths)
    assert all(table[p] == facts[p] for p in paths)
    assert dict(table.items()) == facts
    assert table.get("/nope") is None and "/nope" not in table
    keys = table.sha_keys()
    for i, p in enumerate(table.paths):
        for j, q in enumerate(table.paths):
            f, g = facts[p], facts[q]
            usable = f.sha and not f.error and g.sha and not g.error
            assert (keys[i] == keys[j] and keys[i] >= 0) == bool(usable and f.sha == g.sha)


def test_label_table_gives_back_what_it_was_given():
    def lf(n, names=None, polygon=False):
        ann = Annotations(CXCYWH_NORM, cls=np.arange(n, dtype=float), box=np.full((n, 4), 0.5), line=np.arange(1, n + 1),
                          points=np.full(n, 3 if polygon else 0), poly_area=np.full(n, 0.1 if polygon else np.nan),
                          names=names)
        return LabelFacts(bytes=10 * n, annotations=ann, lines=n, issues=[LineIssue(1, "columns", "x")] if n == 2 else [])

    facts = {"/l/a.txt": lf(3), "/l/b.txt": lf(0), "/l/c.txt": LabelFacts(bytes=0, error="binary"),
             "/l/d.txt": lf(2, names=["x", "y"], polygon=True), "/l/e.txt": LabelFacts(bytes=5, declared_size=(3, 4, 3))}
    table = LabelTable(sorted(facts))
    for p in ("/l/d.txt", "/l/a.txt", "/l/e.txt", "/l/c.txt", "/l/b.txt"):
        table.put(p, facts[p])

    def same(a, b):
        assert (a.bytes, a.issues, a.error, a.declared_size, a.lines) == (b.bytes, b.issues, b.error, b.declared_size, b.lines)
        assert (a.annotations is None) == (b.annotations is None)
        if a.annotations is not None:
            assert a.annotations.box_format == b.annotations.box_format and a.annotations.names == b.annotations.names
            assert np.array_equal(a.annotations.data, b.annotations.data, equal_nan=True)

    for p, f in facts.items():
        same(table[p], f)
    polys, rows = table.polygon_counts()
    assert rows == [3, 0, 0, 2, 0] and polys == [0, 0, 0, 2, 0]
    # d was put first (rows 0-1), a second (rows 2-4): the permutation that puts a first
    a, d = table.index("/l/a.txt"), table.index("/l/d.txt")
    assert (table.start[d], table.start[a]) == (0, 2)
    table.reorder(np.asarray([2, 3, 4, 0, 1]), np.asarray([0, 3]), np.asarray([a, d]))
    assert (table.start[a], table.start[d]) == (0, 3)
    for p, f in facts.items():
        same(table[p], f)


# -- the rewritten checks against their per-file versions -------------------------------------

def _old_i106(ctx):
    by_key = {}
    for s in ctx.samples:
        facts = ctx.images.get(s.image)
        if facts is not None and facts.sha and not facts.error:
            paths = by_key.setdefault((s.split, facts.sha), [])
            if s.image not in paths:
                paths.append(s.image)
    for (split, _), paths in by_key.items():
        if len(paths) < 2:
            continue
        paths.sort()
        first = ctx.rel(paths[0])
        for other in paths[1:]:
            yield Hit(f"same bytes as {first}", path=ctx.rel(other), split=split)


def _old_i108(ctx):
    by_sha = {}
    for s in ctx.samples:
        f = ctx.images.get(s.image)
        key = f.sha if f is not None and f.sha and not f.error else f"path:{s.image}"
        by_sha.setdefault(key, {}).setdefault(s.split, s.image)
    order = {"train": 0, "val": 1, "test": 2}
    for splits in by_sha.values():
        if len(splits) < 2:
            continue
        names = sorted(splits, key=lambda x: (order.get(x, 9), x))
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                same = splits[a] == splits[b]
                msg = f"listed in {a} and {b}" if same else f"same bytes as {ctx.rel(splits[a])} ({a})"
                yield Hit(msg, path=ctx.rel(splits[b]), split=b, group=f"{a}/{b}", data={"same_path": same})


def _old_i109(ctx):
    b = ctx.boxes
    empty = np.zeros(0, dtype=int)
    by_sha = {}
    for i, src in enumerate(ctx.sources):
        f = ctx.images.get(src.image) if src.image else None
        if f is not None and f.sha and not f.error:
            by_sha.setdefault(f.sha, []).append(i)
    for idxs in by_sha.values():
        if len(idxs) < 2:
            continue
        idxs.sort(key=lambda i: ctx.sources[i].image)
        base = idxs[0]
        ra = ctx.rows_by_source.get(base, empty)
        for other in idxs[1:]:
            rb = ctx.rows_by_source.get(other, empty)
            why = None
            if len(ra) != len(rb):
                why = f"{len(rb)} objects here, {len(ra)} in"
            elif len(ra) and np.array_equal(b.cls[ra], b.cls[rb]) and np.array_equal(b.xyxy[ra], b.xyxy[rb]) and \
                    np.all(b.xyxy[ra][:, 2] > b.xyxy[ra][:, 0]) and np.all(b.xyxy[ra][:, 3] > b.xyxy[ra][:, 1]):
                continue
            elif len(ra):
                ca, cb = np.nan_to_num(b.cls[ra], nan=-9), np.nan_to_num(b.cls[rb], nan=-9)
                if not np.array_equal(np.sort(ca), np.sort(cb)):
                    why = "other classes than"
                else:
                    iou = np.where(ca[:, None] == cb[None, :], iou_matrix(b.xyxy[ra], b.xyxy[rb]), 0.0)
                    worst = min(iou.max(axis=1).min(), iou.max(axis=0).min())
                    if worst < 0.9:
                        why = f"a box matches no box of the same class better than IoU {worst:.2f} in"
            if why:
                sa, sb = ctx.sources[base], ctx.sources[other]
                yield Hit(f"{why} {ctx.rel(sa.label)} (same image as {ctx.rel(sa.image)})", path=ctx.rel(sb.label), split=sb.split)


def _old_d130(ctx):
    for s in ctx.sources:
        lf = ctx.labels.get(s.label)
        ann = lf.annotations if lf is not None else None
        if ann is None or ann.box_format != "cxcywh_norm" or len(ann) < 2:
            continue
        polys = int(np.count_nonzero(ann.points > 0))
        if polys and len(ann) - polys:
            yield Hit(f"{len(ann) - polys} box rows and {polys} polygon rows", path=ctx.rel(s.label), split=s.split)


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """A YOLO set with copies inside and across splits, an image listed in two splits,
    conflicting and identical labels on copies, polygons, empty and missing label files."""
    root = tmp_path_factory.mktemp("messy")
    rng = np.random.default_rng(5)
    pictures = []
    for k in range(6):
        img = np.full((20 + k, 30, 3), k * 40, np.uint8)
        ok, buf = cv2.imencode(".png", img)
        pictures.append(buf.tobytes())
    rows = ["0 0.5 0.5 0.2 0.2", "1 0.3 0.3 0.1 0.1\n0 0.6 0.6 0.2 0.2", "2 0.1 0.1 0.3 0.1 0.3 0.4",
            "0 0.5 0.5 0.2 0.2\n1 0.1 0.1 0.3 0.1 0.3 0.4", "", None]
    listed = {"train": [], "val": [], "test": []}
    for split, n in (("train", 40), ("val", 15), ("test", 8)):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(n):
            pic = int(rng.integers(0, len(pictures)))
            img = root / "images" / split / f"{split}_{i:03d}.png"
            img.write_bytes(pictures[pic])
            text = rows[int(rng.integers(0, len(rows)))]
            if text is not None:
                (root / "labels" / split / f"{split}_{i:03d}.txt").write_text(text + "\n" if text else "")
            listed[split].append(str(img))
    # val also lists three train images by path
    (root / "val.txt").write_text("\n".join([*listed["val"], *listed["train"][:3]]) + "\n")
    (root / "data.yaml").write_text("path: .\ntrain: images/train\nval: val.txt\ntest: images/test\nnames: [a, b, c]\n")
    return root


def _hits(func, ctx):
    return [(h.message, h.path, h.line, h.split, h.group, h.data) for h in func(ctx)]


@pytest.mark.parametrize("code,old", [("I106", _old_i106), ("I108", _old_i108), ("I109", _old_i109), ("D130", _old_d130)])
def test_columnar_checks_report_what_the_per_file_versions_did(messy, code, old):
    ctx = build_context(load_data_config(messy / "data.yaml"), jobs=1, use_cache=False)
    new = _hits(get_check(code).func, ctx)
    assert new == _hits(old, ctx)
    if code in ("I106", "I108", "I109"):
        assert new, f"the fixture should give {code} something to find"


def test_image_properties_read_from_the_columns_equal_per_file_reads(messy):
    import math

    from preflight.checks._distributions import image_properties

    ctx = build_context(load_data_config(messy / "data.yaml"), jobs=1, use_cache=False)
    paths = [s.image for s in ctx.samples] + [os.path.join(str(messy), "images", "nowhere.png")]
    got = image_properties(ctx, paths)
    folders: dict[str, int] = {}
    for k, p in enumerate(paths):
        im = ctx.images.get(p)
        size = im.oriented_size if im is not None and not im.error else None
        want = {
            "file size": math.log(im.bytes) if im is not None and im.bytes else math.nan,
            "width": float(size[0]) if size else math.nan,
            "height": float(size[1]) if size else math.nan,
            "resolution": math.log(size[0] * size[1]) if size and size[0] * size[1] > 0 else math.nan,
            "brightness": math.nan,
            "folder": float(folders.setdefault(os.path.dirname(p), len(folders))),
        }
        for name, value in want.items():
            assert got[name][k] == value or (math.isnan(value) and math.isnan(got[name][k])), (name, p)
