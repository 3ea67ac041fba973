"""RGB colour mask where class indices are expected.

What it checks
    Masks stored as 3-channel colour pictures. When every colour is a Pascal VOC palette
    entry the reader maps them back to indices (so the other M checks still see the
    classes) and the finding says so; otherwise the colours are counted.

Why it matters
    A loader that reads the file as it is gets an (H, W, 3) array of colours: the loss
    fails on the shape, or, after taking one channel or converting to grey, trains on
    numbers that are no class ids (VOC's person (192, 128, 128) becomes 147 in grey).
    It is also the symptom of a palette PNG re-saved by a tool that drops the palette
    (``cv2.imwrite`` of ``cv2.imread``).

Example
    Bad: ``masks/train/a.png`` mode RGB, colours (0, 0, 0), (128, 0, 0), (192, 128, 128).
    Good: the same as a palette PNG (mode P) whose indices are 0, 1, 15, or a grey PNG.

How to fix
    Convert colours to indices once with the palette (``np.argmax((rgb[..., None, :] ==
    palette).all(-1), -1)``) and save mode P or L; read palette PNGs with PIL, not cv2.
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import unique_masks


def _summary(hits):
    return f"{len(hits)} masks are RGB colour pictures (e.g. {hits[0].path}: {hits[0].message})"


@check(
    "M110", "rgb-mask", severity="error", title="mask is an RGB colour picture, not class indices",
    pathology="training_failure", summarize=_summary,
    remedy="convert colours to class indices with the palette and save palette (P) or grey (L) PNGs",
)
def rgb_mask(ctx):
    for m in unique_masks(ctx):
        f = m.facts
        if f is None or f.kind not in ("rgb", "rgb_voc"):
            continue
        if f.kind == "rgb_voc":
            msg = f"{f.mode} colours of the Pascal VOC palette ({f.colours} colours, mapped back to indices for the other checks)"
        else:
            msg = f"{f.mode} with {f.colours} distinct colours that are not the VOC palette: class ids unknown"
        yield Hit(msg, path=ctx.rel(m.mask), split=m.split)
