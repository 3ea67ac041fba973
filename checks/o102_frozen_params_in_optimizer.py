"""
What it checks
--------------
Frozen parameters (``requires_grad=False``) that are still in the optimizer.

Why it matters
--------------
Harmless for plain SGD/Adam (no gradient, no update), but it usually means the optimizer was
built before freezing: if the layers are unfrozen later they come back with the optimizer's
old state, weight decay implementations that act without a gradient still shrink them, and
the optimizer's memory includes them.

Example
-------
Bad::

    opt = torch.optim.AdamW(model.parameters())
    for p in model.backbone.parameters(): p.requires_grad = False

Good::

    for p in model.backbone.parameters(): p.requires_grad = False
    opt = torch.optim.AdamW(p for p in model.parameters() if p.requires_grad)

How to fix
----------
Freeze first, then build the optimizer from the parameters that require grad.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


def _summary(hits: list[Hit]) -> str:
    return f"{len(hits)} frozen parameters are in the optimizer (first: {hits[0].data['param']})"


@check(
    "O102", "frozen-params-in-optimizer", severity="info", scope="model",
    title="frozen parameters in the optimizer",
    remedy="freeze first, then build the optimizer over requires_grad parameters",
    summarize=_summary,
)
def frozen_params_in_optimizer(ctx: Any) -> Iterator[Hit]:
    opt = ctx.setup.optimizer
    if opt is None:
        return
    held = {id(p) for g in opt.param_groups for p in g["params"]}
    for name, p in ctx.setup.model.named_parameters():
        if not p.requires_grad and id(p) in held:
            yield Hit(message=f"{name} is frozen but held by the optimizer", path=ctx.path, data={"param": name})
