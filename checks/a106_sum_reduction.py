"""
What it checks
--------------
A loss with ``reduction="sum"`` over many terms: the batch size times, for segmentation, the
pixels of each sample.

Why it matters
--------------
With a sum the gradient grows with the number of summed terms: a 512×512 mask sums 262,144
pixel losses, so the usual learning rates (set for the mean) are effectively multiplied by
that number and training diverges; changing the batch size silently changes the learning
rate (Goyal et al. 2017, "Accurate, Large Minibatch SGD": the gradient scale, and so the
right LR, is tied to how the loss is normalized over the batch).

Example
-------
Bad::

    loss_fn = nn.CrossEntropyLoss(reduction="sum")

Good::

    loss_fn = nn.CrossEntropyLoss()                 # reduction="mean"

How to fix
----------
Use ``reduction="mean"`` (the default), or divide the sum by the number of terms.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "A106", "sum-reduction", severity="warning", scope="model",
    title="loss summed over a large batch",
    pathology="divergence",
    remedy="use reduction='mean' (or divide by the number of summed terms)",
    thresholds={"max_terms": (16, "Goyal et al. 2017: the gradient scales with the summed terms; 16 already puts a "
                                  "mean-tuned LR an order of magnitude off")},
)
def sum_reduction(ctx: Any) -> Iterator[Hit]:
    if getattr(ctx.loss_fn, "reduction", None) != "sum":
        return
    terms = ctx.batch_size
    out = ctx.output
    if ctx.task == "segment" and out is not None and out.dim() >= 3:
        for s in out.shape[2:]:
            terms *= int(s)
    if terms >= sum_reduction.check.threshold("max_terms"):
        yield Hit(message=f"{ctx.loss_name}(reduction='sum') adds {terms:,} terms per step (batch {ctx.batch_size}"
                  + (f" × {int(terms / ctx.batch_size):,} pixels" if terms != ctx.batch_size else "") + ")",
                  path=ctx.path, line=ctx.line("loss.kwargs.reduction") or ctx.line("loss.factory"), data={"terms": terms})
