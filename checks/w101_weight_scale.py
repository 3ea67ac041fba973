"""
What it checks
--------------
The standard deviation of every Conv/Linear weight against the usual initialization schemes
for its fan-in and fan-out: He/Kaiming (fan-in and fan-out), Glorot/Xavier, LeCun and
PyTorch's default (``kaiming_uniform(a=√5)``, std = 1/√(3·fan_in)). A layer is reported when
its std is more than 3× above the largest of them, or more than 10× below the smallest.

Why it matters
--------------
Each layer multiplies the signal's scale by about std·√fan_in. A factor k too large per layer
explodes activations and gradients as k^depth; too small makes them vanish (Glorot & Bengio
2010; He et al. 2015). Typical causes: ``nn.init.normal_(w)`` (std 1), ``uniform_(-1, 1)``,
custom init code with a wrong fan, or weights loaded from another model.

Example
-------
Bad::

    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight)                    # std 1, fan_in 512: ~16x too large

Good::

    nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

How to fix
----------
Use a scheme matched to the activation (``kaiming_normal_`` for ReLU, ``xavier_uniform_`` for
tanh/linear) or PyTorch's default init.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "W101", "weight-scale", severity="warning", scope="model",
    title="weight init far from He/Xavier scale",
    pathology="divergence",
    remedy="initialize with kaiming_normal_/xavier_uniform_ (or PyTorch's default)",
    thresholds={
        "too_large": (3.0, "He et al. 2015: scale compounds per layer; 3× the widest standard scheme is 3^10 ≈ 6e4 over 10 layers"),
        "too_small": (0.1, "output heads are deliberately initialized small (std 0.01: Ren et al. 2015 Faster R-CNN, "
                           "Lin et al. 2017 RetinaNet), ~0.2-0.3 of the smallest scheme; 0.1 stays below that"),
    },
)
def weight_scale(ctx: Any) -> Iterator[Hit]:
    th = weight_scale.check
    big, small = th.threshold("too_large"), th.threshold("too_small")
    for w in ctx.weights:
        if w.constant:  # W102
            continue
        lo, hi = w.band
        if w.std > big * hi:
            yield Hit(message=f"{w.name} ({w.kind} {list(w.shape)}): weight std {w.std:.3g} is {w.std / hi:.1f}× the "
                      f"largest usual scale {hi:.3g} for fan_in {w.fan_in}",
                      path=ctx.path, data={"layer": w.name, "std": w.std, "band": list(w.band)})
        elif w.std < small * lo:
            yield Hit(message=f"{w.name} ({w.kind} {list(w.shape)}): weight std {w.std:.3g} is {lo / max(w.std, 1e-30):.0f}× "
                      f"below the smallest usual scale {lo:.3g} for fan_in {w.fan_in}",
                      path=ctx.path, data={"layer": w.name, "std": w.std, "band": list(w.band)})
