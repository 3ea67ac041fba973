"""
What it checks
--------------
Trainable parameters that receive no gradient from one backward pass of the loss on a real
batch: gradient ``None`` (the parameter is not used by the loss at all) or, for
classify/segment, weight layers whose gradient is exactly zero (a blocked path).

Why it matters
--------------
A trainable parameter without gradient never learns: a head that is built but not used in
``forward``, an auxiliary branch left out of the loss, a ``.detach()`` in the wrong place. It
also makes ``DistributedDataParallel`` fail with "Expected to have finished reduction"
unless ``find_unused_parameters=True`` (which costs an extra graph traversal every step).

Example
-------
Bad::

    def forward(self, x):
        feats = self.backbone(x).detach()          # backbone never learns
        return self.head(feats)

Good::

    def forward(self, x):
        return self.head(self.backbone(x))

How to fix
----------
Use the parameters in ``forward`` and the loss, remove stray ``detach()``/``no_grad``, or
freeze (requires_grad=False) what should not learn.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


def _summary(hits: list[Hit]) -> str:
    return f"{len(hits)} trainable parameters get no gradient; first: {hits[0].message}"


@check(
    "W106", "no-gradient", severity="warning", scope="model",
    title="trainable parameters get no gradient",
    pathology="underfitting",
    remedy="use the parameters in forward/loss, remove stray detach(), or freeze them",
    summarize=_summary,
)
def no_gradient(ctx: Any) -> Iterator[Hit]:
    if ctx.loss is None:
        return
    weights = {w.name + ".weight" for w in ctx.weights}
    for name, (grad, _norm) in ctx.grads.items():
        if grad is None:
            yield Hit(message=f"{name}: no gradient (not used by the loss)", path=ctx.path, data={"param": name})
        elif grad == 0.0 and ctx.task != "detect" and name in weights:
            # detection losses legitimately sample anchors: a level may get no gradient in one batch
            yield Hit(message=f"{name}: gradient exactly 0", path=ctx.path, data={"param": name})
