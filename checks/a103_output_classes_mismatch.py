"""
What it checks
--------------
The number of classes the model predicts against the number of classes in data.yaml: output
channels for classify/segment (one channel is fine for binary BCE), and the class count of a
torchvision detector's head, which must be ``len(names) + 1`` (background).

Why it matters
--------------
Too few outputs: targets above the last channel crash the loss (or a device-side assert on
the GPU). Too many outputs: the extra classes are trained as "never present", softmax mass
is wasted, metrics are computed over phantom classes, and it usually means the wrong config
or a forgotten ``num_classes=`` (torchvision defaults: 1000, 21, 91).

Example
-------
Bad::

    model = torchvision.models.resnet18(weights=None)                 # 1000 classes, data has 10

Good::

    model = torchvision.models.resnet18(weights=None, num_classes=10)

How to fix
----------
Pass ``num_classes`` to the model factory (``len(names)``, or ``len(names) + 1`` for
torchvision detectors), or replace the last layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "A103", "output-classes-mismatch", severity="error", scope="model",
    title="model outputs ≠ number of classes",
    pathology="training_failure",
    remedy="set num_classes to len(names) (len(names) + 1 for torchvision detectors)",
)
def output_classes_mismatch(ctx: Any) -> Iterator[Hit]:
    if not ctx.setup.classes_declared or not ctx.num_classes:
        return
    nc = ctx.num_classes
    line = ctx.line("model.kwargs.num_classes") or ctx.line("model.factory")
    if ctx.task == "detect":
        c = ctx.detector_classes()
        if c is not None and c != nc + 1:
            yield Hit(message=f"the detector head predicts {c} classes (with background); the data has {nc} classes, so {nc + 1} expected",
                      path=ctx.path, line=line, data={"model": c, "data": nc})
        return
    c = ctx.output_classes()
    if c is None:
        return
    if c == 1 and nc <= 2 and ctx.loss_name in ("BCEWithLogitsLoss", "BCELoss"):
        return
    if c != nc:
        yield Hit(message=f"the model outputs {c} channels ({list(ctx.output.shape)}) but the data has {nc} classes",
                  path=ctx.path, line=line, data={"model": c, "data": nc})
