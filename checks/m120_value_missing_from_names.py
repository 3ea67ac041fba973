"""Mask value inside the class-id range but missing from ``names``.

What it checks
    With ``names`` given as a mapping that skips ids (``{0: background, 1: road, 3: car}``),
    mask values that fall in a gap (2 here): the model has a logit for them, but no name,
    no colour in reports and no metric.

Why it matters
    The pixels train a class nobody declared: usually a class map from another export (the
    labelme and VOC orders differ) or a class that was deleted from ``names`` but not from
    the masks. Per-class metrics silently skip it.

Example
    Bad: ``names: {0: background, 1: road, 3: car}`` and masks holding 2.
    Good: every value in the masks is a key of ``names`` (or the ignore value).

How to fix
    Add the class to ``names``, or remap it in the masks (to the ignore value if it should
    not be learned).
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import hist, readable, unique_masks


def _summary(hits):
    values = sorted({v for h in hits for v in h.data["values"]})
    return f"values {', '.join(map(str, values))} have no name, in {len({h.path for h in hits})} masks (e.g. {hits[0].path})"


@check(
    "M120", "value-missing-from-names", severity="error", title="mask value has no entry in names",
    pathology="training_failure", summarize=_summary,
    remedy="add the class to names, or remap it in the masks",
)
def value_missing_from_names(ctx):
    names = ctx.cfg.names
    if not names:
        return
    top = max(names)
    ignore = ctx.cfg.ignore_index
    for m in unique_masks(ctx):
        if not readable(m.facts):
            continue
        gaps = sorted(v for v in hist(ctx, m) if v <= top and v not in names and v != ignore)
        if gaps:
            yield Hit(f"values {', '.join(map(str, gaps))} are inside 0..{top} but not in names", path=ctx.rel(m.mask),
                      split=m.split, data={"values": gaps})
