"""
What it checks
--------------
Trainable parameters (``requires_grad=True``) that are in none of the optimizer's parameter
groups.

Why it matters
--------------
They get gradients but are never updated: a head added after the optimizer was built, a
``model.fc = nn.Linear(...)`` replacement done after ``optim.SGD(model.parameters())``, or
param groups that forgot a submodule. The model trains partly, and nothing reports it.

Example
-------
Bad::

    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    model.fc = nn.Linear(512, 10)          # the new head is not in opt

Good::

    model.fc = nn.Linear(512, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)

How to fix
----------
Build the optimizer after the model is final, from ``[p for p in model.parameters() if
p.requires_grad]``, and make the param groups cover every trainable parameter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


def _summary(hits: list[Hit]) -> str:
    return f"{len(hits)} trainable parameters are not in the optimizer (first: {hits[0].data['param']})"


@check(
    "O101", "params-missing-from-optimizer", severity="error", scope="model",
    title="trainable parameters missing from the optimizer",
    pathology="underfitting",
    remedy="build the optimizer after the model is final, over all trainable parameters",
    summarize=_summary,
)
def params_missing_from_optimizer(ctx: Any) -> Iterator[Hit]:
    opt = ctx.setup.optimizer
    if opt is None:
        return
    held = {id(p) for g in opt.param_groups for p in g["params"]}
    for name, p in ctx.setup.model.named_parameters():
        if p.requires_grad and id(p) not in held:
            yield Hit(message=f"{name} {list(p.shape)} requires grad but is in no optimizer group",
                      path=ctx.path, line=ctx.line("optimizer.factory"), data={"param": name})
