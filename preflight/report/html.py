"""The HTML report: one self-contained file (inline CSS/JS, embedded pictures, no network).

:func:`write_html` turns an :class:`~preflight.result.AuditResult` into a page a person can
open from an e-mail or a CI artifact: the verdict and predicted curve pathologies at the top,
the dataset's shape (splits, classes, boxes, mask pixels, duplicates and leakage), the
findings grouped by check with thumbnails of their examples, and the model / probe sections
when the audit had them. Filters by severity, check and split run in the page; without
JavaScript every finding is simply shown.

Everything a dataset controls (class names, file names, messages) goes through Jinja2's
autoescaping; plots embed dataset text only inside PNG pixels. The page's size is bounded by
the caps below (documented in docs/report.md): thumbnails per check and in total, findings
shown per check and in total, rows per table. The JSON output always carries everything.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import __version__
from ..findings import Finding, Severity

__all__ = [
    "MAX_FINDINGS_PER_CHECK",
    "MAX_FINDINGS_TOTAL",
    "MAX_EXAMPLES_PER_FINDING",
    "MAX_EXAMPLES_TOTAL",
    "MAX_THUMBS_PER_CHECK",
    "MAX_THUMBS_PER_FINDING",
    "MAX_THUMBS_TOTAL",
    "build_view",
    "render_html",
    "write_html",
]

#: Thumbnails per check (over all its findings) and in the whole report. At ~10 KB a
#: thumbnail (240 px JPEG, quality 70) the thumbnails stay under ~1.5 MB.
MAX_THUMBS_PER_CHECK = 8
MAX_THUMBS_PER_FINDING = 4
MAX_THUMBS_TOTAL = 120
#: Findings listed per check and in the whole report; the rest are counted, not listed
#: (a 10,000-finding audit stays around 1–2 MB; ``--format json`` has them all).
MAX_FINDINGS_PER_CHECK = 25
MAX_FINDINGS_TOTAL = 600
#: Example locations listed per finding (findings keep at most 20), and in the whole report.
MAX_EXAMPLES_PER_FINDING = 10
MAX_EXAMPLES_TOTAL = 3000
#: Rows per model / probe table.
MAX_TABLE_ROWS = 200
#: Classes drawn in the box scatter (the rest are grouped grey).
MAX_SCATTER_CLASSES = 8

_SEVERITIES = ("error", "warning", "info")
_LEAK_CODES = ("I106", "I107", "I108", "I109")
_ANNOTATION_ID = re.compile(r"annotation (\d+)")
#: file paths named inside a message (relative, with an extension): "same bytes as a/b.jpg"
_PATH_TOKEN = re.compile(r"[\w.\-/]+/[\w.\-]+\.[A-Za-z]{2,5}\b")


# -- the view model -------------------------------------------------------------------------
@dataclass
class Thumb:
    src: str
    caption: str
    alt: str
    split: str | None = None
    message: str = ""
    #: two pictures side by side: what the left and right halves are ("" for one picture)
    pair: str = ""


@dataclass
class FindingView:
    severity: str
    message: str
    where: str | None
    split: str | None
    splits: list[str]
    count: int
    remedy: str | None
    examples: list[dict[str, Any]]
    more_examples: int
    json_examples: int
    cls: str | None
    thumbs: list[Thumb] = field(default_factory=list)


@dataclass
class CheckGroup:
    code: str
    title: str
    severity: str
    explain: str | None
    remedy: str | None
    pathology: str | None
    count: int
    findings: list[FindingView] = field(default_factory=list)
    hidden_findings: int = 0
    thumb_count: int = 0
    splits: list[str] = field(default_factory=list)


def _fmt_num(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        if v == 0:
            return "0"
        if abs(v) >= 1e5 or abs(v) < 1e-3:
            return f"{v:.3g}"
        return f"{v:.4g}"
    return str(v)


def _fmt(v: Any) -> str:
    """A cell's text: numbers rounded, short lists inline, None as an em dash."""
    if v is None:
        return "—"
    if isinstance(v, (list, tuple)):
        if len(v) > 12:
            return ", ".join(_fmt_num(x) for x in v[:12]) + f", … ({len(v)})"
        return ", ".join(_fmt(x) for x in v) if v else "—"
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_fmt(x)}" for k, x in list(v.items())[:12]) or "—"
    return _fmt_num(v)


def _where(path: str | None, line: int | None) -> str | None:
    if not path:
        return None
    return f"{path}:{line}" if line else path


def _explain(code: str) -> str | None:
    try:
        from ..registry import get_check

        entry = get_check(code)
    except Exception:  # noqa: BLE001 - a broken check pack must not break the report
        return None
    return entry.doc.strip() if entry is not None and entry.doc else None


