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

    When the loss is still falling at the end (the last quarter of the steps lower than the
    quarter before) and the probe's LR range test says, with confidence, that the configured
    LR is below its range, the setup does learn, only slowly: that is a warning pointing at
    the learning rate, not an error. Without that evidence (a softmax before CE also falls
    slowly for a while) it stays an error.

How to fix
    Remove the softmax before CE (it takes logits), check what is frozen and what the
    optimizer holds (P105), raise the LR to a sensible value (see the LR range, P108).
"""

from __future__ import annotations

import math
import statistics

from preflight.findings import Finding, Hit, Severity
from preflight.registry import check


def loss_ratio(losses: list[float]) -> float | None:
    """min(last five) / first, or None when there is nothing finite to compare."""
    if len(losses) < 2 or not all(math.isfinite(v) for v in losses):
        return None
    first = losses[0]
    if first <= 0:
        return None
    return min(losses[-5:]) / first


def still_falling(losses: list[float], margin: float) -> float | None:
    """The relative fall from the second-last to the last quarter of the steps (mean of
    each), when it is above ``margin``; else None."""
    q = max(4, len(losses) // 4)
    if len(losses) < 2 * q:
        return None
    before = statistics.fmean(losses[-2 * q:-q])
    last = statistics.fmean(losses[-q:])
    if before <= 0 or not math.isfinite(before + last):
        return None
    fall = (before - last) / before
    return fall if fall > margin else None


def lr_below_range(sec: dict, min_confidence: float) -> str | None:
    """'LR x is below the LR range test's lo .. hi' when the range test is confident of it."""
    rr = sec.get("lr_range") or {}
    sug, lr = rr.get("suggested"), rr.get("configured")
    if not sug or not lr or rr.get("confidence", 0) < min_confidence or lr >= sug[0]:
        return None
    return (f"the configured LR {lr:.3g} is below the LR range test's {sug[0]:.1e} .. "
            f"{sug[1]:.1e} (confidence {rr['confidence']:.2f})")


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
        "still_falling": (0.02, "the last quarter of the steps 2 % below the quarter before: "
                          "a plateau (softmax before CE with Adam, frozen layers) moves by well "
                          "under 1 % there in tests/probe, plain SGD at 0.01 on the tests' MLP "
                          "by 3.5 %"),
        "min_fall": (0.05, "the loss must also have fallen 5 % overall (a trend, not noise)"),
        "min_confidence": (0.5, "P108's gate: below it the LR range test says nothing"),
    },
)
def loss_does_not_fall(ctx):
    sec = ctx.section
    th = loss_does_not_fall.check.threshold
    losses = sec.get("losses") or []
    if sec.get("error") or len(losses) < th("min_steps"):
        return
    r = loss_ratio(losses)
    if r is None or r <= th("max_ratio"):
        return
    text = (f"loss {losses[0]:.4g} -> {min(losses[-5:]):.4g} after {len(losses)} steps on one "
            f"batch ({r:.0%} of the start)")
    fall = still_falling(losses, th("still_falling")) if r <= 1 - th("min_fall") else None
    low_lr = lr_below_range(sec, th("min_confidence"))
    if fall is not None and low_lr is not None:
        yield Finding(code="P101", severity=Severity.WARNING, title="",
                      message=f"{text}, still falling ({fall:.0%} over the last quarter of the "
                              f"steps): it learns, but slowly; {low_lr}",
                      pathology="underfitting", data={"ratio": r, "still_falling": fall})
        return
    yield Hit(message=f"{text}; {low_lr}" if low_lr else text, data={"ratio": r})
