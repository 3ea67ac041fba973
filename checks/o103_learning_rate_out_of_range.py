"""
What it checks
--------------
The learning rate of each optimizer group against the range that is usual for its
optimizer: SGD 1e-5 .. 1, Adam-family (Adam, AdamW, NAdam, RAdam, Adamax) 1e-6 .. 1e-2,
RMSprop 1e-6 .. 1e-2, Adagrad 1e-4 .. 1.

Why it matters
--------------
Adam's step size is roughly the LR itself, independent of the gradient scale: 0.1 (an SGD
value) moves every weight by ~0.1 per step and training diverges or collapses to a constant
prediction. An SGD LR of 1e-6 makes no visible progress in any realistic number of epochs.
Copying an LR between optimizer families is one of the most common setup mistakes.

Example
-------
Bad::

    optimizer: {factory: torch.optim:Adam, kwargs: {lr: 0.1}}

Good::

    optimizer: {factory: torch.optim:Adam, kwargs: {lr: 0.001}}

How to fix
----------
Start from the usual value for the optimizer (SGD 0.01-0.1 with momentum, Adam/AdamW
1e-4-1e-3) and tune with an LR range test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check

ADAM = (1e-6, 1e-2)
RANGES = {
    "SGD": (1e-5, 1.0),
    "Adam": ADAM, "AdamW": ADAM, "NAdam": ADAM, "RAdam": ADAM, "Adamax": ADAM, "SparseAdam": ADAM,
    "RMSprop": (1e-6, 1e-2),
    "Adagrad": (1e-4, 1.0),
}


@check(
    "O103", "learning-rate-out-of-range", severity="warning", scope="model",
    title="learning rate far outside the usual range for the optimizer",
    pathology="divergence",
    remedy="use a learning rate in the optimizer's usual range (SGD ~0.01-0.1, Adam ~1e-4-1e-3)",
    thresholds={
        "SGD": (RANGES["SGD"], "Goyal et al. 2017: 0.1 per 256 images; He et al. 2016 ResNet 0.1; Bengio 2012 'Practical "
                               "recommendations': LRs above 1 rarely work"),
        "Adam": (ADAM, "Kingma & Ba 2015 default 1e-3; Loshchilov & Hutter 2019 AdamW 1e-4..1e-3; above 1e-2 diverges "
                       "for most CV models"),
        "RMSprop": (RANGES["RMSprop"], "Tieleman & Hinton 2012 and torch default 1e-2 (Keras 1e-3) as the upper end"),
        "Adagrad": (RANGES["Adagrad"], "Duchi et al. 2011; torch default 1e-2"),
    },
)
def learning_rate_out_of_range(ctx: Any) -> Iterator[Hit]:
    opt = ctx.setup.optimizer
    if opt is None:
        return
    kind = type(opt).__name__
    band = RANGES.get(kind)
    if band is None:
        return
    lo, hi = band
    for i, g in enumerate(opt.param_groups):
        lr = g.get("lr")
        if not isinstance(lr, (int, float)):
            lr = float(lr) if hasattr(lr, "item") else None
        if lr is None:
            continue
        if lr > hi or lr < lo:
            group = f" (group {i})" if len(opt.param_groups) > 1 else ""
            yield Hit(message=f"{kind} lr={lr:g}{group} is outside the usual {lo:g}..{hi:g}",
                      path=ctx.path, line=ctx.line("optimizer.kwargs.lr") or ctx.line("optimizer.factory"),
                      data={"lr": lr, "optimizer": kind, "range": [lo, hi]})
