"""Classes of ``names`` that no training mask contains.

What it checks
    Class ids of ``names`` with zero pixels in the training split's masks (or, without a
    train split, in any split), and classes present in val/test but absent from train.

Why it matters
    A class without pixels cannot be learned; its logit only learns to stay low. If it is
    in the validation masks, its IoU is 0 and drags mIoU down for a reason no
    hyper-parameter fixes. Often the sign of a class map from another export.

Example
    Bad: ``names`` lists 21 VOC classes; the training masks contain 0, 1 and 15 only.
    Good: every declared class has pixels in train.

How to fix
    Add images of the missing classes, drop them from ``names`` (and the model's class
    count), or check the class map of the export.
"""

from preflight.findings import Finding, Severity
from preflight.registry import check

from ._mask_stats import split_hist


def _list(names):
    return ", ".join(names[:8]) + (f" … ({len(names)})" if len(names) > 8 else "")


@check(
    "M118", "class-never-present", severity="info", title="declared classes with no pixels in the training masks",
    pathology="underfitting",
    remedy="add images of the missing classes, or drop them from names and the model",
)
def class_never_present(ctx):
    hists = split_hist(ctx)
    if not hists:
        return
    names = ctx.cfg.names
    split = "train" if "train" in hists else None
    seen = hists[split] if split else {v: 1 for h in hists.values() for v in h}
    missing = [names[c] for c in names if not seen.get(c)]
    if not missing:
        return
    only_eval = sorted({names[c] for sp, h in hists.items() if sp != split for c in h if c in names and not seen.get(c)})
    msg = f"{len(missing)} of {len(names)} classes have no pixels in {split or 'any split'}: {_list(missing)}"
    if split and only_eval:
        msg += f"; present only in val/test: {_list(only_eval)}"
    yield Finding(code="M118", severity=Severity.INFO, title="", message=msg, split=split,
                  data={"missing": missing, "only_in_eval": only_eval})
