"""Class ids shifted by one: a ``reduce_zero_label`` mix-up.

What it checks
    Two signatures over all masks of a split. (a) The ignore value holds more pixels than
    any class and at least ``ignore_share`` of all pixels (often with class 0 rare or absent):
    background was mapped to the ignore value and every id moved down by one (mmsegmentation's ``reduce_zero_label`` applied to data
    whose 0 is a real class, or applied twice). (b) The largest value is exactly one past
    the last class id while 0 is present: ids are 1-based with 0 = "unlabelled"
    (ADE20K-style) and ``reduce_zero_label`` was *not* applied.

Why it matters
    (a) trains every class under the name of its neighbour and never trains background;
    (b) crashes on the last id (out of range) or, with one spare logit, trains "unlabelled"
    as a class and shifts all names by one. Metrics look plausible either way.

Example
    Bad (a): VOC masks where 0 never occurs and 255 covers 70 % of the pixels.
    Bad (b): 150 classes, values 0-150 (ADE20K's raw annotations).
    Good: VOC values 0-20 + 255 (5 %); ADE20K with ``reduce_zero_label=True``.

How to fix
    Apply (or stop applying) ``reduce_zero_label`` so that the stored ids match ``names``;
    re-export the masks if the shift was baked into the files.
"""

from preflight.findings import Finding, Severity
from preflight.registry import check

from ._mask_stats import split_hist


@check(
    "M116", "label-ids-shifted", severity="warning", title="class ids look shifted by one (reduce_zero_label)",
    pathology="training_failure",
    remedy="apply (or stop applying) reduce_zero_label so that the stored ids match names",
    thresholds={"ignore_share": (0.5, "background is the largest class of most segmentation sets (VOC ~70 %, "
                                 "Cityscapes road ~35 %) and VOC's void border 3-8 %: ignore above half the "
                                 "pixels and above every class is the background moved to ignore")},
)
def label_ids_shifted(ctx):
    names = ctx.cfg.names
    if not names:
        return
    ignore = ctx.cfg.ignore_index
    top = max(names)
    for split, hist in split_hist(ctx).items():
        total = sum(hist.values())
        if not total:
            continue
        classes = {v: c for v, c in hist.items() if v != ignore}
        ign = hist.get(ignore, 0)
        zero = hist.get(0, 0)
        if 0 in names and ign > max(classes.values(), default=0) and ign / total >= label_ids_shifted.check.threshold("ignore_share"):
            yield Finding(
                code="M116", severity=Severity.WARNING, title="", split=split,
                message=(f"{split}: the ignore value {ignore} is the most frequent value ({ign / total:.0%} of pixels) and "
                         f"class 0 ({names[0]}) has {zero / total:.1%}: background looks mapped to ignore and ids shifted "
                         "down by one (reduce_zero_label on data whose 0 is a class?); expected only for deliberately "
                         "sparse labels (scribbles, points)"),
                data={"ignore_share": round(ign / total, 4), "zero_share": round(zero / total, 4)},
            )
        present = [v for v in classes if classes[v]]
        if present and max(present) == top + 1 and 0 in classes:
            yield Finding(
                code="M116", severity=Severity.WARNING, title="", split=split,
                message=(f"{split}: values run 0..{top + 1}, one past the last class id {top}: ids look 1-based with "
                         "0 = unlabelled (ADE20K-style); reduce_zero_label (0 → ignore, id − 1) seems missing"),
                data={"max_value": top + 1, "pixels_at_max": classes[top + 1]},
            )
