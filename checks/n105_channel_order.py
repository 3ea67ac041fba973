"""
What it checks
--------------
The channel order of the pipeline against the statistics it is normalized with: BGR input
(``channels: BGR``, OpenCV's default) with RGB ImageNet statistics/weights, or a mean written
in the opposite order of ``channels`` (``[0.406, 0.456, 0.485]`` is the ImageNet mean in BGR).

Why it matters
--------------
torchvision's ImageNet weights were trained on RGB. ``cv2.imread`` returns BGR; forgetting
``cvtColor`` swaps red and blue for every image: pretrained colour filters fire on the wrong
channel, and normalizing with a mean in the other order shifts two channels by ~0.08/0.23 ≈
0.35 std each. Training still "works", but starts from damaged features and converges lower.

Example
-------
Bad::

    input: {channels: BGR, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], pretrained: imagenet}

Good::

    input: {channels: RGB, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], pretrained: imagenet}

How to fix
----------
Convert with ``cv2.cvtColor(img, cv2.COLOR_BGR2RGB)`` (``channels: RGB``) and write mean/std in
the same order as the channels.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check

IMAGENET_MEAN = (0.485, 0.456, 0.406)


def _close(a: Any, b: Any, tol: float = 2e-3) -> bool:
    return a is not None and len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


@check(
    "N105", "channel-order", severity="warning", scope="model",
    title="channel order differs from the pretrained statistics",
    pathology="underfitting",
    remedy="feed RGB (cv2.cvtColor BGR2RGB) and write mean/std in the channel order",
    thresholds={"tol": (0.002, "the ImageNet means are given to 3 decimals (torchvision); RGB and BGR orders differ by 0.079")},
)
def channel_order(ctx: Any) -> Iterator[Hit]:
    spec = ctx.cfg.input
    tol = channel_order.check.threshold("tol")
    mean = spec.mean
    rgb, bgr = _close(mean, IMAGENET_MEAN, tol), _close(mean, IMAGENET_MEAN[::-1], tol)
    scaled = [m / 255 for m in mean] if mean is not None and max(mean) > 1 else None
    rgb = rgb or _close(scaled, IMAGENET_MEAN, tol)
    bgr = bgr or _close(scaled, IMAGENET_MEAN[::-1], tol)
    line = ctx.line("input.channels") or ctx.line("input.mean")
    if spec.channels == "BGR" and rgb:
        yield Hit(message="input.channels is BGR but input.mean is the ImageNet mean in RGB order",
                  path=ctx.path, line=line, data={"channels": spec.channels, "mean": list(mean)})
    elif spec.channels == "RGB" and bgr:
        yield Hit(message="input.channels is RGB but input.mean is the ImageNet mean in BGR order [0.406, 0.456, 0.485]",
                  path=ctx.path, line=line, data={"channels": spec.channels, "mean": list(mean)})
    elif spec.channels == "BGR" and ctx.pretrained() == "imagenet" and not bgr:
        yield Hit(message="input.channels is BGR but the weights are ImageNet-pretrained on RGB",
                  path=ctx.path, line=line, data={"channels": spec.channels})
