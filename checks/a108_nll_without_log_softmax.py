"""
What it checks
--------------
``NLLLoss`` fed with something other than log-probabilities: outputs above 0, or whose
exp does not sum to 1 over the class dimension (raw logits, or softmax probabilities).

Why it matters
--------------
``NLLLoss`` only picks ``-input[target]``; it does not normalize. On raw logits it rewards
making the target logit large without pushing the others down: the loss runs to -∞ and the
model learns nothing useful. On probabilities it is bounded in [-1, 0] with tiny gradients.

Example
-------
Bad::

    loss = nn.NLLLoss()(model(x), y)                    # model ends in nn.Linear

Good::

    loss = nn.NLLLoss()(F.log_softmax(model(x), 1), y)  # or nn.CrossEntropyLoss()(model(x), y)

How to fix
----------
End the model in ``nn.LogSoftmax(dim=1)`` or use ``CrossEntropyLoss`` on raw logits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "A108", "nll-without-log-softmax", severity="error", scope="model",
    title="NLLLoss on outputs that are not log-probabilities",
    pathology="divergence",
    remedy="apply log_softmax before NLLLoss, or use CrossEntropyLoss on logits",
    thresholds={"tol": (1e-3, "exp(log_softmax) sums to 1 within float32 rounding (~1e-6)")},
)
def nll_without_log_softmax(ctx: Any) -> Iterator[Hit]:
    out = ctx.output
    if out is None or ctx.loss_name != "NLLLoss" or out.dim() < 2 or out.shape[1] < 2:
        return
    lse = out.logsumexp(1)
    dev = float(lse.abs().max())
    if dev > nll_without_log_softmax.check.threshold("tol"):
        what = "probabilities (softmax, not log_softmax)" if bool(out.min() >= 0) else "raw logits"
        yield Hit(message=f"NLLLoss receives {what}: logsumexp over classes is off 0 by up to {dev:.3g}",
                  path=ctx.path, line=ctx.line("loss.factory"), data={"logsumexp_dev": dev})
