"""The loss does not skip the masks' ignore value (YAML only).

What it checks
    With a model.yaml (``preflight check data.yaml model.yaml``): the loss is one that can
    skip a target value (``CrossEntropyLoss``, ``NLLLoss``, smp's Dice/Focal/Jaccard/
    Lovász), the masks contain data.yaml's ``ignore_index`` (255 by default) as a value that
    is no class, and the loss's ``ignore_index`` (its default when unset: -100 for torch,
    none for smp) is another value.

Why it matters
    ``CrossEntropyLoss()`` then looks up logit 255: ``IndexError: Target 255 is out of
    bounds`` on the CPU, ``device-side assert triggered`` on CUDA (the run dies with an
    unhelpful trace); losses that do not index (Dice) train object borders as a class.

Example
    Bad: VOC masks (255 on every border) with ``loss: {factory: torch.nn:CrossEntropyLoss}``.
    Good: ``loss: {factory: torch.nn:CrossEntropyLoss, kwargs: {ignore_index: 255}}``.

How to fix
    Set the loss's ``ignore_index`` to the masks' ignore value (and data.yaml's
    ``ignore_index`` to the same).
"""

from preflight.findings import Finding, Severity
from preflight.registry import check

from ._mask_stats import all_values, hist, readable, unique_masks
from ._setup_yaml import loss_spec, model_line, model_path


@check(
    "M201", "loss-ignores-nothing", severity="error", scope="setup",
    title="the loss does not skip the masks' ignore value", pathology="training_failure",
    remedy="set the loss's ignore_index to the masks' ignore value (e.g. 255)",
)
def loss_ignores_nothing(ctx):
    loss = loss_spec(ctx)
    ignore = ctx.cfg.ignore_index
    if loss is None or not loss.can_ignore or ignore in ctx.cfg.names or ignore not in all_values(ctx):
        return
    if loss.ignore_index == ignore:
        return
    masks = sum(1 for m in unique_masks(ctx) if readable(m.facts) and hist(ctx, m).get(ignore))
    pixels = sum(hist(ctx, m).get(ignore, 0) for m in unique_masks(ctx) if readable(m.facts))
    has = f"ignore_index={loss.kwargs['ignore_index']!r}" if loss.explicit else f"no ignore_index (default {loss.ignore_index})"
    yield Finding(
        code="M201", severity=Severity.ERROR, title="", path=model_path(ctx), line=model_line(ctx, "loss.kwargs.ignore_index", "loss.factory", "loss"),
        message=(f"{masks} masks hold {ignore} ({pixels} pixels) but {loss.factory} has {has}: "
                 f"the loss will index logit {ignore} (CUDA device-side assert) or train it as a class"),
        data={"ignore_value": ignore, "masks": masks, "pixels": pixels, "loss_ignore_index": loss.ignore_index},
    )
