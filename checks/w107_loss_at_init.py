"""
What it checks
--------------
The cross-entropy loss at init on a real batch against ln(C), the loss of a uniform
prediction over C classes. Reported when it is more than 3× ln(C) or less than half of it.

Why it matters
--------------
"Verify loss @ init": with a sane init the network predicts nearly uniform probabilities, so
CE ≈ ln(C) (Karpathy, "A Recipe for Training Neural Networks", 2019). For Gaussian logits of
std σ, CE ≈ ln(C) + σ²/2: a loss of 3·ln(C) means logits of std ≈ 2√ln(C) — the model starts
confidently wrong, the first steps are spent undoing the init, and large LRs diverge. A loss
far *below* ln(C) at init means the task is trivial for an untrained model: leaked or
constant targets, or most pixels ignored.

Example
-------
Bad::

    nn.init.normal_(model.fc.weight, std=1.0)      # logits of std ~20: CE ≈ 200 with 10 classes

Good::

    nn.init.zeros_(model.fc.weight)                 # or PyTorch's default: CE ≈ ln(10) = 2.3

How to fix
----------
Scale down (or zero) the last layer's init, set the last bias to the class prior, and check
that targets are not constant or leaked.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "W107", "loss-at-init", severity="warning", scope="model",
    title="loss at init far from ln(C)",
    pathology="divergence",
    remedy="scale down/zero the last layer's init, set the bias to the class prior; check the targets",
    thresholds={
        "high": (3.0, "Karpathy, 'A Recipe for Training Neural Networks' (2019): loss at init ≈ ln(C); "
                      "3·ln(C) ⇔ logits of std ≈ 2√ln(C) (CE ≈ ln C + σ²/2)"),
        "low": (0.5, "below half of ln(C) an untrained model already 'knows' the targets: leakage or constant labels; "
                     "with a final bias set to an imbalanced class prior (W109) the floor is half the prior's entropy "
                     "H(p), the loss of a model that knows only the class frequencies"),
    },
)
def loss_at_init(ctx: Any) -> Iterator[Hit]:
    if not ctx.is_ce or ctx.loss is None or not math.isfinite(ctx.loss):
        return
    if getattr(ctx.loss_fn, "reduction", "mean") != "mean" or getattr(ctx.loss_fn, "weight", None) is not None:
        return
    c = ctx.classes()
    if c is None or c < 2:
        return
    expected = math.log(c)
    th = loss_at_init.check
    ratio = ctx.loss / expected
    prior = ctx.class_prior(c)
    floor = expected
    if prior is not None:
        # a head whose bias already encodes the class frequencies starts near H(prior) < ln C
        floor = min(expected, -sum(p * math.log(p) for p in prior if p > 0))
    if ratio > th.threshold("high") or ctx.loss < th.threshold("low") * floor:
        yield Hit(message=f"cross-entropy at init is {ctx.loss:.3g}, expected about ln({c}) = {expected:.3g} ({ratio:.2g}×)",
                  path=ctx.path, line=ctx.line("model.factory"), data={"loss": ctx.loss, "expected": expected})
