"""Update-to-weight ratios far from ~1e-3.

What it checks
    For each probe step, the median over trainable parameter tensors of
    ``||w_after - w_before|| / ||w_before||``; then the median of that over the steps. Below
    1e-5 or above 1e-1 (two orders of magnitude either side of 1e-3) is reported.

Why it matters
    The ratio is the learning rate as the weights feel it. CS231n's rule of thumb: about 1e-3;
    much lower and the weights barely move (LR too low: slow or no learning), much higher and
    each step rewrites the weights (LR too high: oscillation, divergence).

Example
    SGD at ``lr=1e-6`` on a ResNet: median update ratio 3e-8.

How to fix
    Scale the LR by roughly 1e-3 / ratio (and confirm with the LR range, P108); check
    weight decay and any per-group LR multipliers.
"""

from __future__ import annotations

import statistics

from preflight.findings import Finding, Severity
from preflight.registry import check


@check(
    "P106", "update-ratio-out-of-range", severity="warning", scope="probe",
    pathology="underfitting", title="update/weight ratio far from ~1e-3",
    remedy="scale the LR by about 1e-3 / ratio and confirm with the LR range (P108)",
    thresholds={
        "low": (1e-5, "two orders below CS231n's ~1e-3 (Karpathy, CS231n 'Neural networks 3', "
                "ratio of updates to weights)"),
        "high": (1e-1, "two orders above ~1e-3"),
    },
)
def update_ratio_out_of_range(ctx):
    th = update_ratio_out_of_range.check.threshold
    ratios = [r for r in (ctx.section.get("update_ratio_median") or []) if r > 0]
    if len(ratios) < 5 or ctx.section.get("error"):
        return
    med = statistics.median(ratios)
    if med < th("low"):
        yield Finding(code="P106", severity=Severity.WARNING, title="",
                      message=f"median update/weight ratio {med:.1e} (< {th('low'):.0e}): "
                              "the weights barely move, LR too low", pathology="underfitting",
                      data={"median_ratio": med})
    elif med > th("high"):
        yield Finding(code="P106", severity=Severity.WARNING, title="",
                      message=f"median update/weight ratio {med:.1e} (> {th('high'):.0e}): "
                              "each step rewrites the weights, LR too high",
                      pathology="oscillation", data={"median_ratio": med})
