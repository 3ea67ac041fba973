"""255 in the masks while ``ignore_index`` is something else.

What it checks
    Masks holding the value 255 (Pascal VOC's "void" border, the convention of most
    segmentation exports) when data.yaml's ``ignore_index`` is another value and 255 is not
    a class id.

Why it matters
    With ``ignore_index`` set to, say, 0 or -100, the 255 pixels are targets: the loss
    indexes logit 255 and crashes (``IndexError`` / CUDA device-side assert), or, after a
    clamp or one-hot with a spare channel, object borders train as a class.

Example
    Bad: official VOC masks (255 on every object border) with ``ignore_index: 0``.
    Good: ``ignore_index: 255`` in data.yaml and in the loss.

How to fix
    Set ``ignore_index: 255`` in data.yaml and ``CrossEntropyLoss(ignore_index=255)``, or map
    255 to your ignore value when loading.
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import binary_0_255, hist, readable, unique_masks


def _summary(hits):
    return (f"{len(hits)} masks hold 255 (e.g. {hits[0].path}: {hits[0].message}); "
            f"255 is not the ignore value and not a class")


@check(
    "M107", "void-255-not-ignored", severity="error", title="masks hold 255 but ignore_index is another value",
    pathology="training_failure", summarize=_summary,
    remedy="set ignore_index: 255 (data.yaml and the loss), or remap 255 when loading",
)
def void_255_not_ignored(ctx):
    ignore = ctx.cfg.ignore_index
    if ignore == 255 or 255 in ctx.cfg.names or binary_0_255(ctx):
        return
    for m in unique_masks(ctx):
        if readable(m.facts):
            n = hist(ctx, m).get(255, 0)
            if n:
                share = n / max(1, m.facts.pixels)
                yield Hit(f"{n} pixels ({share:.1%}) are 255; ignore_index is {ignore}", path=ctx.rel(m.mask), split=m.split)
