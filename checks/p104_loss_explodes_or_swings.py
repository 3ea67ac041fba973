"""The loss explodes or swings on one batch.

What it checks
    On the probe's single batch, a loss that climbs above three times its first value, or
    that jumps up by more than 10 % on at least a quarter of the steps while still above a
    twentieth of the start (below that, relative jumps are noise around zero).

Why it matters
    On a fixed batch the loss surface does not change between steps; a loss that climbs or
    zig-zags is the optimizer overshooting: the learning rate is too high for this model and
    batch, and the full run will oscillate or diverge.

Example
    Adam at ``lr=0.1`` on a small CNN: 2.3, 2.1, 5.8, 1.9, 7.2, 3.3 ...

How to fix
    Lower the LR (P108 suggests a range), add warm-up, clip gradients; with BatchNorm and tiny
    batches, raise the batch size.
"""

from __future__ import annotations

import math

from preflight.findings import Finding, Severity
from preflight.registry import check


@check(
    "P104", "loss-explodes-or-swings", severity="error", scope="probe", pathology="oscillation",
    title="loss explodes or swings on one batch (LR too high)",
    remedy="lower the LR (see P108's range), add warm-up and gradient clipping",
    thresholds={
        "explode": (3.0, "3x the first loss; fastai's LR finder stops at 4x the best"),
        "jump": (0.10, "a rise of 10 % between two steps on the same batch"),
        "jump_share": (0.25, "on a quarter of the steps: occasional rises happen with momentum"),
        "floor": (0.05, "rises below 5 % of the first loss are ignored (noise near zero)"),
    },
)
def loss_explodes_or_swings(ctx):
    th = loss_explodes_or_swings.check.threshold
    losses = [v for v in (ctx.section.get("losses") or []) if math.isfinite(v)]
    if len(losses) < 5 or losses[0] <= 0:
        return
    first = losses[0]
    peak = max(losses[1:])
    kind = "explodes" if peak > th("explode") * first else None
    rises = sum(1 for a, b in zip(losses, losses[1:], strict=False)
                if a > th("floor") * first and b > a * (1 + th("jump")))
    share = rises / (len(losses) - 1)
    if kind is None and share >= th("jump_share"):
        kind = "swings"
    if kind is None:
        return
    msg = (f"loss {kind}: first {first:.4g}, peak {peak:.4g} ({peak / first:.1f}x), "
           f"rises by >10 % on {rises} of {len(losses) - 1} steps")
    yield Finding(code="P104", severity=Severity.ERROR, title="", message=msg,
                  pathology="divergence" if kind == "explodes" else "oscillation",
                  data={"peak_ratio": peak / first, "rise_share": share})
