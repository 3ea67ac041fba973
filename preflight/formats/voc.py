"""Pascal VOC xml: ``<size>``, ``<filename>`` and ``<object>``s with ``<name>`` and ``<bndbox>``.

Parsed with defusedxml: external entities, entity expansion ("billion laughs") and DTD
tricks are refused, and the refusal is a finding naming the file. Nothing a refused file
references is ever read.
"""

from __future__ import annotations

import math
import re

import numpy as np

from ..facts import XYXY_ABS, Annotations, LabelFacts, LineIssue
from ._fs import FileProblem, read_bounded

__all__ = ["MAX_XML_BYTES", "read_xml"]

#: A VOC annotation is a few kB; 8 MB holds ~40,000 objects.
MAX_XML_BYTES = 8 * 1024 * 1024
_OBJECT_TAG = re.compile(rb"<object[\s>]")


def _text(el: object, tag: str) -> str | None:
    child = el.find(tag)  # type: ignore[attr-defined]
    if child is None or child.text is None:
        return None
    return child.text.strip()


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def read_xml(path: str, deep: bool = False) -> LabelFacts:
    try:
        data = read_bounded(path, MAX_XML_BYTES)
    except FileProblem as exc:
        return LabelFacts(bytes=0, error=str(exc))
    facts = LabelFacts(bytes=len(data))
    if not data.strip():
        facts.error = "empty file: no XML"
        return facts
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(data)
    except DefusedXmlException as exc:
        facts.error = f"refused unsafe XML ({type(exc).__name__}): entities or external references are not allowed"
        return facts
    except (ParseError, ValueError) as exc:
        facts.error = f"not well-formed XML: {str(exc)[:120]}"
        return facts
    except RecursionError:
        facts.error = "XML nested too deeply"
        return facts
    if root.tag != "annotation":
        facts.error = f"root element is <{root.tag[:40]}>, not <annotation>: not a VOC file"
        return facts
    size = root.find("size")
    if size is not None:
        w, h, d = (_number(_text(size, k)) for k in ("width", "height", "depth"))
        if w is not None and h is not None and math.isfinite(w) and math.isfinite(h):
            facts.declared_size = (int(w), int(h), int(d) if d is not None and math.isfinite(d) else 0)
    facts.declared_filename = _text(root, "filename")
    starts = [m.start() for m in _OBJECT_TAG.finditer(data)]
    line_of = [data.count(b"\n", 0, s) + 1 for s in starts]
    names: list[str] = []
    boxes: list[tuple[float, float, float, float]] = []
    lines: list[int] = []
    for i, obj in enumerate(root.iter("object")):
        line = line_of[i] if i < len(line_of) else 0
        name = _text(obj, "name")
        if name is None:
            facts.issues.append(LineIssue(line, "missing_field", "object has no <name>"))
            continue
        bb = obj.find("bndbox")
        if bb is None:
            facts.issues.append(LineIssue(line, "missing_field", f"object {name!r} has no <bndbox>"))
            continue
        raw = {k: _text(bb, k) for k in ("xmin", "ymin", "xmax", "ymax")}
        missing = [k for k, v in raw.items() if v is None]
        if missing:
            facts.issues.append(LineIssue(line, "missing_field", f"object {name!r}: <bndbox> lacks {', '.join(missing)}"))
            continue
        vals = {k: _number(v) for k, v in raw.items()}
        bad = [f"{k}={raw[k]!r}" for k, v in vals.items() if v is None]
        if bad:
            facts.issues.append(LineIssue(line, "non_numeric", f"object {name!r}: {', '.join(bad)} is not a number"))
            continue
        if not all(math.isfinite(v) for v in vals.values()):  # type: ignore[arg-type]
            facts.issues.append(LineIssue(line, "non_finite", f"object {name!r}: NaN or infinite coordinate"))
            continue
        names.append(name)
        boxes.append((vals["xmin"], vals["ymin"], vals["xmax"], vals["ymax"]))  # type: ignore[arg-type]
        lines.append(line)
    n = len(names)
    facts.annotations = Annotations(
        box_format=XYXY_ABS,
        cls=np.full(n, np.nan),
        box=np.asarray(boxes, dtype=np.float64).reshape(-1, 4),
        line=np.asarray(lines, dtype=np.int32),
        points=np.zeros(n, np.int32),
        poly_area=np.full(n, np.nan),
        names=names,
    )
    return facts
