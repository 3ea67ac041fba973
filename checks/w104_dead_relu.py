"""
What it checks
--------------
ReLU layers (``nn.ReLU``/``nn.ReLU6`` modules) where most channels output 0 for every sample
and position of a real batch, at init, in train mode.

Why it matters
--------------
A dead ReLU unit has zero gradient and never recovers; a layer where almost every unit is
dead blocks the gradient to everything below it (Lu et al. 2019, "Dying ReLU and
Initialization"). At init this comes from large negative biases, a bad init, or inputs with
a large negative offset.

Example
-------
Bad::

    nn.init.constant_(fc.bias, -5.0)           # every pre-activation negative

Good::

    nn.init.zeros_(fc.bias)

How to fix
----------
Zero (or small positive) biases, a proper init (W101), normalized inputs (N101/N102), or a
leaky activation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "W104", "dead-relu", severity="warning", scope="model",
    title="most ReLU units dead at init",
    pathology="training_failure",
    remedy="zero the biases, fix the init and input scale, or use LeakyReLU",
    thresholds={"dead_share": (0.9, "healthy torchvision models at init peak at ~0.5 dead channels (SE squeeze layers on "
                                    "a 4-image batch); Lu et al. 2019 on dying ReLU")},
)
def dead_relu(ctx: Any) -> Iterator[Hit]:
    limit = dead_relu.check.threshold("dead_share")
    for s in ctx.layers:
        if s.dead is not None and s.dead >= limit:
            yield Hit(message=f"{s.name}: {s.dead:.0%} of the {s.shape[1]} channels are 0 for the whole batch",
                      path=ctx.path, data={"layer": s.name, "dead": s.dead})
