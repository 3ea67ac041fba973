"""
What it checks
--------------
A ReLU (or ReLU6) as the last module before a classification loss, found from the module
graph, or numerically: all outputs ≥ 0 with a large share of exact zeros.

Why it matters
--------------
Logits must be able to go negative: a class is "not this" through a negative logit. After a
ReLU every negative logit is clipped to 0 and gets no gradient, so the model can only raise
scores; units that go negative for all inputs die for good. Accuracy plateaus and the loss
at init is off.

Example
-------
Bad::

    head = nn.Sequential(nn.Linear(512, C), nn.ReLU())

Good::

    head = nn.Linear(512, C)

How to fix
----------
Remove the activation after the last linear/conv layer: the loss wants raw logits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check

LOSSES = ("CrossEntropyLoss", "BCEWithLogitsLoss", "NLLLoss", "MultiLabelSoftMarginLoss")


@check(
    "A104", "relu-last-layer", severity="error", scope="model",
    title="ReLU as the last layer before the loss",
    pathology="training_failure",
    remedy="remove the final ReLU; logits must be free to go negative",
    thresholds={"zero_share": (0.1, "random logits are exactly 0 with probability ~0; after a ReLU about half are")},
)
def relu_last_layer(ctx: Any) -> Iterator[Hit]:
    out = ctx.output
    if out is None or ctx.loss_name not in LOSSES:
        return
    graph = [n for n, k in ctx.trailing_leaves() if k in ("ReLU", "ReLU6")]
    zero = float((out == 0).float().mean()) if out.numel() else 0.0
    numeric = out.numel() >= 16 and bool(out.min() >= 0) and zero >= relu_last_layer.check.threshold("zero_share")
    if not graph and not numeric:
        return
    evidence = []
    if graph:
        evidence.append(f"the last module run is a ReLU ({graph[0]})")
    if numeric:
        evidence.append(f"all outputs are ≥ 0 and {zero:.0%} are exactly 0")
    yield Hit(message=f"{ctx.loss_name} receives ReLU outputs: {' and '.join(evidence)}",
              path=ctx.path, line=ctx.line("model.factory"), data={"zero_share": zero, "graph": bool(graph)})
