"""The loss's ``ignore_index`` is a real class id (YAML only).

What it checks
    With a model.yaml: the loss's explicit ``ignore_index`` is one of the ids in ``names``
    (or data.yaml's ``ignore_index`` is, when the masks contain it).

Why it matters
    Every pixel of that class is skipped by the loss: the class is never learned, its IoU
    stays at chance, and nothing in the loss curve shows it. Typical with
    ``ignore_index=0`` on datasets whose 0 is background.

Example
    Bad: ``names: {0: background, 1: person}`` and ``CrossEntropyLoss(ignore_index=0)``.
    Good: ``ignore_index=255`` (a value that is no class).

How to fix
    Use a value outside the class ids for "no label"; if the class really must not be
    learned, remove it from ``names`` and the model.
"""

from preflight.findings import Finding, Severity
from preflight.registry import check

from ._mask_stats import split_hist
from ._setup_yaml import loss_spec, model_line, model_path


@check(
    "M203", "ignore-index-is-class", severity="warning", scope="setup",
    title="the loss's ignore_index is a class id", pathology="underfitting",
    remedy="use a value outside the class ids (e.g. 255) for unlabelled pixels",
)
def ignore_index_is_class(ctx):
    loss = loss_spec(ctx)
    names = ctx.cfg.names
    if loss is None or not loss.explicit or loss.ignore_index not in names:
        return
    v = loss.ignore_index
    pixels = {sp: h.get(v, 0) for sp, h in split_hist(ctx).items()}
    seen = f" ({sum(pixels.values())} pixels in the masks)" if any(pixels.values()) else ""
    yield Finding(
        code="M203", severity=Severity.WARNING, title="", path=model_path(ctx), line=model_line(ctx, "loss.kwargs.ignore_index", "loss"), cls=v,
        message=f"{loss.factory} ignores {v}, which is class {v} ({names[v]}){seen}: that class is never trained",
        data={"class": names[v], "pixels": pixels},
    )
