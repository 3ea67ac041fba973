"""
What it checks
--------------
The inputs of a real batch, as they reach the model: ``uint8`` tensors, or floats that still
hold raw pixel values (0–255) because nobody divided by 255.

Why it matters
--------------
Weights are initialized (and pretrained weights were trained) for inputs of order 1. Pixels of
order 100 multiply the first layer's activations by ~100-250: the loss at init explodes, BN
statistics are skewed, and pretrained features are destroyed. A ``uint8`` tensor cannot even
enter a float convolution.

Example
-------
Bad::

    x = torch.from_numpy(cv2.imread(p)).permute(2, 0, 1).float()   # 0..255

Good::

    x = torch.from_numpy(cv2.imread(p)).permute(2, 0, 1).float() / 255
    x = (x - mean[:, None, None]) / std[:, None, None]

How to fix
----------
Divide by 255 (``input.scale: 255`` or ``ToTensor()`` / ``ToDtype(float32, scale=True)``)
before normalizing with mean/std.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "N101", "unscaled-pixels", severity="error", scope="model",
    title="raw 0-255 pixels reach the model",
    pathology="training_failure",
    remedy="divide the pixels by 255 (input.scale) before mean/std normalization",
    thresholds={"max_value": (20.0, "a [0,1] image normalized with ImageNet mean/std lies within [-2.12, 2.64]; "
                              "20 leaves room for per-image standardization, raw pixels reach 255")},
)
def unscaled_pixels(ctx: Any) -> Iterator[Hit]:
    if ctx.synthetic:
        return
    s = ctx.input_stats()
    limit = unscaled_pixels.check.threshold("max_value")
    if not s["dtype"].startswith("float") and not s["dtype"].startswith("bfloat"):
        yield Hit(
            message=f"the batch reaches the model as {s['dtype']} (values {s['min']:g}..{s['max']:g}); "
            "convert to float and divide by 255",
            path=ctx.path, line=ctx.line("input.scale"), data={"dtype": s["dtype"], "max": s["max"]},
        )
    elif s["max"] > limit and s["min"] >= -1.0:
        yield Hit(
            message=f"input values span {s['min']:.3g}..{s['max']:.3g} (mean {s['mean']:.3g}): raw pixel values, "
            "not scaled to [0, 1]",
            path=ctx.path, line=ctx.line("input.scale"), data={"min": s["min"], "max": s["max"], "mean": s["mean"]},
        )
