"""
What it checks
--------------
Dropout and BatchNorm layers (and the model itself) that are in eval mode when training is
about to start, as handed over by the factory, ``setup`` or the Python API. BatchNorm layers
whose parameters are all frozen are left out: eval mode is what they should be in (B101).

Why it matters
--------------
Models loaded from hubs and checkpoints are often returned in eval mode
(``from_pretrained``, ``torch.hub.load`` helpers, a model saved after validation). A loop that
never calls ``model.train()`` then trains with dropout switched off and BatchNorm normalizing
with its frozen running statistics instead of the batch's: no error, but the regularization
is gone and BN's running statistics never adapt to the new data.

Example
-------
Bad::

    model = torch.hub.load(..., pretrained=True)   # returned in eval mode
    for x, y in loader:                             # no model.train() anywhere
        ...

Good::

    model = torch.hub.load(..., pretrained=True)
    model.train()                                   # at the start of every epoch
    for x, y in loader:
        ...

How to fix
----------
Call ``model.train()`` at the start of each training epoch (and ``model.eval()`` only around
validation); if some layers must stay in eval mode, put them there after ``model.train()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check

_KINDS = ("Dropout", "BatchNorm")


def _summary(hits: list[Hit]) -> str:
    return hits[0].message


@check(
    "B106", "modules-in-eval-mode", severity="warning", scope="model",
    title="dropout/BatchNorm in eval mode at the start of training",
    pathology="overfitting",
    remedy="call model.train() at the start of every training epoch",
    summarize=_summary,
)
def modules_in_eval_mode(ctx: Any) -> Iterator[Hit]:
    model = ctx.setup.model
    off: dict[str, list[str]] = {k: [] for k in _KINDS}
    for name, m in model.named_modules():
        kind = next((k for k in _KINDS if k in type(m).__name__), None)
        if kind is None or m.training:
            continue
        params = list(m.parameters(recurse=False))
        if kind == "BatchNorm" and params and all(not p.requires_grad for p in params):
            continue  # frozen BN: eval mode is intended (B101 covers the opposite)
        off[kind].append(name)
    total = sum(len(v) for v in off.values())
    if not total:
        return
    parts = [f"{len(v)} {k} ({'off' if k == 'Dropout' else 'normalizing with running statistics'})"
             for k, v in off.items() if v]
    first = next(v[0] for v in off.values() if v)
    whole = "the model is in eval mode: " if not model.training else ""
    yield Hit(message=f"{whole}{' and '.join(parts)} in eval mode at the start of training "
                      f"(first: {first}); unless the loop calls model.train(), they stay so",
              path=ctx.path, line=ctx.line("model") or ctx.line("setup"),
              data={"dropout": off["Dropout"][:20], "batchnorm": off["BatchNorm"][:20],
                    "model_training": bool(model.training)})
