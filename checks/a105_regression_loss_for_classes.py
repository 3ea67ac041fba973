"""
What it checks
--------------
A multi-class, single-label task (classify/segment, more than 2 classes) trained with a
regression loss (``MSELoss``, ``L1Loss``, ``SmoothL1Loss``, ``HuberLoss``) or with ``BCELoss`` /
``BCEWithLogitsLoss`` on one-hot targets (exactly one class per sample).

Why it matters
--------------
MSE on one-hot targets gives vanishing gradients for confident wrong predictions and no
probabilistic calibration; class indices regressed as numbers impose a fake order on the
classes. BCE treats classes as independent yes/no questions, so it does not make the classes
compete and learns slower on mutually exclusive labels (Goodfellow et al., Deep Learning
§6.2.2: softmax + cross-entropy for a single categorical output).

Example
-------
Bad::

    loss = nn.MSELoss()(logits, F.one_hot(y, C).float())

Good::

    loss = nn.CrossEntropyLoss()(logits, y)

How to fix
----------
Use ``CrossEntropyLoss`` with class indices for single-label classification and
segmentation; keep BCE for multi-label data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check

REGRESSION = ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss")
BCE = ("BCELoss", "BCEWithLogitsLoss")


@check(
    "A105", "regression-loss-for-classes", severity="warning", scope="model",
    title="regression or BCE loss on a single-label multi-class task",
    pathology="underfitting",
    remedy="use CrossEntropyLoss with class indices for single-label classes",
    thresholds={"min_classes": (3, "with 2 classes one sigmoid/BCE output is the standard, equivalent choice")},
)
def regression_loss_for_classes(ctx: Any) -> Iterator[Hit]:
    import torch

    if ctx.task == "detect" or ctx.loss_fn is None:
        return
    c = ctx.classes()
    if c is None or c < regression_loss_for_classes.check.threshold("min_classes"):
        return
    where = {"path": ctx.path, "line": ctx.line("loss.factory")}
    if ctx.loss_name in REGRESSION:
        yield Hit(message=f"{ctx.loss_name} on a {c}-class {ctx.task} task", data={"loss": ctx.loss_name, "classes": c}, **where)
        return
    y = ctx.targets
    if ctx.loss_name in BCE and isinstance(y, torch.Tensor) and y.is_floating_point() and y.dim() >= 2 and y.shape[1] == c:
        rows = y.sum(1)
        if bool(((y == 0) | (y == 1)).all()) and bool((rows == 1).all()):
            yield Hit(message=f"{ctx.loss_name} on one-hot targets with exactly one of {c} classes each: single-label data",
                      data={"loss": ctx.loss_name, "classes": c}, **where)
