"""The training step raises on a real batch.

What it checks
    Whether one forward + loss + backward + optimizer step runs at all on the copy of the
    setup: an exception, or class targets that the loss cannot take (a value >= the number
    of classes that the loss does not ignore, e.g. 255 "void" pixels with a
    ``CrossEntropyLoss()`` that has no ``ignore_index=255``).

Why it matters
    Training would crash on the first batch, or on CUDA stop with a device-side assert that
    names nothing; the target case is found before stepping for exactly that reason.

Example
    VOC masks mark borders with 255, the loss is ``torch.nn.CrossEntropyLoss()`` and the
    model has 21 classes: ``IndexError: Target 255 is out of bounds``.

How to fix
    Read the message: set ``ignore_index`` on the loss (``CrossEntropyLoss(ignore_index=255)``),
    map the targets into ``0..C-1``, or fix the shapes the model and loss disagree on.
"""

from __future__ import annotations

from preflight.findings import Hit
from preflight.registry import check


@check(
    "P100", "training-step-fails", severity="error", scope="probe", pathology="training_failure",
    title="training step fails on a real batch",
    remedy="set ignore_index on the loss for void labels (e.g. 255), map targets into 0..C-1, "
           "or fix the shape/type the message names",
)
def training_step_fails(ctx):
    sec = ctx.section
    if sec.get("error") and sec.get("error_kind") in ("step", "targets"):
        where = f" at step {sec['error_step'] + 1}" if "error_step" in sec else ""
        yield Hit(message=f"the probe's training step failed{where}: {sec['error']}",
                  data={"kind": sec["error_kind"]})
