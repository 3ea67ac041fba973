"""
What it checks
--------------
A model in which no parameter requires a gradient.

Why it matters
--------------
Nothing can learn: the optimizer steps over an empty set (or raises "optimizer got an empty
parameter list"), the loss stays flat, and hours of GPU time produce the initial model.
Usually a freeze prefix that is too broad (``freeze: [""]``, ``freeze: [model.]``) or a
``requires_grad_(False)`` on the whole model.

Example
-------
Bad::

    freeze: [features., classifier.]        # every parameter of the model

Good::

    freeze: [features.]                      # train the classifier

How to fix
----------
Leave at least the head trainable; check the freeze prefixes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "B105", "everything-frozen", severity="error", scope="model",
    title="every parameter is frozen",
    pathology="training_failure",
    remedy="leave at least the head trainable (narrow the freeze prefixes)",
)
def everything_frozen(ctx: Any) -> Iterator[Hit]:
    params = list(ctx.setup.model.parameters())
    if params and not any(p.requires_grad for p in params):
        yield Hit(message=f"all {len(params)} parameters have requires_grad=False", path=ctx.path, line=ctx.line("freeze"),
                  data={"params": len(params)})
