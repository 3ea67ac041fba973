"""
What it checks
--------------
A model that already ends in a softmax (probabilities: non-negative, summing to 1 over the
class dimension) feeding ``CrossEntropyLoss``, ``NLLLoss`` or ``BCEWithLogitsLoss``, which all
expect unnormalized logits (or log-probabilities for NLL). Found both from the module graph
(an ``nn.Softmax`` as the last module run) and numerically (outputs that sum to 1), so a
functional ``F.softmax`` in ``forward`` is caught too.

Why it matters
--------------
``CrossEntropyLoss`` applies log-softmax itself. On probabilities p ∈ [0, 1] the "logits"
can differ by at most 1, so the loss can never approach 0 and its gradient is squashed by
the softmax Jacobian: training stalls early at a high loss (a classic, silent bug).

Example
-------
Bad::

    head = nn.Sequential(nn.Linear(512, C), nn.Softmax(dim=1))
    loss = nn.CrossEntropyLoss()(head(x), y)

Good::

    head = nn.Linear(512, C)                       # raw logits
    loss = nn.CrossEntropyLoss()(head(x), y)
    probs = head(x).softmax(1)                     # only for inference

How to fix
----------
Remove the softmax from the model's training path (apply it at inference only).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check

LOGIT_LOSSES = ("CrossEntropyLoss", "BCEWithLogitsLoss")  # NLLLoss on probabilities: A108


@check(
    "A101", "softmax-before-cross-entropy", severity="error", scope="model",
    title="softmax output fed to a loss that expects logits",
    pathology="premature_convergence",
    remedy="remove the softmax from the model; the loss applies (log-)softmax itself",
    thresholds={"sum_tol": (1e-3, "float32 softmax sums to 1 within ~1e-6; 1e-3 also covers bilinear upsampling after it")},
)
def softmax_before_cross_entropy(ctx: Any) -> Iterator[Hit]:
    out = ctx.output
    if out is None or out.dim() < 2 or out.shape[1] < 2 or ctx.loss_name not in LOGIT_LOSSES:
        return
    tol = softmax_before_cross_entropy.check.threshold("sum_tol")
    sums = out.sum(1)
    numeric = bool(out.min() >= 0) and bool((sums - 1).abs().max() <= tol)
    graph = [n for n, k in ctx.trailing_leaves() if k in ("Softmax", "Softmax2d")]
    if not numeric and not graph:
        return
    evidence = []
    if graph:
        evidence.append(f"the last module run is nn.Softmax ({graph[0]})")
    if numeric:
        evidence.append(f"the outputs are non-negative and sum to 1 over {out.shape[1]} classes")
    yield Hit(message=f"{ctx.loss_name} receives probabilities: {' and '.join(evidence)}",
              path=ctx.path, line=ctx.line("loss.factory") or ctx.line("model.factory"),
              data={"graph": bool(graph), "numeric": numeric, "loss": ctx.loss_name})
