"""The model's class count (model.yaml) differs from the dataset's (YAML only).

What it checks
    With a model.yaml: ``model.kwargs`` ``num_classes`` (or ``classes``, ``n_classes``,
    ``out_channels``, ``num_labels``, Ultralytics' ``nc``) against the class ids of data.yaml's ``names``
    (largest id + 1). Fewer outputs than ids is an error; more is a warning.

Why it matters
    Fewer logits than classes: the largest ids are out of range (``IndexError`` / CUDA
    device-side assert). More: the extra logits are trained only as negatives and
    usually mean a ``names`` or model config from another dataset (21 VOC classes vs the
    5 of a labelme export).

Example
    Bad: ``deeplabv3(num_classes=21)`` with ``names`` of 5 classes.
    Good: ``num_classes: 5``.

How to fix
    Set the model's class count to the number of classes in ``names`` (largest id + 1).
"""

from preflight.findings import Finding, Severity
from preflight.registry import check

from ._setup_yaml import CLASS_KWARGS, model_classes, model_line, model_path


@check(
    "M204", "model-classes-mismatch", severity="error", scope="setup",
    title="model class count differs from names", pathology="training_failure",
    remedy="set the model's num_classes to the number of classes in names (largest id + 1)",
)
def model_classes_mismatch(ctx):
    got = model_classes(ctx)
    names = ctx.cfg.names
    if got is None or not names:
        return
    key, n = got
    need = max(names) + 1
    if n == need:
        return
    if ctx.cfg.task == "detect" and n == need + 1:
        return  # torchvision detectors count the background as a class
    sev = Severity.ERROR if n < need else Severity.WARNING
    what = f"ids up to {need - 1} are out of range" if n < need else f"{n - need} outputs are never a target"
    yield Finding(
        code="M204", severity=sev, title="", path=model_path(ctx), line=model_line(ctx, *(f"model.kwargs.{k}" for k in CLASS_KWARGS), "model"),
        message=f"model.kwargs.{key} = {n} but names has class ids 0..{need - 1} ({len(names)} classes): {what}",
        data={"model": n, "names": need},
    )
