"""
What it checks
--------------
``nn.Sigmoid``/``nn.Tanh`` layers inside the network whose outputs sit mostly in the flat
tails (|tanh| > 0.99, sigmoid < 0.01 or > 0.99) on a real batch at init.

Why it matters
--------------
In the tails the derivative is below 0.02 (tanh) or 0.01 (sigmoid): the gradient through the
layer nearly vanishes and learning stalls (Glorot & Bengio 2010 observed exactly this
saturation of deep sigmoid networks at init).

Example
-------
Bad::

    nn.init.normal_(fc.weight, std=1.0); act = nn.Tanh()       # pre-activations of std ~16

Good::

    nn.init.xavier_uniform_(fc.weight, gain=nn.init.calculate_gain("tanh"))

How to fix
----------
Use Xavier init with the tanh gain, normalize the inputs, or switch to ReLU-family
activations.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "W105", "saturated-activation", severity="warning", scope="model",
    title="sigmoid/tanh saturated at init",
    pathology="training_failure",
    remedy="Xavier init with the right gain, normalized inputs, or ReLU-family activations",
    thresholds={"share": (0.5, "Glorot & Bengio 2010: saturation of most units is what stalls deep sigmoid nets")},
)
def saturated_activation(ctx: Any) -> Iterator[Hit]:
    limit = saturated_activation.check.threshold("share")
    last = ctx.last_leaf()
    for s in ctx.layers:
        if s.saturated is None or s.saturated < limit:
            continue
        if last is not None and s.name == last[0]:
            continue  # a final sigmoid is an output, not a hidden layer (A102 judges it)
        yield Hit(message=f"{s.name} ({s.kind}): {s.saturated:.0%} of its outputs are saturated",
                  path=ctx.path, data={"layer": s.name, "saturated": s.saturated})
