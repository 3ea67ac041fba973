"""Unknown class: a VOC object name, or a COCO category, that data.yaml does not know.

What it checks
    VOC ``<name>`` values that are not in ``names`` (compared exactly, then ignoring
    surrounding whitespace), and COCO annotations whose ``category_id`` is missing from the
    json's own ``categories``.

Why it matters
    Converters drop unknown names (those objects train as background) or crash. A name that
    differs only in case or spelling ("Aircraft", "air-craft") splits one class in two.

Example
    Bad: ``<name>oil tank</name>`` with ``names: [aircraft, oiltank, ...]``.
    Good: every object name is one of ``names``.

How to fix
    Rename the objects to the official names, or add the class to ``names``.
"""

import math

from preflight.findings import Hit
from preflight.registry import check


def _summary(hits):
    names = sorted({str(h.cls) for h in hits})
    return f"{len(hits)} annotations in {len({h.path for h in hits})} files use classes data.yaml does not know: {', '.join(names[:10])}"


@check(
    "D116", "unknown-class-name", severity="error", title="class name or category not in the class list",
    pathology="training_failure", summarize=_summary,
    remedy="rename the objects to names from data.yaml, or add the class to names",
)
def unknown_class_name(ctx):
    b = ctx.boxes
    for row, name in enumerate(b.name):
        if name is not None and math.isnan(b.cls[row]):
            path, line, split = ctx.box_location(row)
            yield Hit(f"object name {name!r} is not in names", path=path, line=line, split=split, cls=name)
    for split, facts in ctx.coco.items():
        if facts is None or facts.error:
            continue
        known = set(facts.categories)
        path = ctx.rel(ctx.layout.coco_files[split])
        for ann in facts.annotations.values():
            for k in range(len(ann)):
                c = ann.cls[k]
                if math.isnan(c) or int(c) not in known:
                    yield Hit(f"annotation {int(ann.ids[k])}: category_id {c:g} is not in the json's categories", path=path, split=split, cls=None if math.isnan(c) else int(c))
