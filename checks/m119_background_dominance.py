"""Extreme imbalance: one class (usually background) holds almost every labelled pixel.

What it checks
    In the training split, the share of labelled pixels (ignore left out) of the most
    frequent class. Reported when it reaches ``max_share``.

Why it matters
    With plain cross-entropy the model gets ~98 % pixel accuracy by predicting the dominant
    class everywhere and the small classes' gradients drown: the classic "model predicts
    only background" run, with a loss that looks fine.

Example
    Bad: lesion masks where background is 99.3 % of the pixels.
    Good: VOC, background ≈ 70 %; or a Dice / focal loss or class weights for the 99 % case.

How to fix
    Use a loss made for imbalance (Dice, focal, Lovász, or weighted cross-entropy with
    median-frequency weights), crop around the foreground, or oversample images with it.
"""

from preflight.findings import Finding, Severity
from preflight.registry import check

from ._mask_stats import split_hist


@check(
    "M119", "background-dominance", severity="warning", title="one class holds almost all labelled pixels",
    pathology="underfitting",
    remedy="use Dice/focal/weighted cross-entropy, crop around the foreground, or oversample it",
    thresholds={"max_share": (0.98, "Sudre et al. 2017 (Generalised Dice): plain losses fail when the foreground "
                              "is ~1-2 % of the pixels; VOC's background is ~70 %, labelme_export's 92 %")},
)
def background_dominance(ctx):
    hists = split_hist(ctx)
    split = "train" if "train" in hists else next(iter(hists), None)
    if split is None:
        return
    names = ctx.cfg.names
    ignore = ctx.cfg.ignore_index
    labelled = {v: n for v, n in hists[split].items() if v != ignore and v in names}
    total = sum(labelled.values())
    if not total or len(names) < 2:
        return
    top = max(labelled, key=labelled.get)
    share = labelled[top] / total
    if share >= background_dominance.check.threshold("max_share"):
        yield Finding(
            code="M119", severity=Severity.WARNING, title="", split=split, cls=top,
            message=f"{split}: {names[top]} holds {share:.2%} of the labelled pixels; all other classes together {1 - share:.2%}",
            data={"class": names[top], "share": round(share, 5)},
        )
