"""
What it checks
--------------
Inputs that were scaled twice: a batch whose values all lie within ±0.02 although it is not
constant, the signature of dividing by 255 twice (``ToTensor()`` followed by ``/ 255``).

Why it matters
--------------
After a second division the whole image lives in [0, 0.004]: the signal is ~250× weaker than
what the first layer's initialization (or the pretrained weights) expects. The first layers
see almost nothing but bias, the model learns slowly or not at all, and pretrained features
are useless.

Example
-------
Bad::

    x = transforms.ToTensor()(img) / 255.0         # ToTensor already divided by 255

Good::

    x = transforms.ToTensor()(img)                 # [0, 1]
    x = transforms.Normalize(MEAN, STD)(x)

How to fix
----------
Divide by 255 exactly once: remove the extra division (or set ``input.scale: 1`` when the
loader already returns [0, 1] floats).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "N103", "scaled-twice", severity="error", scope="model",
    title="input scaled twice (values ≪ 1)",
    pathology="training_failure",
    remedy="divide by 255 only once; keep inputs of order 1",
    thresholds={"max_abs": (0.02, "[0,1] pixels divided by 255 again stay below 1/255 ≈ 0.0039; a normalized "
                                  "natural-image batch spans about ±2")},
)
def scaled_twice(ctx: Any) -> Iterator[Hit]:
    if ctx.synthetic:
        return
    s = ctx.input_stats()
    if not s["dtype"].startswith("float") or s["nonfinite"]:
        return
    top = max(abs(s["min"]), abs(s["max"]))
    if 0 < top <= scaled_twice.check.threshold("max_abs") and s["max"] > s["min"]:
        yield Hit(
            message=f"input values span only {s['min']:.3g}..{s['max']:.3g} (std {s['std']:.3g}): "
            "looks divided by 255 twice",
            path=ctx.path, line=ctx.line("input.scale"), data={"min": s["min"], "max": s["max"], "std": s["std"]},
        )
