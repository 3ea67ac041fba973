"""
What it checks
--------------
A model whose outputs already went through a sigmoid (all values in [0, 1]; or an
``nn.Sigmoid`` as the last module run) feeding ``BCEWithLogitsLoss`` or ``CrossEntropyLoss``,
which expect raw logits.

Why it matters
--------------
``BCEWithLogitsLoss`` applies the sigmoid itself: with a sigmoid in the model the prediction is
sigmoid(sigmoid(z)) ∈ [0.5, 0.73]. It can never reach 0 or 1, the loss plateaus far above 0,
and gradients are squashed twice. Training looks like it converged, at a bad loss.

Example
-------
Bad::

    model = nn.Sequential(backbone, nn.Conv2d(64, 1, 1), nn.Sigmoid())
    loss = nn.BCEWithLogitsLoss()(model(x), mask)

Good::

    model = nn.Sequential(backbone, nn.Conv2d(64, 1, 1))       # logits
    loss = nn.BCEWithLogitsLoss()(model(x), mask)

How to fix
----------
Drop the final sigmoid (keep it for inference), or switch to ``BCELoss`` — the logits version
is the numerically stable one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "A102", "sigmoid-before-logits-loss", severity="error", scope="model",
    title="sigmoid output fed to a loss that expects logits",
    pathology="premature_convergence",
    remedy="remove the final sigmoid from the model; BCEWithLogitsLoss applies it",
    thresholds={"min_values": (1000, "numbers alone are evidence only over many outputs: small untrained logits can all "
                                     "fall in [0, 1] for a few dozen values, never for a thousand centred ones")},
)
def sigmoid_before_logits_loss(ctx: Any) -> Iterator[Hit]:
    out = ctx.output
    if out is None or ctx.loss_name not in ("BCEWithLogitsLoss", "CrossEntropyLoss"):
        return
    graph = [n for n, k in ctx.trailing_leaves() if k in ("Sigmoid", "Hardsigmoid")]
    in_unit = (
        out.numel() >= sigmoid_before_logits_loss.check.threshold("min_values")
        and bool(out.min() >= 0) and bool(out.max() <= 1)
        and float((out == 0).float().mean()) < 0.01  # a sigmoid never gives exact zeros; a ReLU does (A104)
    )
    if out.dim() >= 2 and out.shape[1] >= 2 and bool((out.sum(1) - 1).abs().max() <= 1e-3):
        return  # softmax: A101
    if not graph and not in_unit:
        return
    evidence = []
    if graph:
        evidence.append(f"the last module run is nn.{dict(ctx.trailing_leaves())[graph[0]]} ({graph[0]})")
    if in_unit:
        evidence.append(f"all {out.numel()} outputs lie in [0, 1]")
    yield Hit(message=f"{ctx.loss_name} receives sigmoid outputs: {' and '.join(evidence)}",
              path=ctx.path, line=ctx.line("loss.factory") or ctx.line("model.factory"),
              data={"graph": bool(graph), "numeric": in_unit})
