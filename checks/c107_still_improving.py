"""Validation loss or metric is still improving when the run ends.

What it checks
    The share of the run's total improvement of the val loss or the metric that came in the
    last quarter of the epochs: 8 % or more means the curve has not levelled off. With
    neither logged, the train loss must show 15 %.

Why it matters
    The run was stopped while it was still learning: more epochs (or a bigger / pretrained
    model) would give a better model, and any conclusion drawn from it is premature.

Example
    A YOLOv8 run of 30 epochs whose mAP50-95 rose 0.22 -> 0.26 in the last 8 epochs.

How to fix
    Train for more epochs (resume from the last checkpoint), use a larger or pretrained model,
    collect more data for the weak classes.
"""

from __future__ import annotations

from preflight.curves.context import rule_hit
from preflight.registry import check


@check(
    "C107", "still-improving", severity="info", scope="curves", pathology="underfitting",
    title="val loss / metric still improving at the end",
    remedy="more epochs (resume), a larger or pretrained model, more data for weak classes",
    thresholds={
        "late_share": (0.08, "8 % of the improvement in the last quarter: the labelled normal "
                       "runs show at most 6 %, the underfitting ones 7-50 %"),
        "late_share_train": (0.15, "a train loss alone keeps falling in healthy runs "
                             "(labelled normal runs: up to 24 %), so it needs more"),
    },
)
def still_improving(ctx):
    f = ctx.facts
    th = still_improving.check.threshold
    ev = []
    share = 0.0
    for s in (f.val, f.metric):
        if s is not None and s.late_gain_frac >= th("late_share"):
            ev.append(f"{s.name}: {s.late_gain_frac:.0%} of its improvement came in the last "
                      f"quarter ({s.first:.4g} -> {s.last:.4g})")
            share = max(share, s.late_gain_frac)
    only_train = f.val is None and f.metric is None and f.train is not None
    if only_train and f.train.late_gain_frac >= th("late_share_train"):
        ev.append(f"train loss: {f.train.late_gain_frac:.0%} of its fall came in the last quarter")
        share = f.train.late_gain_frac
    if ev:
        yield rule_hit(ctx, min(0.8, 0.5 + share), ev)
