"""The configured learning rate lies far outside the range the LR range test suggests.

What it checks
    A short LR range test on the probe batch (Smith 2017; fastai ``lr_find``): on a fresh
    copy the LR is raised exponentially from min(1e-6, LR/100), but no lower than LR/1000,
    towards max(10, 10x LR), at most 40 steps (2 a decade while the loss has not moved, then
    4), the loss smoothed; the suggested range runs from where the loss has made a tenth of
    its fall to a tenth of the LR at the smoothed minimum. Reported when the configured LR is more than 10x above that range or
    100x below it, and only when the test is confident (a clear dip and a clear cliff).

Why it matters
    An LR far above the range diverges or oscillates; far below it, training crawls. LR
    finders are known to give unstable answers on noisy curves, so the test reports its
    confidence and stays silent below 0.5.

Example
    SGD at ``lr=10`` where the loss is lowest near 0.3: suggested 1e-4 .. 3e-2.

How to fix
    Pick an LR inside the suggested range (the upper end is a common choice with a warm-up)
    and rerun the probe.
"""

from __future__ import annotations

from preflight.findings import Finding, Severity
from preflight.registry import check


@check(
    "P108", "lr-outside-range", severity="warning", scope="probe", pathology="divergence",
    title="configured LR far outside the LR range test's suggestion",
    remedy="pick an LR inside the suggested range (its upper end with warm-up) and re-probe",
    thresholds={
        "above": (10.0, "10x above the upper end: fastai's 'min/10' already sits a decade "
                  "below the loss minimum, so this is 100x past the minimum"),
        "below": (100.0, "100x below the lower end: two decades of the sweep where the loss "
                  "did not move yet"),
        "min_confidence": (0.5, "below this the sweep had no clear dip or cliff; LR finders "
                           "are unstable on such curves, so say nothing"),
    },
)
def lr_outside_range(ctx):
    th = lr_outside_range.check.threshold
    rr = ctx.section.get("lr_range") or {}
    sug = rr.get("suggested")
    lr = rr.get("configured", ctx.lr)
    if not sug or lr is None or rr.get("confidence", 0) < th("min_confidence"):
        return
    lo, hi = sug
    conf = rr["confidence"]
    if lr > th("above") * hi:
        yield Finding(code="P108", severity=Severity.WARNING, title="",
                      message=f"LR {lr:.3g} is {lr / hi:.0f}x above the suggested range "
                              f"{lo:.1e} .. {hi:.1e} (confidence {conf:.2f})",
                      pathology="divergence", data={"suggested": sug, "confidence": conf})
    elif lr * th("below") < lo:
        yield Finding(code="P108", severity=Severity.WARNING, title="",
                      message=f"LR {lr:.3g} is {lo / lr:.0f}x below the suggested range "
                              f"{lo:.1e} .. {hi:.1e} (confidence {conf:.2f})",
                      pathology="underfitting", data={"suggested": sug, "confidence": conf})
