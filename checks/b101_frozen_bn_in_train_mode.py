"""
What it checks
--------------
BatchNorm layers inside frozen parts of the model (all their parameters have
``requires_grad=False``, e.g. through ``freeze: [backbone.]``) that will still run in train mode:
``freeze_bn`` is off and the layer tracks running statistics. Also frozen BatchNorm layers put
in eval mode once before training that the loop's ``model.train()`` switches back on: the
check calls ``model.train()`` (modes restored afterwards), so a model whose ``train()`` keeps
its frozen BatchNorm in eval mode (mmcv's ``norm_eval``) stays silent.

Why it matters
--------------
``requires_grad=False`` freezes gamma/beta but not the running mean/var: in train mode BN
normalizes with the statistics of each batch and keeps overwriting its running averages
(momentum 0.1). The "frozen" backbone drifts away from the features it was pretrained with,
and at eval time it normalizes with statistics that match neither the pretraining nor the
training batches: the classic "frozen layers, BN on batch statistics" trap, worst with small
detection/segmentation batches.

Example
-------
Bad::

    for p in model.backbone.parameters(): p.requires_grad = False
    model.train()                                      # backbone BNs update running stats

    model.backbone.eval(); train(model)                # the loop's model.train() undoes it

Good::

    model.train()
    for m in model.backbone.modules():
        if isinstance(m, nn.BatchNorm2d): m.eval()      # after every model.train()

How to fix
----------
Set ``freeze_bn: true`` (and put the frozen BNs in eval mode after each ``model.train()`` in
your loop), or replace them with ``torchvision.ops.FrozenBatchNorm2d``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


def _summary(hits: list[Hit]) -> str:
    return f"{len(hits)} BatchNorm layers in frozen parts still update their running statistics in train mode (first: {hits[0].data['layer']})"


@check(
    "B101", "frozen-bn-in-train-mode", severity="warning", scope="model",
    title="BatchNorm in frozen layers still in train mode",
    pathology="underfitting",
    remedy="freeze_bn: true (BN layers of frozen parts in eval mode) or FrozenBatchNorm2d",
    summarize=_summary,
)
def frozen_bn_in_train_mode(ctx: Any) -> Iterator[Hit]:
    if ctx.cfg.freeze_bn:
        return
    prefixes = tuple(ctx.cfg.freeze)
    after_train = ctx.modes_after_train()
    for name, m in ctx.batchnorms():
        params = list(m.parameters(recurse=False))
        frozen = (bool(params) and all(not p.requires_grad for p in params)) or (bool(prefixes) and name.startswith(prefixes))
        if not (frozen and m.track_running_stats):
            continue
        if m.training:
            yield Hit(message=f"{name} is frozen but in train mode: its running mean/var keep changing",
                      path=ctx.path, line=ctx.line("freeze_bn") or ctx.line("freeze"), data={"layer": name})
        elif after_train.get(name, False):
            yield Hit(message=f"{name} is frozen and in eval mode now, but model.train() switches it "
                              f"back to train mode: its running mean/var will keep changing",
                      path=ctx.path, line=ctx.line("freeze_bn") or ctx.line("freeze"),
                      data={"layer": name, "switched_by_train": True})
