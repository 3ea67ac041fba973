"""The loss becomes NaN or inf during the probe.

What it checks
    Any probe step whose loss is NaN or infinite.

Why it matters
    One non-finite loss turns every weight it touches into NaN; the run is over from that
    step on. On one batch this almost always means the learning rate is far too high, or a
    numerically unsafe operation (log of 0, exp overflow, division by a zero norm, fp16).

Example
    SGD with ``lr=10``: the loss goes 2.3, 40.1, 3e8, nan.

How to fix
    Lower the LR (see P108's range), add gradient clipping, use ``log_softmax`` /
    ``BCEWithLogitsLoss`` instead of hand-written softmax/log, keep the loss in fp32.
"""

from __future__ import annotations

import math

from preflight.findings import Hit
from preflight.registry import check


@check(
    "P103", "loss-becomes-nonfinite", severity="error", scope="probe", pathology="divergence",
    title="loss becomes NaN/inf on one batch",
    remedy="lower the LR, add gradient clipping, avoid hand-written softmax/log (use "
           "log_softmax / *WithLogits losses), keep the loss in fp32",
)
def loss_becomes_nonfinite(ctx):
    losses = ctx.section.get("losses") or []
    bad = [i for i, v in enumerate(losses) if not math.isfinite(v)]
    if bad:
        yield Hit(message=f"loss is {losses[bad[0]]} at step {bad[0] + 1} "
                          f"(first loss {losses[0]:.4g})", data={"step": bad[0] + 1})
