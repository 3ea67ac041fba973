"""
What it checks
--------------
Conv/Linear layers whose weights are all the same value (``fill_``, ``constant_``, ``zeros_``),
except an all-zero output layer (the last one the forward pass runs), which is a legitimate
choice.

Why it matters
--------------
Units that start identical receive identical gradients and stay identical forever: the layer
behaves like a single unit (the symmetry problem; Goodfellow et al., Deep Learning §8.4).
Zero weights in a hidden layer also block the gradient to every layer below it.

Example
-------
Bad::

    nn.init.constant_(layer.weight, 0.1)

Good::

    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")

How to fix
----------
Initialize hidden layers randomly; only the last layer (or the last BN gamma of a residual
branch) may start at zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "W102", "constant-weights", severity="error", scope="model",
    title="constant or zero weight init",
    pathology="training_failure",
    remedy="initialize weights randomly (kaiming_normal_/xavier_uniform_) to break symmetry",
)
def constant_weights(ctx: Any) -> Iterator[Hit]:
    last = {n for n, _ in ctx.trailing_leaves()}
    for w in ctx.weights:
        if not w.constant or not w.trainable:
            continue
        if w.mean == 0.0 and w.name in last:
            continue
        yield Hit(message=f"{w.name} ({w.kind} {list(w.shape)}): every weight is {w.mean:.4g}",
                  path=ctx.path, data={"layer": w.name, "value": w.mean})
