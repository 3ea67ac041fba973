"""The loss does not fall when training on one batch.

What it checks
    Over the probe's steps on a single batch, the lowest of the last five losses compared
    with the first: still above half of it means the setup cannot even memorise one batch.

Why it matters
    Fitting one batch is the easiest task a training setup ever gets; one that cannot do it
    will not learn the dataset either. Typical causes: softmax applied before
    ``CrossEntropyLoss`` (the loss is bounded away from zero), every layer frozen, an
    optimizer over the wrong parameters, a learning rate of ~0, targets detached from the
    output.

Example
    A classifier whose ``forward`` ends in ``nn.Softmax`` trained with ``CrossEntropyLoss``:
    the loss goes 2.30 -> 1.60 and stays there.

How to fix
    Remove the softmax before CE (it takes logits), check what is frozen and what the
    optimizer holds (P105), raise the LR to a sensible value (see the LR range, P108).
"""

from __future__ import annotations

import math

from preflight.findings import Hit
from preflight.registry import check


def loss_ratio(losses: list[float]) -> float | None:
    """min(last five) / first, or None when there is nothing finite to compare."""
    if len(losses) < 2 or not all(math.isfinite(v) for v in losses):
        return None
    first = losses[0]
    if first <= 0:
        return None
    return min(losses[-5:]) / first


@check(
    "P101", "loss-does-not-fall", severity="error", scope="probe", pathology="training_failure",
    title="loss does not fall on one batch",
    remedy="remove softmax before CrossEntropyLoss, unfreeze / add the parameters to the "
           "optimizer, use a sensible LR; the setup must overfit one batch",
    thresholds={
        "max_ratio": (0.5, "Karpathy's recipe: a correct setup drives one batch's loss toward "
                      "zero; not even halving it in the probe's steps means it cannot learn "
                      "(softmax-before-CE with 10 classes is bounded at 0.63 of the start)"),
        "min_steps": (10, "fewer steps (a time budget cut it short) cannot judge a fall"),
    },
)
def loss_does_not_fall(ctx):
    sec = ctx.section
    th = loss_does_not_fall.check.threshold
    losses = sec.get("losses") or []
    if sec.get("error") or len(losses) < th("min_steps"):
        return
    r = loss_ratio(losses)
    if r is not None and r > th("max_ratio"):
        yield Hit(message=f"loss {losses[0]:.4g} -> {min(losses[-5:]):.4g} after {len(losses)} "
                          f"steps on one batch ({r:.0%} of the start)", data={"ratio": r})
