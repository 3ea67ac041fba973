"""
What it checks
--------------
Karpathy's batch-independence test: on a deep copy in eval mode, the gradient of sample 0's
outputs with respect to the whole input batch. Only sample 0's input may receive a gradient;
any other sample that does means the forward pass mixes samples across the batch dimension.
Eval mode keeps BatchNorm, which mixes samples on purpose in train mode, out of the test.

Why it matters
--------------
A ``view``/``reshape`` where a ``permute``/``transpose`` was meant (or the reverse), a
``flatten`` over the wrong dimensions, or a reduction over ``dim=0`` silently makes each
prediction depend on the other images of the batch. The model still trains, on scrambled
features, and its outputs change with the batch composition and size at inference.

Example
-------
Bad::

    feats = self.pool(x).flatten(1)              # [B, C]
    feats = feats.t().reshape(B, C)              # meant as a no-op: mixes samples

Good::

    feats = self.pool(x).flatten(1)              # [B, C], each row one sample

How to fix
----------
Follow the batch dimension through the forward pass: use ``permute`` to reorder dimensions
and ``reshape``/``view`` only to merge or split neighbouring ones; reduce over feature
dimensions, never ``dim=0``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "A109", "samples-mix-in-batch", severity="error", scope="model",
    title="samples mix within a batch (batch-independence test)",
    pathology="training_failure",
    remedy="keep the batch dimension separate: permute to reorder, reshape only neighbouring dims",
    thresholds={
        "relative": (1e-5, "gradient reaching another sample, relative to sample 0's own: in "
                     "eval mode an independent forward gives exactly 0; 1e-5 leaves room for "
                     "float32 rounding in fused kernels (machine epsilon 1.2e-7)"),
    },
)
def samples_mix_in_batch(ctx: Any) -> Iterator[Hit]:
    m = ctx.sample_mixing()
    if not m or m["own"] <= 0:
        return
    rel = m["others_max"] / m["own"]
    if rel > samples_mix_in_batch.check.threshold("relative"):  # type: ignore[attr-defined]
        yield Hit(message=f"the output of sample 0 depends on the inputs of samples {m['mixed'][:5]} "
                          f"(gradient {rel:.2g}x its own, in eval mode): the forward pass mixes the batch",
                  path=ctx.path, line=ctx.line("model") or ctx.line("setup"),
                  data={"relative_gradient": rel, "samples": m["mixed"]})
