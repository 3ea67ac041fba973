"""Mask with an alpha channel (RGBA, LA, or PNG transparency).

What it checks
    Masks whose file carries transparency: an alpha channel (modes RGBA, LA, PA) or a PNG
    ``tRNS`` chunk. The finding says whether the alpha actually varies.

Why it matters
    ``cv2.imread(..., IMREAD_UNCHANGED)`` returns 2 or 4 channels, PIL's ``convert("L")``
    blends with the alpha differently from ``np.asarray``: the same file gives different
    targets in different loaders. Transparency in a label export often marks "not labelled"
    areas that the class values then silently count as background.

Example
    Bad: ``masks/train/a.png`` mode LA (grey + alpha), alpha 0 outside the annotated area.
    Good: mode L or P; unlabelled areas as the ignore value.

How to fix
    Drop the alpha (``Image.open(p).getchannel(0)`` for LA, ``convert("P")`` via the
    palette for RGBA) and encode "not labelled" as the ignore value.
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import unique_masks


def _summary(hits):
    return f"{len(hits)} masks have an alpha channel (e.g. {hits[0].path}: {hits[0].message})"


@check(
    "M111", "mask-alpha-channel", severity="warning", title="mask has an alpha channel",
    pathology=None, summarize=_summary,
    remedy="save masks without alpha (mode P or L); encode unlabelled areas as the ignore value",
)
def mask_alpha_channel(ctx):
    for m in unique_masks(ctx):
        f = m.facts
        if f is None or f.error or not f.alpha:
            continue
        used = "alpha varies (some pixels transparent)" if f.alpha_used else "alpha is fully opaque everywhere"
        yield Hit(f"mode {f.mode}: {used}", path=ctx.rel(m.mask), split=m.split)
