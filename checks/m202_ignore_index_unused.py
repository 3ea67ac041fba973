"""The loss's ``ignore_index`` is a value the masks never contain (YAML only).

What it checks
    With a model.yaml: the loss sets ``ignore_index`` explicitly, and no readable mask
    contains that value; the finding also names the value the masks *do* use as ignore
    (data.yaml's ``ignore_index``) when they contain it.

Why it matters
    Harmless on its own, but usually half of a mismatch: the loss was copied from a VOC
    recipe (255) while the masks mark unlabelled pixels differently (0, -1 → 65535, an
    extra class), so those pixels are trained as a class the recipe never meant to learn.

Example
    Bad: ``ignore_index: 255`` in the loss; masks use 0 = unlabelled, classes 1-19.
    Good: the loss skips the value the masks use for "no label".

How to fix
    Make the loss's ``ignore_index``, data.yaml's ``ignore_index`` and the masks agree, or
    drop the setting if the masks have no unlabelled pixels.
"""

from preflight.findings import Finding, Severity
from preflight.registry import check

from ._mask_stats import all_values, is_mask_dataset
from ._setup_yaml import loss_spec, model_line, model_path


@check(
    "M202", "ignore-index-unused", severity="warning", scope="setup",
    title="the loss's ignore_index never occurs in the masks", pathology=None,
    remedy="make the loss's ignore_index match the value the masks use for unlabelled pixels",
)
def ignore_index_unused(ctx):
    loss = loss_spec(ctx)
    if loss is None or not loss.explicit or loss.ignore_index is None or not is_mask_dataset(ctx):
        return
    values = all_values(ctx)
    if not values or loss.ignore_index in values or loss.ignore_index in ctx.cfg.names:
        return  # a class id is M203's
    data_ignore = ctx.cfg.ignore_index
    extra = (f"; the masks contain data.yaml's ignore_index {data_ignore}" if data_ignore in values and data_ignore != loss.ignore_index
             else "")
    yield Finding(
        code="M202", severity=Severity.WARNING, title="", path=model_path(ctx), line=model_line(ctx, "loss.kwargs.ignore_index", "loss"),
        message=f"{loss.factory} ignores {loss.ignore_index}, a value no mask contains{extra}",
        data={"loss_ignore_index": loss.ignore_index, "mask_values": sorted(values)[:64]},
    )
