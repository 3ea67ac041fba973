"""Class pixel frequency per split: the histogram of the masks.

What it checks
    Pixels per class in every split, summed from the masks' histograms (the ignore value
    counted apart). One info finding whose ``data`` holds the histogram per split (class
    name → pixels) and each class's share of the labelled pixels; the message names the
    most frequent classes of the training split.

Why it matters
    Segmentation losses average over pixels, so the pixel share, not the image count, is
    what the model optimizes: it is the basis for class weights (median-frequency
    balancing, Eigen & Fergus 2015) and tells whether validation sees the same classes as
    training. M118 and M119 report the problems this histogram shows.

Example
    Bad: nothing: this is a measurement.
    Good: ``train: background 72 %, person 9 %, car 4 % …``.

How to fix
    Nothing to fix; use the numbers for class weights or sampling.
"""

from preflight.findings import Finding, Severity
from preflight.registry import check

from ._mask_stats import split_hist


def class_table(ctx):
    """split -> {name: pixels} over class ids (the ignore value and unknown values left out)."""
    names = ctx.cfg.names
    ignore = ctx.cfg.ignore_index
    return {split: {names[v]: n for v, n in sorted(hist.items()) if v in names and v != ignore}
            for split, hist in split_hist(ctx).items()}


@check(
    "M117", "class-pixel-frequency", severity="info", title="class pixel frequency per split",
    pathology=None, remedy="use the pixel shares for class weights or sampling",
)
def class_pixel_frequency(ctx):
    hists = split_hist(ctx)
    if not hists:
        return
    table = class_table(ctx)
    ignore = ctx.cfg.ignore_index
    shares = {}
    for split, d in table.items():
        total = sum(d.values())
        shares[split] = {k: round(v / total, 6) for k, v in d.items()} if total else {}
    split = "train" if "train" in table else next(iter(table))
    top = sorted(shares[split].items(), key=lambda kv: -kv[1])[:5]
    msg = f"{split}: " + ", ".join(f"{k} {v:.1%}" for k, v in top) if top else f"{split}: no labelled pixels"
    present = sum(1 for v in table[split].values() if v)
    msg += f" ({present} of {len(ctx.cfg.names)} classes present)"
    yield Finding(
        code="M117", severity=Severity.INFO, title="", message=msg, split=split,
        data={"histogram": table, "shares": shares,
              "ignore_pixels": {sp: h.get(ignore, 0) for sp, h in hists.items()}},
    )
