"""
What it checks
--------------
Optimizer groups with ``weight_decay > 0`` that hold normalization weights or biases
(one-dimensional parameters).

Why it matters
--------------
Decaying BN/LayerNorm gammas and biases pulls them toward 0, which the network has to fight
every step; it brings no regularization benefit because BN makes the following weights
scale-invariant. Excluding them is standard practice ("no bias decay", He et al. 2019, "Bag
of Tricks", §3.1; timm and the torchvision reference scripts split the groups). Worth
knowing, rarely fatal.

Example
-------
Bad::

    opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=1e-4)

Good::

    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 1e-4},
                           {"params": no_decay, "weight_decay": 0.0}], lr=0.1)

How to fix
----------
Put 1-D parameters (norm weights, biases) in a group with ``weight_decay=0``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "O104", "weight-decay-on-norm-bias", severity="info", scope="model",
    title="weight decay applied to norm weights and biases",
    remedy="put 1-D parameters (norm weights, biases) in a group with weight_decay=0",
)
def weight_decay_on_norm_bias(ctx: Any) -> Iterator[Hit]:
    opt = ctx.setup.optimizer
    if opt is None:
        return
    for i, g in enumerate(opt.param_groups):
        wd = g.get("weight_decay", 0) or 0
        if wd <= 0:
            continue
        n = sum(1 for p in g["params"] if p.dim() <= 1 and p.requires_grad)
        if n:
            group = f"group {i}" if len(opt.param_groups) > 1 else "the optimizer"
            yield Hit(message=f"{group} applies weight_decay={wd:g} to {n} bias/norm parameters",
                      path=ctx.path, line=ctx.line("optimizer.kwargs.weight_decay") or ctx.line("optimizer.factory"),
                      data={"params": n, "weight_decay": wd})
