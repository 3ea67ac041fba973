"""
What it checks
--------------
The bias of the final layer (the Linear/Conv whose outputs are the logits) against the class
frequencies of the audit's real batch: classes for a softmax head (``CrossEntropyLoss``:
labels, or pixels without the ignore value), positives per class for a sigmoid head
(``BCEWithLogitsLoss`` on float targets). It measures KL(prior ‖ prediction of the bias
alone), the part of the initial loss the first steps spend learning the class frequencies,
and reports it with the bias to set: ``log(p_c)`` for softmax heads, ``log(p_c / (1 - p_c))``
for sigmoid heads.

Why it matters
--------------
With an imbalanced prior, a head initialized at zero (or random) bias predicts every class
as equally likely: the first hundreds of steps only learn the bias, the loss curve shows a
"hockey stick" and rare-class logits are pushed down hard early. Karpathy's recipe ("init
well") and the RetinaNet focal-loss paper (prior π = 0.01 for the sigmoid bias) set the
final bias to the prior instead.

Example
-------
Bad: 90 % of the labels are class 0, ``nn.Linear(16, 3)`` with its default bias (≈ 0):
the softmax of the bias says 1/3 each.

Good::

    with torch.no_grad():
        model.fc.bias.copy_(torch.log(torch.tensor([0.90, 0.08, 0.02])))

How to fix
----------
Set the final layer's bias to the values in the message (computed from the audit's batch;
use the class frequencies of the whole training set if you have them).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


def _final_layer(ctx: Any, classes: int) -> tuple[str, Any] | None:
    import torch

    modules = ctx.modules()
    for name, _kind in reversed(ctx.leaf_order):
        m = modules.get(name)
        if isinstance(m, (torch.nn.Linear, torch.nn.modules.conv._ConvNd)) and m.bias is not None:
            out = m.out_features if isinstance(m, torch.nn.Linear) else m.out_channels
            return (name, m) if out == classes else None
    return None


def _prior(ctx: Any, classes: int, sigmoid: bool) -> list[float] | None:
    import torch

    y = ctx.targets
    if not isinstance(y, torch.Tensor) or y.numel() == 0:
        return None
    if sigmoid:
        if not y.is_floating_point() or y.dim() < 2 or y.shape[1] != classes:
            return None
        p = y.detach().float().transpose(0, 1).reshape(classes, -1).mean(1)
        return [float(v) for v in p]
    return ctx.class_prior(classes)


@check(
    "W109", "final-bias-vs-class-prior", severity="info", scope="model",
    title="final-layer bias far from the class prior",
    remedy="set the final bias to log(p_c) (softmax) or log(p_c/(1-p_c)) (sigmoid)",
    thresholds={
        "kl": (0.3, "nats of KL(prior || bias-only prediction): a two-class 10:1 prior against "
               "a uniform prediction is 0.39, 5:1 is 0.24 (Karpathy 2019 'init well' uses 1:10)"),
        "floor": (1e-4, "smallest frequency used in the suggested bias, so that a class absent "
              "from the batch gets a finite log (log 1e-4 = -9.2)"),
    },
)
def final_bias_vs_class_prior(ctx: Any) -> Iterator[Hit]:  # noqa: C901 - one formula per head
    import torch

    if ctx.output is None or ctx.task == "detect" or ctx.output.dim() < 2:
        return
    sigmoid = isinstance(ctx.loss_fn, torch.nn.BCEWithLogitsLoss)
    if not (sigmoid or ctx.is_ce):
        return
    classes = int(ctx.output.shape[1])
    if classes < 2:
        return
    layer = _final_layer(ctx, classes)
    prior = _prior(ctx, classes, sigmoid)
    if layer is None or prior is None:
        return
    th = final_bias_vs_class_prior.check.threshold  # type: ignore[attr-defined]
    floor = th("floor")
    name, m = layer
    b = [float(v) for v in m.bias.detach().float().cpu()]
    p = [min(max(v, floor), 1 - floor) for v in prior]
    if sigmoid:
        q = [1 / (1 + math.exp(-x)) for x in b]
        kl = sum(pc * math.log(pc / qc) + (1 - pc) * math.log((1 - pc) / (1 - qc)) for pc, qc in zip(p, q, strict=True))
        target = [math.log(pc / (1 - pc)) for pc in p]
        rule = "log(p/(1-p))"
    else:
        top = max(b)
        z = math.log(sum(math.exp(x - top) for x in b)) + top
        kl = sum(pc * (math.log(pc) - (x - z)) for pc, x in zip(prior, b, strict=True) if pc > 0)
        target = [math.log(pc) for pc in p]
        rule = "log(p)"
    if kl <= th("kl"):
        return
    shown = ", ".join(f"{v:.2f}" for v in target[:10]) + (", ..." if len(target) > 10 else "")
    yield Hit(message=f"{name}.bias predicts a prior {kl:.2f} nats away from the batch's class "
                      f"frequencies ({', '.join(f'{v:.2f}' for v in prior[:10])}); "
                      f"set it to {rule} = [{shown}]",
              path=ctx.path, line=ctx.line("model") or ctx.line("setup"),
              data={"layer": name, "kl": round(kl, 4), "prior": prior, "bias": target})
