"""
What it checks
--------------
The dtype of the targets against the loss: ``CrossEntropyLoss``/``NLLLoss`` need ``int64``
class indices (``uint8``/``int32`` masks are refused, float class ids are read as
probabilities); ``BCEWithLogitsLoss``/``BCELoss`` need float targets.

Why it matters
--------------
A mask read with OpenCV is ``uint8``; ``torch.from_numpy(mask)`` keeps it, and the loss raises
``expected scalar type Long`` at the first step, on every worker, after the data pipeline has
already started. Float class indices into ``CrossEntropyLoss`` are worse: when the shapes
happen to line up they are taken as class probabilities and training silently optimizes
something else.

Example
-------
Bad::

    target = torch.from_numpy(mask)            # uint8
    loss = nn.CrossEntropyLoss()(logits, target)

Good::

    target = torch.from_numpy(mask).long()     # int64 class indices

How to fix
----------
Convert targets in the loader: ``.long()`` for CrossEntropy/NLL, ``.float()`` for BCE.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "N107", "target-dtype", severity="error", scope="model",
    title="target dtype does not fit the loss",
    pathology="training_failure",
    remedy="targets .long() for CrossEntropy/NLL, .float() for BCE",
)
def target_dtype(ctx: Any) -> Iterator[Hit]:
    import torch

    y = ctx.targets
    if ctx.synthetic or ctx.task == "detect" or not isinstance(y, torch.Tensor) or ctx.loss_fn is None:
        return
    loss = ctx.loss_fn
    where = {"path": ctx.path, "line": ctx.line("loader") or ctx.line("loss.factory")}
    dtype = str(y.dtype).replace("torch.", "")
    if isinstance(loss, (torch.nn.CrossEntropyLoss, torch.nn.NLLLoss)):
        if not y.is_floating_point() and y.dtype != torch.int64:
            yield Hit(message=f"targets are {dtype}; {type(loss).__name__} needs int64 class indices"
                      + (f" ({ctx.loss_error})" if ctx.loss_error else ""), data={"dtype": dtype}, **where)
        elif y.is_floating_point() and ctx.output is not None and y.dim() == ctx.output.dim() - 1:
            yield Hit(message=f"targets are {dtype} class ids of shape {list(y.shape)}; {type(loss).__name__} "
                      "needs int64 class indices (float targets mean probabilities of the output's shape)",
                      data={"dtype": dtype}, **where)
    elif isinstance(loss, (torch.nn.BCEWithLogitsLoss, torch.nn.BCELoss)) and not y.is_floating_point():
        yield Hit(message=f"targets are {dtype}; {type(loss).__name__} needs float targets"
                  + (f" ({ctx.loss_error})" if ctx.loss_error else ""), data={"dtype": dtype}, **where)
