"""
What it checks
--------------
NaN or inf anywhere in one step at init: in the weights, in a layer's output (the first one
where it appears is named), in the loss, or in the gradients.

Why it matters
--------------
One NaN spreads to every weight at the first optimizer step: the run diverges immediately
("loss: nan") and every checkpoint after it is useless. At init the causes are few and
findable: a checkpoint that already holds NaN, ``log(0)``/``sqrt(<0)``/division by zero in a
custom layer or loss, or an overflow in float16.

Example
-------
Bad::

    def forward(self, x):
        return torch.log(self.fc(x))            # log of negative -> NaN

Good::

    def forward(self, x):
        return self.fc(x)                       # logits; the loss takes the log-softmax

How to fix
----------
Look at the first layer named, guard logs/divisions (``clamp_min(eps)``), and reload a clean
checkpoint.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "W108", "nonfinite", severity="error", scope="model",
    title="NaN/inf in weights, activations, loss or gradients",
    pathology="divergence",
    remedy="fix the first layer/op that produces NaN/inf (log, division, overflow) or the checkpoint",
)
def nonfinite(ctx: Any) -> Iterator[Hit]:
    if ctx.nonfinite_params:
        yield Hit(message=f"{len(ctx.nonfinite_params)} parameters hold NaN/inf before training (first: {ctx.nonfinite_params[0]})",
                  path=ctx.path, line=ctx.line("model.checkpoint"), data={"params": ctx.nonfinite_params[:10]})
        return
    inputs_bad = ctx.input_stats().get("nonfinite", 0) > 0
    first = next((s for s in ctx.layers if not s.finite), None)
    if first is not None and not inputs_bad:
        yield Hit(message=f"the first NaN/inf activation appears at {first.name} ({first.kind})",
                  path=ctx.path, data={"layer": first.name})
        return
    if ctx.loss is not None and not math.isfinite(ctx.loss) and not inputs_bad:
        yield Hit(message=f"the loss at init is {ctx.loss}", path=ctx.path, line=ctx.line("loss.factory"), data={"loss": str(ctx.loss)})
        return
    bad = [n for n, (g, _) in ctx.grads.items() if g is not None and not math.isfinite(g)]
    if bad and not inputs_bad:
        yield Hit(message=f"{len(bad)} gradients are NaN/inf (first: {bad[0]})", path=ctx.path, data={"params": bad[:10]})
