"""
What it checks
--------------
How the scale (std) of the Conv/Linear outputs changes with depth on a real batch, in train
mode: the deepest quarter of the layers against the first layer. Reported when it grew more
than 1000× (explodes) or shrank below 1/1000 (vanishes).

Why it matters
--------------
A well-initialized network keeps activations at a similar scale from layer to layer (He et
al. 2015 derive their init from exactly this condition). When the scale drifts by orders of
magnitude the last layers get either saturated/overflowing or near-zero inputs, gradients
follow the same drift, and the network trains only its last (or first) layers, if at all.

Example
-------
Bad::

    layers = [nn.Linear(256, 256), nn.Tanh()] * 12
    for l in layers: nn.init.normal_(l.weight, std=0.01)      # shrinks ~6x per layer

Good::

    for l in layers: nn.init.xavier_uniform_(l.weight)          # keeps the scale

How to fix
----------
Fix the init (see W101), add normalization layers (BatchNorm/LayerNorm), or residual
connections for deep plain stacks.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "W103", "signal-scale-drift", severity="warning", scope="model",
    title="activations explode or vanish with depth",
    pathology="divergence",
    remedy="use a scale-preserving init, normalization layers or residual connections",
    thresholds={"factor": (1000.0, "torchvision models at init stay within ~0.01-10× of their first layer "
                                   "(measured: resnet18, MobileNetV3 DeepLab/LRASPP, Faster R-CNN, SSDlite); He et al. 2015")},
)
def signal_scale_drift(ctx: Any) -> Iterator[Hit]:
    stds = [(s.name, s.std) for s in ctx.layers if s.weight_layer and s.finite and math.isfinite(s.std)]
    if len(stds) < 4:
        return
    first = stds[0][1]
    deep = stds[-max(1, len(stds) // 4):]
    med = statistics.median(v for _, v in deep)
    factor = signal_scale_drift.check.threshold("factor")
    if first <= 0:
        return
    ratio = med / first
    where = f"{stds[0][0]} → {deep[-1][0]}"
    if ratio > factor:
        yield Hit(message=f"activation std grows {ratio:.3g}× with depth ({where}: {first:.3g} → {med:.3g})",
                  path=ctx.path, data={"ratio": ratio, "first": first, "deep": med})
    elif ratio < 1 / factor:
        yield Hit(message=f"activation std shrinks to {ratio:.3g}× with depth ({where}: {first:.3g} → {med:.3g})",
                  path=ctx.path, data={"ratio": ratio, "first": first, "deep": med})
