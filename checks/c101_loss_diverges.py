"""A loss becomes NaN / inf or explodes.

What it checks
    A training or validation loss that is logged as ``nan`` or ``inf`` after finite values,
    or a smoothed training loss that ends at least twice its best value.

Why it matters
    A run whose loss went non-finite learns nothing from that step on (every weight becomes
    NaN); a loss that climbs to double its best has left the basin it was in. Neither
    recovers by training longer.

Example
    ``results.csv`` where ``train/box_loss`` reads ``nan`` from epoch 12, or a Keras log
    whose ``loss`` goes 0.4, 0.3, 0.9, 3.1, 40.

How to fix
    Lower the learning rate (often 10x), add gradient clipping, warm the LR up, and look for
    ``exp`` / ``log`` of unbounded values (softmax written by hand, log of 0) and for
    mixed-precision overflow.
"""

from __future__ import annotations

from preflight.curves.context import rule_hit
from preflight.registry import check


@check(
    "C101", "loss-diverges", severity="error", scope="curves", pathology="divergence",
    title="loss goes to NaN/inf or explodes",
    remedy="lower the LR (often 10x), add gradient clipping and warm-up; check for exp/log overflow",
    thresholds={
        "explode_ratio": (2.0, "smoothed train loss at the end / its best; twice the best means "
                          "the run left its basin (Goodfellow et al., Deep Learning, 8.2.4: "
                          "cliffs and exploding gradients)"),
    },
)
def loss_diverges(ctx):
    f = ctx.facts
    if f.nonfinite_epochs:
        first = f.nonfinite_epochs[0]
        yield rule_hit(ctx, 0.95, [
            f"{' and '.join(f.nonfinite_series)} {'are' if len(f.nonfinite_series) > 1 else 'is'} NaN/inf at {len(f.nonfinite_epochs)} epoch(s), "
            f"first at epoch {ctx.epoch(first)}",
        ])
        return
    t = f.train
    ratio = loss_diverges.check.threshold("explode_ratio")
    if t is not None and t.best > 0 and t.last >= ratio * t.best and t.best_epoch < f.n - 1:
        yield rule_hit(ctx, 0.85, [
            f"train loss ends at {t.last:.4g}, {t.last / t.best:.1f}x its best {t.best:.4g} "
            f"(epoch {ctx.epoch(t.best_epoch)})",
        ])
