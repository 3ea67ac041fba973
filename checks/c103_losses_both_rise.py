"""Training and validation loss both rise.

What it checks
    Both smoothed losses end at least 10 % above their best value, and both bests lie before
    the last 15 % of the run.

Why it matters
    A training loss that rises means the optimisation itself got worse: the learning rate
    (or its schedule) is too high for this point of training, BatchNorm statistics drift
    (frozen BN layers left in train mode), or the data changed under the model (an
    augmentation switched on, a sampler bug).

Example
    A run whose train loss falls to 0.8 by epoch 30 and climbs to 1.1 by epoch 100 while
    val loss goes 0.9 -> 1.3.

How to fix
    Lower the LR or decay it; keep frozen BatchNorm layers in eval mode; check what changed
    at the epoch where both turn (scheduler restarts, mosaic/augmentation switches).
"""

from __future__ import annotations

from preflight.curves.context import rule_hit
from preflight.registry import check


@check(
    "C103", "losses-both-rise", severity="error", scope="curves", pathology="both_rising",
    title="train and val loss both rise",
    remedy="lower or decay the LR; keep frozen BatchNorm in eval mode; check what changed at "
           "the turning epoch",
    thresholds={
        "min_rise": (0.10, "10 % above the best: twice the 5 % that counts as noise for a val "
                     "loss in the labelled runs, since here both curves must agree"),
        "before": (0.85, "the best must lie before the last 15 % of the run, else it is a "
                   "last-epochs wobble, not a trend"),
    },
)
def losses_both_rise(ctx):
    f = ctx.facts
    th = losses_both_rise.check.threshold
    t, v = f.train, f.val
    if t is None or v is None or f.n < 5:
        return
    cut = th("before") * (f.n - 1)
    if (t.rise_from_best >= th("min_rise") and v.rise_from_best >= th("min_rise")
            and t.best_epoch <= cut and v.best_epoch <= cut):
        conf = min(0.9, 0.6 + min(t.rise_from_best, v.rise_from_best))
        yield rule_hit(ctx, conf, [
            f"train loss best at epoch {ctx.epoch(t.best_epoch)}, ends {t.rise_from_best:.0%} higher",
            f"val loss best at epoch {ctx.epoch(v.best_epoch)}, ends {v.rise_from_best:.0%} higher",
        ])
