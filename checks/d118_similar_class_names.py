"""Duplicate or near-identical class names: one concept under two ids.

What it checks
    Names in data.yaml that are equal, or equal once case, separators (space, ``_``, ``-``,
    ``.``) and a plural ``s`` are ignored: ``car``/``Car``/``cars``, ``traffic-light``/``traffic light``.

Why it matters
    Annotators pick either id for the same kind of object, so the model is trained to tell
    apart two classes that are one: their scores split, and neither reaches confidence.
    This is class confusion by construction.

Example
    Bad: ``names: [person, car, Car]``.
    Good: ``names: [person, car]`` and the labels of id 2 remapped to 1.

How to fix
    Merge the classes: remap the ids in the labels and delete the extra name.
"""

from preflight.findings import Hit
from preflight.geometry import name_key
from preflight.registry import check


@check(
    "D118", "similar-class-names", severity="warning", title="duplicate or near-identical class names",
    pathology="training_failure", remedy="merge the classes: remap their ids in the labels and delete the extra name",
)
def similar_class_names(ctx):
    path = ctx.rel(ctx.cfg.file)
    seen: dict[str, tuple[int, str]] = {}
    for cid, name in ctx.cfg.names.items():
        key = name_key(name)
        if not key:
            continue
        if key in seen:
            first_id, first = seen[key]
            how = "the same name" if first == name else "the same name up to case, spacing or plural"
            yield Hit(f"class {cid} {name!r} and class {first_id} {first!r} are {how}",
                      path=path, line=ctx.cfg.lines.get(f"names.{cid}"), cls=cid)
        else:
            seen[key] = (cid, name)
