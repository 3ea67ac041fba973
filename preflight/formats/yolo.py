"""YOLO txt labels: ``class cx cy w h`` boxes or ``class x1 y1 x2 y2 ...`` polygons, normalized.

Every line is kept as written (class as a float, so that 1.5 and -1 reach the checks); a line
that cannot become an annotation becomes a :class:`LineIssue`. A file that is not text at all
(NUL bytes, not UTF-8, over the size limit) is a file-level error.
"""

from __future__ import annotations

import math

import numpy as np

from .. import limits
from ..facts import CXCYWH_NORM, Annotations, LabelFacts, LineIssue
from ._fs import FileProblem, read_bounded

__all__ = ["MAX_LABEL_BYTES", "read_label_file"]

#: A YOLO label file over 32 MB is not parsed: that is ~1 M box lines, 100× the densest
#: public detection sets (SKU-110K: ~150 boxes an image).
MAX_LABEL_BYTES = 32 * 1024 * 1024
#: A line longer than this is reported, not split (a polygon of 10,000 points is ~200 kB).
MAX_LINE_CHARS = 1 << 20


def _polygon_area(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def parse_text(text: str) -> tuple[Annotations, list[LineIssue], int]:
    cls: list[float] = []
    boxes: list[tuple[float, float, float, float]] = []
    lines: list[int] = []
    points: list[int] = []
    areas: list[float] = []
    issues: list[LineIssue] = []
    all_lines = text.splitlines()
    for no, raw in enumerate(all_lines, start=1):
        if not no & 4095:
            limits.check()  # the per-file time budget, where no timer signal can stop the reader
        if len(raw) > MAX_LINE_CHARS:
            issues.append(LineIssue(no, "columns", f"line of {len(raw)} characters: not a label line"))
            continue
        parts = raw.split()
        if not parts:
            continue
        shown = raw.strip()[:80]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            bad = next(p for p in parts if not _is_float(p))
            issues.append(LineIssue(no, "non_numeric", f"{bad[:30]!r} is not a number in {shown!r}"))
            continue
        n = len(values)
        if n != 5 and (n < 7 or n % 2 == 0):
            issues.append(
                LineIssue(no, "columns", f"{n} columns in {shown!r}: a box needs 5 (class cx cy w h), a polygon an odd number ≥ 7")
            )
            continue
        if not all(math.isfinite(v) for v in values):
            issues.append(LineIssue(no, "non_finite", f"NaN or infinite value in {shown!r}"))
            continue
        cls.append(values[0])
        lines.append(no)
        if n == 5:
            boxes.append((values[1], values[2], values[3], values[4]))
            points.append(0)
            areas.append(math.nan)
        else:
            xy = np.asarray(values[1:], dtype=np.float64).reshape(-1, 2)
            x0, y0 = xy.min(axis=0)
            x1, y1 = xy.max(axis=0)
            with np.errstate(over="ignore", invalid="ignore"):  # ±1e308 points: inf, reported by the checks
                boxes.append(((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0))
                points.append(xy.shape[0])
                areas.append(_polygon_area(xy))
    ann = Annotations(
        box_format=CXCYWH_NORM,
        cls=np.asarray(cls, dtype=np.float64),
        box=np.asarray(boxes, dtype=np.float64).reshape(-1, 4),
        line=np.asarray(lines, dtype=np.int32),
        points=np.asarray(points, dtype=np.int32),
        poly_area=np.asarray(areas, dtype=np.float64),
    )
    return ann, issues, len(all_lines)


def _is_float(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def read_label_file(path: str, deep: bool = False) -> LabelFacts:
    try:
        data = read_bounded(path, MAX_LABEL_BYTES)
    except FileProblem as exc:
        return LabelFacts(bytes=0, error=str(exc))
    facts = LabelFacts(bytes=len(data))
    if b"\x00" in data:
        at = data.index(b"\x00")
        hint = " (UTF-16 text?)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        facts.error = f"binary data: NUL byte at offset {at}{hint}; not a text label file"
        return facts
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        facts.error = f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})"
        return facts
    facts.annotations, facts.issues, facts.lines = parse_text(text)
    return facts
