"""The loss falls on one batch but stays far from zero.

What it checks
    The lowest of the last five probe losses is between 10 % and 50 % of the first: the
    setup learns, but after all the probe's steps it still has not memorised one batch.

Why it matters
    A healthy setup memorises a single batch quickly. A slow fall points to a learning rate
    that is too low, a bounded loss (label smoothing, a wrong activation), heavy
    regularisation, or a model too small for the input; the full run will likely underfit.

Example
    A segmentation model with SGD at lr 1e-5: the loss goes 3.0 -> 1.2 in 100 steps.

How to fix
    Raise the LR (see the range from P108), check the last activation and the loss pairing,
    and lower regularisation while debugging; rerun with more ``--probe-steps`` to confirm.
"""

from __future__ import annotations

from preflight.findings import Hit
from preflight.registry import check

from .p101_loss_does_not_fall import loss_ratio


@check(
    "P102", "loss-stays-far-from-zero", severity="warning", scope="probe",
    pathology="underfitting", title="loss falls slowly on one batch",
    remedy="raise the LR (see P108's range), check the last activation / loss pairing, lower "
           "regularisation while debugging",
    thresholds={
        "near_zero": (0.1, "'near zero' = under a tenth of the start: a correct small setup "
                      "reaches ~1 % in 100 steps (tests/probe)"),
        "max_ratio": (0.5, "above this P101 reports it as an error instead"),
    },
)
def loss_stays_far_from_zero(ctx):
    sec = ctx.section
    th = loss_stays_far_from_zero.check.threshold
    losses = sec.get("losses") or []
    if sec.get("error") or len(losses) < 10:
        return
    r = loss_ratio(losses)
    if r is not None and th("near_zero") < r <= th("max_ratio"):
        yield Hit(message=f"loss {losses[0]:.4g} -> {min(losses[-5:]):.4g} after {len(losses)} "
                          f"steps: {r:.0%} of the start, not near zero", data={"ratio": r})
