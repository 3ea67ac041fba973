"""
What it checks
--------------
Inputs in [-1, 1] or [0, 1] fed to a model with ImageNet-pretrained weights (``input.pretrained:
imagenet``, or torchvision ``weights``/``weights_backbone`` set), which were trained on
mean/std-normalized inputs.

Why it matters
--------------
Pretrained filters respond to the input statistics they were trained on. torchvision's
ImageNet weights expect ``(x/255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]``; [-1, 1]
(Inception/TF style) or plain [0, 1] shifts and shrinks every channel, so the first BN layers
see a distribution shift and fine-tuning starts from worse features.

Example
-------
Bad::

    x = x / 127.5 - 1          # [-1, 1] into a torchvision ImageNet backbone

Good::

    x = (x / 255 - torch.tensor([0.485, 0.456, 0.406])[:, None, None]) / torch.tensor([0.229, 0.224, 0.225])[:, None, None]

How to fix
----------
Use the statistics the weights were trained with (``weights.transforms()`` in torchvision),
or set ``input.mean`` / ``input.std`` to the ImageNet values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "N104", "range-vs-pretrained", severity="warning", scope="model",
    title="input range differs from what the pretrained weights expect",
    pathology="underfitting",
    remedy="normalize with the mean/std the weights were trained with (ImageNet for torchvision)",
    thresholds={"slack": (0.05, "tolerance on the range ends; ImageNet-normalized pixels reach -2.12 and 2.64, "
                                "well outside [-1.05, 1.05]")},
)
def range_vs_pretrained(ctx: Any) -> Iterator[Hit]:
    # torchvision detectors normalize inside the model and expect [0, 1]
    if ctx.synthetic or ctx.task == "detect" or ctx.pretrained() != "imagenet":
        return
    s = ctx.input_stats()
    if not s["dtype"].startswith("float") or s["nonfinite"]:
        return
    slack = range_vs_pretrained.check.threshold("slack")
    lo, hi = s["min"], s["max"]
    if lo >= -1 - slack and hi <= 1 + slack and lo < -0.5:
        kind = "[-1, 1]"
    elif lo >= -slack and hi <= 1 + slack:
        kind = "[0, 1]"
    else:
        return
    yield Hit(
        message=f"inputs lie in {kind} ({lo:.3g}..{hi:.3g}) but the weights are ImageNet-pretrained, "
        "trained on mean/std-normalized inputs",
        path=ctx.path, line=ctx.line("input.mean") or ctx.line("input.pretrained"), data={"min": lo, "max": hi},
    )