def _explain_sections(doc: str | None) -> list[tuple[str, str]]:
    """The check docstring as (heading, text) pairs; the first paragraph under ''."""
    if not doc:
        return []
    from ..registry import DOC_HEADINGS

    out: list[tuple[str, list[str]]] = [("", [])]
    for line in doc.splitlines():
        if line.strip() in DOC_HEADINGS:
            out.append((line.strip(), []))
        else:
            out[-1][1].append(line.strip())
    # the docstrings are reStructuredText: ``literal`` reads as plain text here
    return [(h, "\n".join(t).strip().replace("``", "")) for h, t in out if "\n".join(t).strip()]


# -- thumbnails: which image and which boxes an example is about ---------------------------------
class _Locator:
    """Maps a finding's example (a path relative to the dataset root, a line, a message) to
    the picture to show and the boxes to draw on it."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.root = os.path.normpath(str(ctx.cfg.root))
        self.images: dict[str, Any] = {os.path.normpath(k): v for k, v in ctx.images.items()}
        self.masks = {os.path.normpath(k) for k in getattr(ctx, "masks", {}) or {}}
        self.mask_image: dict[str, str] = {}
        self.image_sources: dict[str, list[int]] = {}
        self.label_sources: dict[str, list[int]] = {}
        for s in ctx.samples:
            if s.label and os.path.normpath(s.label) in self.masks:
                self.mask_image.setdefault(os.path.normpath(s.label), s.image)
        try:
            sources = ctx.sources
        except Exception:  # noqa: BLE001
            sources = []
        for i, src in enumerate(sources):
            self.label_sources.setdefault(os.path.normpath(src.label), []).append(i)
            if src.image:
                self.image_sources.setdefault(os.path.normpath(src.image), []).append(i)

    def abs(self, rel: str) -> str:
        return os.path.normpath(os.path.join(self.root, rel))

    def _rows(self, source: int) -> Any:
        import numpy as np

        try:
            return self.ctx.rows_by_source.get(source, np.zeros(0, np.int64))
        except Exception:  # noqa: BLE001
            return np.zeros(0, np.int64)

    def _size(self, image: str) -> tuple[int, int] | None:
        facts = self.images.get(os.path.normpath(image))
        return facts.oriented_size if facts is not None else None

    def plan(self, path: str | None, line: int | None, message: str) -> dict[str, Any] | None:
        """What to draw for one location: ``{"mask": ..., "image": ...}`` or
        ``{"image": ..., "bad": [rows], "rows": [rows]}`` (rows of ``ctx.boxes``)."""
        if not path:
            return None
        p = self.abs(path)
        if p in self.masks:
            return {"mask": p, "image": self.mask_image.get(p)}
        if p in self.images:
            if self.images[p].error:
                return None
            srcs = self.image_sources.get(p)
            rows = [int(r) for r in self._rows(srcs[0])] if srcs else []
            return {"image": p, "bad": [], "rows": rows}
        srcs = self.label_sources.get(p)
        if not srcs:
            return None
        b = self.ctx.boxes
        if len(srcs) > 1 or self.ctx.sources[srcs[0]].coco_id is not None:
            # a COCO json: the message names the annotation(s)
            ids = [int(x) for x in _ANNOTATION_ID.findall(message or "")]
            if not ids:
                return None
            import numpy as np

            hit = np.flatnonzero(np.isin(b.ann_id, ids))
            if not len(hit):
                return None
            source = int(b.source[hit[0]])
            rows = [int(r) for r in self._rows(source)]
            bad = [r for r in rows if int(b.ann_id[r]) == ids[0]]
        else:
            source = srcs[0]
            rows = [int(r) for r in self._rows(source)]
            bad = []
            if line:
                bad = [r for r in rows if int(b.line[r]) == line]
                if not bad:  # VOC: the finding points inside an <object>; take the object above it
                    before = [r for r in rows if 0 < int(b.line[r]) <= line]
                    bad = [max(before, key=lambda r: int(b.line[r]))] if before else []
        image = self.ctx.sources[source].image
        if not image or os.path.normpath(image) not in self.images:
            return None
        return {"image": os.path.normpath(image), "bad": bad, "rows": rows}

    def related(self, message: str, own: dict[str, Any]) -> dict[str, Any] | None:
        """Another file the message names (``same bytes as X``, ``15 in Y.xml``): the other
        half of a pair, shown beside the example."""
        for token in _PATH_TOKEN.findall(message or ""):
            other = self.plan(token, None, "")
            if other is None or "mask" in other:
                continue
            if other.get("image") == own.get("image") and other.get("rows") == own.get("rows"):
                continue
            return other
        return None

    def render(self, plan: dict[str, Any], pair: dict[str, Any] | None = None) -> str | None:
        from . import html_figures as fig

        if "mask" in plan:
            image = plan.get("image")
            return fig.mask_thumbnail(plan["mask"], image, size_hint=self._size(image) if image else None)
        b = self.ctx.boxes

        def boxes(pl: dict[str, Any]) -> tuple[Any, Any]:
            bad = set(pl["bad"])
            return b.xyxy[sorted(bad)], b.xyxy[[r for r in pl["rows"] if r not in bad]]

        bad, context = boxes(plan)
        if pair is None:
            return fig.thumbnail(plan["image"], size_hint=self._size(plan["image"]), bad=bad, context=context)
        tiles = [fig.boxed_tile(plan["image"], size_hint=self._size(plan["image"]), bad=bad, context=context)]
        obad, ocontext = boxes(pair)
        tiles.append(fig.boxed_tile(pair["image"], size_hint=self._size(pair["image"]), bad=obad, context=ocontext))
        return fig.side_by_side(tiles)


def _finding_locations(f: Finding) -> list[dict[str, Any]]:
    if f.examples:
        return f.examples
    if f.path:
        return [{"path": f.path, "line": f.line, "split": f.split, "message": f.message}]
    return []


def _thumbs_for(locator: _Locator, f: Finding, locs: list[dict[str, Any]], room: int) -> list[Thumb]:
    """Thumbnails of one finding: one per picture (the offending boxes of all its examples in
    that picture drawn together), with the other half of a pair beside it when the message
    names one."""
    plans: dict[str, dict[str, Any]] = {}
    for e in locs:
        message = str(e.get("message") or "")
        try:
            plan = locator.plan(e.get("path"), e.get("line"), message)
        except Exception:  # noqa: BLE001 - one odd file must not lose the whole report
            plan = None
        if plan is None:
            continue
        key = plan.get("mask") or plan["image"]
        where = _where(e.get("path"), e.get("line")) or ""
        if key in plans:
            known = plans[key]
            known["plan"]["bad"] = sorted(set(known["plan"].get("bad", [])) | set(plan.get("bad", [])))
            known["n"] += 1
            continue
        if len(plans) >= room:
            continue
        plans[key] = {"plan": plan, "where": where, "message": message, "split": e.get("split") or f.split, "n": 1}
    out = []
    for item in plans.values():
        plan = item["plan"]
        try:
            pair = locator.related(item["message"], plan) if "mask" not in plan else None
            src = locator.render(plan, pair)
        except Exception:  # noqa: BLE001
            src = None
        if src is None:
            continue
        caption = item["where"] + (f" (+{item['n'] - 1} more here)" if item["n"] > 1 else "")
        out.append(Thumb(src=src, caption=caption, alt=f"{f.code} {item['where']}: {item['message']}",
                         split=item["split"], message=item["message"],
                         pair="left: image · right: its mask" if "mask" in plan else
                         ("left: this file · right: the file named in the message" if pair is not None else "")))
    return out


def _group_findings(findings: list[Finding], locator: _Locator | None) -> tuple[list[CheckGroup], int]:
    groups: dict[str, CheckGroup] = {}
    thumbs_left = MAX_THUMBS_TOTAL
    examples_left = MAX_EXAMPLES_TOTAL
    listed = 0
    hidden_total = 0
    ordered = sorted(findings, key=Finding.sort_key)
    for f in ordered:
        g = groups.get(f.code)
        if g is None:
            g = groups[f.code] = CheckGroup(
                code=f.code, title=f.title, severity=f.severity.value, explain=_explain(f.code),
                remedy=f.remedy, pathology=f.pathology, count=0,
            )
        elif Severity.parse(f.severity).rank > Severity.parse(g.severity).rank:
            g.severity = f.severity.value
        g.count += f.count
        locs = _finding_locations(f)
        splits = sorted({s for s in [f.split, *(e.get("split") for e in locs)] if s})
        for s in splits:
            if s not in g.splits:
                g.splits.append(s)
        if len(g.findings) >= MAX_FINDINGS_PER_CHECK or listed >= MAX_FINDINGS_TOTAL:
            g.hidden_findings += 1
            hidden_total += 1
            continue
        listed += 1
        examples = [
            {"where": _where(e.get("path"), e.get("line")), "split": e.get("split"), "message": e.get("message")}
            for e in f.examples[:min(MAX_EXAMPLES_PER_FINDING, examples_left)]
        ]
        examples_left -= len(examples)
        fv = FindingView(
            severity=f.severity.value, message=f.message, where=_where(f.path, f.line), split=f.split,
            splits=splits, count=f.count, remedy=f.remedy if f.remedy != g.remedy else None,
            examples=examples, more_examples=max(0, f.count - len(examples)) if examples else 0,
            json_examples=len(f.examples),
            cls=None if f.cls is None else str(f.cls),
        )
        g.findings.append(fv)
        if locator is None:
            continue
        room = min(MAX_THUMBS_PER_FINDING, MAX_THUMBS_PER_CHECK - g.thumb_count, thumbs_left)
        if room > 0:
            fv.thumbs = _thumbs_for(locator, f, locs, room)
            g.thumb_count += len(fv.thumbs)
            thumbs_left -= len(fv.thumbs)
    out = sorted(groups.values(), key=lambda g: (-Severity.parse(g.severity).rank, g.code))
    return out, hidden_total


# -- data section ----------------------------------------------------------------------------
def _split_table(ctx: Any) -> list[dict[str, Any]]:
    splits = list(ctx.cfg.splits)
    rows: dict[str, dict[str, Any]] = {
        s: {"split": s, "images": 0, "with labels": 0, "annotations": 0} for s in splits
    }
    masks = {os.path.normpath(k) for k in (getattr(ctx, "masks", None) or {})}
    for s in ctx.samples:
        r = rows.setdefault(s.split, {"split": s.split, "images": 0, "with labels": 0, "annotations": 0})
        r["images"] += 1
        if s.label is not None:
            r["with labels"] += 1
            if os.path.normpath(s.label) in masks:
                continue
            try:
                ann = ctx.annotations(s)
            except Exception:  # noqa: BLE001
                ann = None
            r["annotations"] += 0 if ann is None else len(ann)
    orphans: dict[str, int] = {}
    for split, _ in getattr(ctx.layout, "orphan_labels", []):
        orphans[split] = orphans.get(split, 0) + 1
    for s, r in rows.items():
        r["label files without image"] = orphans.get(s, 0)
    if masks:
        for r in rows.values():
            r["masks"] = r.pop("with labels")
            r.pop("annotations")
    return list(rows.values())


def _class_histogram(ctx: Any) -> str | None:
    from . import html_figures as fig

    counts = ctx.class_counts
    names = ctx.cfg.names
    series = {split: {names.get(k, str(k)): v for k, v in d.items()} for split, d in counts.items() if d}
    if not series:
        return None
    values = [v for d in series.values() for v in d.values() if v > 0]
    log = bool(values) and max(values) / max(1, min(values)) >= 50
    return fig.bar_chart(series, xlabel="annotations" + (" (log scale)" if log else ""), log=log)


def _box_scatter(ctx: Any) -> str | None:
    import numpy as np

    from . import html_figures as fig

    b = ctx.boxes
    if len(b) == 0:
        return None
    wh = (b.xyxy[:, 2:] - b.xyxy[:, :2]) * b.canvas
    ok = np.isfinite(wh).all(axis=1) & (wh > 0).all(axis=1) & np.isfinite(b.cls)
    if not ok.any():
        return None
    w, h, cls = wh[ok, 0], wh[ok, 1], b.cls[ok].astype(np.int64)
    size, aspect = np.sqrt(w * h), w / h
    ids, counts = np.unique(cls, return_counts=True)
    order = ids[np.argsort(-counts, kind="stable")]
    top = order[:MAX_SCATTER_CLASSES]
    points: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for c in top:
        sel = cls == c
        points[ctx.cfg.names.get(int(c), f"id {int(c)}")] = (size[sel], aspect[sel])
    rest = ~np.isin(cls, top)
    if rest.any():
        points[f"({len(order) - len(top)} other classes)"] = (size[rest], aspect[rest])
    return fig.box_scatter(points)


def _mask_frequency(ctx: Any) -> str | None:
    from . import html_figures as fig

    masks = getattr(ctx, "masks", None) or {}
    if not masks:
        return None
    split_of = {os.path.normpath(s.label): s.split for s in ctx.samples if s.label}
    ignore = getattr(ctx.cfg, "ignore_index", 255)
    totals: dict[str, dict[str, float]] = {}
    for path, facts in masks.items():
        values = getattr(facts, "values", None)
        counts = getattr(facts, "counts", None)
        if values is None or counts is None or getattr(facts, "error", None):
            continue
        split = split_of.get(os.path.normpath(path), "?")
        d = totals.setdefault(split, {})
        for v, n in zip(values, counts, strict=False):
            v = int(v)
            name = f"ignore ({v})" if v == ignore else ctx.cfg.names.get(v, f"value {v}")
            d[name] = d.get(name, 0.0) + float(n)
    if not totals:
        return None
    shares = {s: {k: v / max(1.0, sum(d.values())) for k, v in d.items()} for s, d in totals.items()}
    return fig.bar_chart(shares, xlabel="share of pixels (log scale)", log=True, percent=False)


def _split_overlap(ctx: Any) -> dict[str, Any] | None:
    """split × split: images whose bytes (or path) appear in both; the diagonal: distinct images."""
    splits = list(ctx.cfg.splits)
    if len(splits) < 2:
        return None
    keys: dict[str, set[str]] = {s: set() for s in splits}
    for s in ctx.samples:
        facts = ctx.images.get(s.image)
        key = facts.sha if facts is not None and facts.sha else s.image
        keys.setdefault(s.split, set()).add(key)
    matrix = [[len(keys[a] & keys[b]) for b in splits] for a in splits]
    return {"splits": splits, "matrix": matrix}


def _data_view(ctx: Any, findings: list[Finding]) -> dict[str, Any] | None:
    if ctx is None or not hasattr(ctx, "samples"):
        return None
    view: dict[str, Any] = {
        "format": getattr(ctx.layout, "format", None),
        "root": None,
        "classes": len(ctx.cfg.names),
    }
    for key, func in (("splits", _split_table), ("classes_png", _class_histogram), ("boxes_png", _box_scatter),
                      ("masks_png", _mask_frequency), ("overlap", _split_overlap)):
        try:
            view[key] = func(ctx)
        except Exception as exc:  # noqa: BLE001 - a section that cannot be drawn says so
            view[key] = None
            view.setdefault("errors", []).append(f"{key}: {type(exc).__name__}: {exc}")
    split_cols: list[str] = []
    for r in view.get("splits") or []:
        for k in r:
            if k not in split_cols:
                split_cols.append(k)
    view["split_cols"] = split_cols
    view["leaks"] = [
        {"code": f.code, "severity": f.severity.value, "title": f.title, "message": f.message, "count": f.count}
        for f in sorted(findings, key=Finding.sort_key) if f.code.startswith(_LEAK_CODES)
    ]
    return view


# -- model / probe sections ------------------------------------------------------------------
def _table(rows: Any, *, flag: Any = None) -> dict[str, Any] | None:
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        return None
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    out_rows = []
    for r in rows[:MAX_TABLE_ROWS]:
        try:
            bad = bool(flag(r)) if flag else False
        except Exception:  # noqa: BLE001
            bad = False
        out_rows.append({"cells": [_fmt(r.get(c)) for c in cols], "flag": bad})
    return {"kind": "table", "cols": cols, "rows": out_rows, "more": max(0, len(rows) - MAX_TABLE_ROWS)}


def _kv(d: Any, keys: Iterable[str] | None = None) -> dict[str, Any] | None:
    if not isinstance(d, dict):
        return None
    items = [(k, d[k]) for k in (keys or d) if k in d and d[k] is not None and d[k] != {} and d[k] != []]
    if not items:
        return None
    return {"kind": "kv", "items": [(str(k).replace("_", " "), _fmt(v)) for k, v in items]}


def _outside_band(r: dict[str, Any]) -> bool:
    std, band = r.get("weight_std"), r.get("band")
    if not isinstance(std, (int, float)) or not isinstance(band, (list, tuple)) or len(band) != 2:
        return False
    lo, hi = band
    return (isinstance(lo, (int, float)) and std < lo / 2) or (isinstance(hi, (int, float)) and std > hi * 2)


def _schedule_marks(findings: Iterable[Finding], end: float) -> list[dict[str, Any]]:
    """Where the O105-O107 findings sit on the schedule plot, from their measured data."""
    marks: list[dict[str, Any]] = []
    for f in findings:
        d = f.data or {}
        if f.code == "O105":
            marks.append({"code": "O105", "label": "LR still rising at the end", "span": [0.0, end]})
        elif f.code == "O106" and isinstance(d.get("epoch"), (int, float)):
            at = float(d["epoch"])
            marks.append({"code": "O106", "label": f"LR ≈ 0 at epoch {at:g}", "at": at})
        elif f.code == "O107" and isinstance(d.get("last"), (int, float)) and d["last"] > 0:
            steps = d.get("milestones") or ([d["step_size"]] if isinstance(d.get("step_size"), (int, float)) else [])
            beyond = [float(m) * end / float(d["last"]) for m in steps if isinstance(m, (int, float))]
            if beyond:
                marks.append({"code": "O107", "label": "milestone past the end (never reached)", "beyond": beyond})
    return marks


def _schedule_block(points: Any, findings: list[Finding]) -> dict[str, Any] | None:
    from . import html_figures as fig

    if not isinstance(points, list) or len(points) < 2:
        return None
    epochs = [float(p["epoch"]) for p in points if isinstance(p, dict) and isinstance(p.get("epoch"), (int, float))]
    if not epochs:
        return None
    mine = [f for f in findings if f.code in ("O105", "O106", "O107")]
    try:
        src = fig.schedule_plot(points, marks=_schedule_marks(mine, max(epochs)))
    except Exception:  # noqa: BLE001 - a plot that cannot be drawn must not lose the report
        src = None
    if not src:
        return None
    lrs = [float(p["lr"]) for p in points if isinstance(p, dict) and isinstance(p.get("lr"), (int, float))]
    note = (f"model.yaml's scheduler stepped over the planned run on a throwaway optimizer: LR from "
            f"{_fmt(lrs[0])} (peak {_fmt(max(lrs))}, last {_fmt(lrs[-1])}) over {_fmt(max(epochs))} epochs")
    if mine:
        note += "; marked in red: " + ", ".join(sorted({f.code for f in mine})) + " (see the findings)"
    return {"kind": "img", "src": src, "note": note, "wide": True,
            "alt": "learning rate and momentum over the planned epochs"}


def _batch_block(preview: Any) -> dict[str, Any] | None:
    """The decoded batch (thumbnails made by the model audit; only data: URIs are shown)."""
    if not isinstance(preview, dict):
        return None
    if preview.get("error"):
        return {"kind": "kv", "items": [("could not draw the batch", str(preview["error"]))]}
    items = [
        {"src": str(t["src"]), "caption": str(t.get("caption") or ""), "alt": str(t.get("alt") or "batch image")}
        for t in preview.get("items") or []
        if isinstance(t, dict) and str(t.get("src", "")).startswith(("data:image/jpeg;base64,", "data:image/png;base64,"))
    ]
    if not items:
        return None
    shown = f"{len(items)} of {preview['batch']}" if isinstance(preview.get("batch"), int) else str(len(items))
    lead = f"The first {shown} images of the audited batch, after your transforms, turned back into pixels."
    note = "; ".join(f"{k}: {preview[k]}" for k in ("decode", "labels", "channels") if preview.get(k))
    return {"kind": "gallery", "items": items, "lead": lead, "note": note or None, "wide": True}


def _model_blocks(sec: Any, findings: list[Finding] | None = None) -> list[dict[str, Any]]:
    if not isinstance(sec, dict):
        return []
    blocks: list[dict[str, Any]] = []
    used: set[str] = set()

    def add(title: str, block: dict[str, Any] | None, *keys: str, note: str | None = None) -> None:
        used.update(keys)
        if block:
            block["title"] = title
            if note:
                block["note"] = note
            blocks.append(block)

    summary_keys = ["model", "task", "num_classes", "loss", "optimizer", "device", "synthetic_batch",
                    "output_shape", "output_error", "loss_value", "expected_loss", "loss_error", "loss_parts",
                    "batchnorm_count", "seconds"]
    add("Setup", _kv(sec, summary_keys), *summary_keys,
        note="expected loss: ln(classes), what cross-entropy gives for an untrained uniform guess")
    add("Input batch (what the model really receives)", _kv(sec.get("input")), "input")
    add("The batch as the model sees it", _batch_block(sec.get("batch_preview")), "batch_preview")
    add("Targets", _kv(sec.get("target")), "target")
    aug = sec.get("augmentation")
    add("Augmentation variety across workers and epochs (N111)",
        _kv(aug, ["skipped", "random", "configured_workers", "workers", "draws", "epochs", "distinct_draws",
                  "same_across_workers", "same_across_epochs", "chance_workers", "chance_epochs", "seconds"]),
        "augmentation",
        note="one sample drawn repeatedly by each DataLoader worker, in two epochs; identical draws where "
             "the transforms are random mean the workers (or the epochs) repeat each other" if isinstance(aug, dict) else None)
    add("Last layers (output end)", _table(sec.get("last_layers")), "last_layers")
    add("Weight initialization per layer", _table(sec.get("layers"), flag=_outside_band), "layers",
        note="band: the std a standard initializer gives for this fan-in; flagged rows are far outside it")
    add("Activations on the real batch", _table(sec.get("activations"),
        flag=lambda r: (r.get("finite") is False) or (r.get("dead") or 0) > 0.5 or (r.get("saturated") or 0) > 0.5),
        "activations")
    add("BatchNorm layers", _table(sec.get("batchnorm"), flag=lambda r: r.get("frozen") and r.get("training")),
        "batchnorm", note="flagged: frozen parameters but still in training mode (running statistics drift)")
    freeze = sec.get("freeze")
    add("Freeze prefixes → parameters matched", _kv(freeze) if isinstance(freeze, dict) else None, "freeze")
    cov = sec.get("optimizer_coverage")
    if isinstance(cov, dict):
        add("Optimizer coverage", _kv({k: v for k, v in cov.items() if k != "groups"}), "optimizer_coverage")
        add("Optimizer parameter groups", _table(cov.get("groups")), "optimizer_coverage")
    add("LR schedule over the planned run", _schedule_block(sec.get("lr_schedule"), findings or []), "lr_schedule")
    for k, v in sec.items():
        if k in used:
            continue
        add(k.replace("_", " "), _table(v) or _kv(v) or _kv({k: v}), k)
    return blocks


def _probe_blocks(sec: Any) -> list[dict[str, Any]]:
    from . import html_figures as fig

    if not isinstance(sec, dict):
        return []
    blocks: list[dict[str, Any]] = []
    used: set[str] = set()

    def img(title: str, src: str | None, *keys: str, note: str | None = None) -> None:
        used.update(keys)
        if src:
            blocks.append({"kind": "img", "title": title, "src": src, "note": note})

    summary = ["verdict", "device", "steps_planned", "steps_run", "batch_size", "parameters", "user_step",
               "seed", "channels_last", "train_seconds", "seconds", "missing_from_optimizer", "frozen", "error"]
    kv = _kv(sec, summary)
    used.update(summary)
    if kv:
        kv["title"] = "Overfit-one-batch probe"
        blocks.append(kv)

    def series(key: str) -> list[float] | None:
        v = sec.get(key)
        return v if isinstance(v, list) and v and all(isinstance(x, (int, float)) or x is None for x in v) else None

    losses = series("losses")
    zb = sec.get("zero_baseline")
    zero = zb.get("losses") if isinstance(zb, dict) else None
    zero = zero if isinstance(zero, list) and all(isinstance(x, (int, float)) for x in zero) else []
    if losses:
        lines = [("loss", range(len(losses)), losses)]
        if zero:
            lines.append(("zeroed input (P113's baseline)", range(len(zero)), zero))
        img("Loss per step on one batch", fig.line_plot(lines, xlabel="step", ylabel="loss",
            logy=all(x is not None and x > 0 for x in losses + zero)), "losses", "zero_baseline",
            note="a healthy setup drives this toward zero: it can memorise one batch"
                 + ("; trained on zeroed inputs it must stay clearly higher" if zero else ""))
        skipped = _kv({"zero-input baseline": f"skipped: {zb['skipped']}"}) if isinstance(zb, dict) and zb.get("skipped") else None
        if skipped:
            skipped["title"] = "Input-independent baseline"
            blocks.append(skipped)
    grads = series("grad_norms")
    if grads:
        img("Gradient norm per step", fig.line_plot([("grad norm", range(len(grads)), grads)], xlabel="step",
            ylabel="global grad norm", logy=True), "grad_norms")
    ratio = series("update_ratio_median")
    if ratio:
        img("Update / weight ratio per step (median over layers)", fig.line_plot(
            [("update ratio", range(len(ratio)), ratio)], xlabel="step", ylabel="|Δw| / |w|", logy=True),
            "update_ratio_median", note="around 1e-3 is the usual healthy range")
    lr = sec.get("lr_range")
    if isinstance(lr, dict) and isinstance(lr.get("lrs"), list):
        lines = [(k, lr["lrs"], lr[k]) for k in ("losses", "smoothed") if isinstance(lr.get(k), list)]
        suggested = lr.get("suggested")
        span = tuple(suggested) if isinstance(suggested, (list, tuple)) and len(suggested) == 2 else None
        configured = lr.get("configured")
        vlines = [(float(configured), "configured LR", "#D55E00")] if isinstance(configured, (int, float)) else []
        img("Learning-rate range test", fig.line_plot(lines, xlabel="learning rate", ylabel="loss", logx=True,
            vlines=vlines, vspan=span, size=(4.8, 2.6)), "lr_range")
        extra = _kv({k: v for k, v in lr.items() if k not in ("lrs", "losses", "smoothed")})
        if extra:
            extra["title"] = "LR range test: numbers"
            blocks.append(extra)
    used.update({"step_seconds", "update_ratio_steps"})
    layers = sec.get("layers")
    t = _table(layers, flag=lambda r: r.get("trainable") and r.get("changed") is False)
    if t:
        t["title"] = "Parameters during the probe"
        t["note"] = "flagged: trainable but never changed"
        blocks.append(t)
    used.add("layers")
    for k, v in sec.items():
        if k in used:
            continue
        b = _table(v) or _kv(v) or _kv({k: v})
        if b:
            b["title"] = k.replace("_", " ")
            blocks.append(b)
    return blocks


# -- predictions -----------------------------------------------------------------------------
@lru_cache(maxsize=16)
def _sketch(key: str) -> str | None:
    from . import html_figures as fig

    return fig.pathology_sketch(key)


def _prediction_view(preds: list[dict[str, Any]], codes: set[str]) -> list[dict[str, Any]]:
    from ..predict import DESCRIPTIONS

    out = []
    for p in preds:
        key = str(p.get("pathology", ""))
        because = [{"text": str(c), "link": str(c) in codes} for c in p.get("because") or []]
        out.append({
            "pathology": key.replace("_", " "),
            "key": key,
            "likelihood": str(p.get("likelihood", "")),
            "because": because,
            "remedy": p.get("remedy"),
            "looks": DESCRIPTIONS.get(key),
            "sketch": _sketch(key) if key else None,
        })
    return out


# -- the page --------------------------------------------------------------------------------
def _verdict(counts: dict[str, int]) -> tuple[str, str, str]:
    if counts["errors"]:
        return ("fix", "Fix first",
                f"{counts['errors']} error{'s' if counts['errors'] != 1 else ''} will break training or make it learn the wrong thing.")
    if counts["warnings"]:
        return ("review", "Ready to train — after a look at the warnings",
                "No errors. The warnings are likely to cost accuracy.")
    return ("ready", "Ready to train", "No errors or warnings.")


def build_view(result: Any) -> dict[str, Any]:
    """Everything the template shows, as plain values (computed here, not in the template)."""
    result.sort()
    findings: list[Finding] = list(result.findings)
    ctx = result.sections.get("data")
    locator = None
    if ctx is not None and hasattr(ctx, "samples"):
        try:
            locator = _Locator(ctx)
        except Exception:  # noqa: BLE001
            locator = None
    groups, hidden = _group_findings(findings, locator)
    counts = result.counts()
    kind, verdict, why = _verdict(counts)
    codes = {f.code for f in findings}
    splits = sorted({s for g in groups for s in g.splits},
                    key=lambda s: (["train", "val", "test"].index(s) if s in ("train", "val", "test") else 9, s))
    name = None
    if ctx is not None and hasattr(ctx, "cfg"):
        try:
            name = ctx.cfg.name
        except Exception:  # noqa: BLE001
            name = None
    if not name:
        for v in result.inputs.values():
            if v:
                name = Path(str(v)).stem
                break
    stats = result.stats or {}
    headline = [(k, _fmt(stats[k])) for k in ("images", "labels", "format", "parameters") if k in stats]
    return {
        "title": name or "audit",
        "version": __version__,
        "inputs": [(k, str(v)) for k, v in result.inputs.items() if v],
        "counts": counts,
        "headline": headline,
        "verdict": {"kind": kind, "text": verdict, "why": why},
        "notes": [str(n) for n in result.notes],
        "predictions": _prediction_view(result.predictions or [], codes),
        "groups": groups,
        "hidden_findings": hidden,
        "total_findings": len(findings),
        "splits": splits,
        "data": _data_view(ctx, findings),
        "model": _model_blocks(result.sections.get("model"), findings),
        "probe": _probe_blocks(result.sections.get("probe")),
        "caps": {"thumbs_per_check": MAX_THUMBS_PER_CHECK, "thumbs_total": MAX_THUMBS_TOTAL,
                 "findings_per_check": MAX_FINDINGS_PER_CHECK, "findings_total": MAX_FINDINGS_TOTAL},
    }


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("preflight.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _fmt
    env.globals["explain_sections"] = _explain_sections
    return env


def render_html(result: Any) -> str:
    env = _environment()
    view = build_view(result)
    css = env.loader.get_source(env, "report.css")[0]
    js = env.loader.get_source(env, "report.js")[0]
    # the inline <style>/<script> bodies are our own files, never data: guard against an
    # accidental closing tag all the same
    for text in (css, js):
        if "</" in text:
            raise ValueError("report.css / report.js must not contain '</'")
    # Content-Security-Policy: only these exact style and script bodies may run, no network,
    # so even a value that escaped escaping could not execute or load anything
    return env.get_template("report.html").render(
        v=view, css=css, js=js, style_hash=_csp_hash(css), script_hash=_csp_hash(js))


def _csp_hash(text: str) -> str:
    import base64
    import hashlib

    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def write_html(result: Any, path: Path) -> Path:
    """Write the report to ``path`` (parent folders are created) and return the path."""
    path = Path(path)
    html = render_html(result)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a file name with bytes that are not UTF-8 (surrogate-escaped by the OS layer) is written
    # as \udcff escapes instead of failing the whole report
    path.write_text(html, encoding="utf-8", errors="backslashreplace")
    return path
