"""Binary masks stored as 0/255 in a one- or two-class problem.

What it checks
    Datasets with at most two classes whose masks hold only the values 0 and 255: the
    foreground was saved as white (255) instead of its class id 1.

Why it matters
    255 is the ignore value of most pipelines (and of data.yaml by default): the whole
    foreground is ignored and the model learns "everything is background" with a falling
    loss. Where 255 is not ignored, it is out of range for 2 classes and crashes the loss.

Example
    Bad: ``names: [background, crack]``, masks with values {0, 255}.
    Good: masks with values {0, 1} (``mask // 255`` once, saved as PNG).

How to fix
    Convert the masks to class ids (``(mask > 127).astype(np.uint8)``) and save them as
    PNG, or divide by 255 in the loader.
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import binary_0_255, hist, readable, unique_masks


def _summary(hits):
    return f"{len(hits)} masks hold only 0 and 255 with {hits[0].data['nc']} classes (e.g. {hits[0].path})"


@check(
    "M108", "binary-mask-0-255", severity="error", title="binary masks stored as 0/255",
    pathology="training_failure", summarize=_summary,
    remedy="store the foreground as class id 1 (mask // 255), or divide by 255 in the loader",
)
def binary_mask_0_255(ctx):
    if not binary_0_255(ctx):
        return
    nc = len(ctx.cfg.names)
    ignored = "the ignore value: the foreground is never trained" if ctx.cfg.ignore_index == 255 else f"out of range for {nc} classes"
    for m in unique_masks(ctx):
        if readable(m.facts) and 255 in hist(ctx, m):
            fg = hist(ctx, m)[255] / max(1, m.facts.pixels)
            yield Hit(f"foreground stored as 255 ({fg:.1%} of pixels), which is {ignored}", path=ctx.rel(m.mask),
                      split=m.split, data={"nc": nc})
