"""Parameters that never change while training on one batch.

What it checks
    After the probe, which parameter tensors are bit-identical to where they started:
    trainable ones the optimizer does not hold (missing from its param groups), trainable
    ones that receive no gradient (an unused branch, a detached path), or no parameter at
    all (everything frozen). Frozen tensors (``requires_grad=False``) are expected to stay.

Why it matters
    A layer that never changes is not being trained: the classic cases are an optimizer
    built before the head was replaced (the new head is not in it), an optimizer over
    ``model.backbone.parameters()`` only, or a freeze prefix that matched the whole model.

Example
    ``model.fc = nn.Linear(512, 4)`` after ``opt = SGD(model.parameters(), ...)``: ``fc.weight``
    and ``fc.bias`` stay at their random initial values.

How to fix
    Build the optimizer after changing the model and over every trainable parameter
    (``[p for p in model.parameters() if p.requires_grad]``); check the freeze prefixes;
    make sure every branch's output reaches the loss.
"""

from __future__ import annotations

from preflight.findings import Finding, Severity
from preflight.registry import check


def _names(items: list[str], n: int = 4) -> str:
    return ", ".join(items[:n]) + (f" (+{len(items) - n} more)" if len(items) > n else "")


@check(
    "P105", "parameters-never-change", severity="error", scope="probe",
    pathology="training_failure", title="parameters never change during the probe",
    remedy="build the optimizer after editing the model, over every trainable parameter; "
           "check freeze prefixes; make every branch reach the loss",
)
def parameters_never_change(ctx):
    sec = ctx.section
    layers = sec.get("layers") or []
    if not layers or sec.get("error") or not sec.get("steps_run"):
        return
    missing = set(sec.get("missing_from_optimizer") or [])
    if not any(layer["changed"] for layer in layers):
        frozen = sum(1 for layer in layers if not layer["trainable"])
        why = ("every parameter is frozen" if frozen == len(layers)
               else f"{frozen} of {len(layers)} tensors frozen, the rest get no update")
        yield Finding(code="P105", severity=Severity.ERROR, title="",
                      message=f"no parameter changed in {sec['steps_run']} steps: {why}",
                      data={"unchanged": len(layers)})
        return
    stuck = [layer for layer in layers if layer["trainable"] and not layer["changed"]]
    lost = [layer["name"] for layer in stuck if layer["name"] in missing]
    nograd = [layer["name"] for layer in stuck if layer["name"] not in missing]
    total = sum(layer["numel"] for layer in layers if layer["trainable"]) or 1
    if lost:
        share = sum(layer["numel"] for layer in stuck if layer["name"] in missing) / total
        yield Finding(code="P105", severity=Severity.ERROR, title="",
                      message=f"{len(lost)} trainable tensor(s) ({share:.0%} of trainable "
                              f"weights) are not in the optimizer: {_names(lost)}",
                      data={"missing": lost})
    if nograd:
        share = sum(layer["numel"] for layer in stuck if layer["name"] not in missing) / total
        yield Finding(code="P105", severity=Severity.WARNING, title="",
                      message=f"{len(nograd)} trainable tensor(s) ({share:.0%} of trainable "
                              f"weights) get no gradient and never change: {_names(nograd)}",
                      data={"no_gradient": nograd})
