"""Validation loss or metric swings from epoch to epoch.

What it checks
    After the first tenth of the run (warm-up), the 90th percentile of the distance between
    each epoch's value and a running median, relative to the running median's range (at
    least 5 % of its level), for the val loss and the metric: at 0.3 or more the curve swings
    by a third of its whole trend. Also a single epoch that departs by twice that range.
    Needs 20 epochs (the running median needs a window of 3 or more).

Why it matters
    Swings this large mean each epoch's checkpoint is a lottery: the LR is too high for the
    batch size, or the validation set is too small (a handful of images decide mAP), or
    single batches with bad labels throw the weights around.

Example
    A YOLOv5 run whose val loss jumps between 0.35 and 0.45 every epoch for 400 epochs while
    train loss falls smoothly.

How to fix
    Lower the LR (or raise the batch size), enlarge the validation set, add data, use EMA
    weights or a longer warm-up.
"""

from __future__ import annotations

from preflight.curves.context import rule_hit
from preflight.registry import check


@check(
    "C105", "val-curves-swing", severity="warning", scope="curves", pathology="oscillation",
    title="val loss / metric swings from epoch to epoch",
    remedy="lower the LR or raise the batch size, enlarge the validation set, add data, "
           "use EMA weights / longer warm-up",
    thresholds={
        "swing": (0.30, "90th-percentile residual at 30 % of the trend range: on the 40 "
                  "labelled runs the smooth ones stay under 0.26, the swinging ones reach 0.32+"),
        "spike": (2.0, "one epoch off the trend by twice its range is a blow-up, not noise"),
        "min_epochs": (20, "the running-median window is n/10; below 20 epochs it is 1"),
    },
)
def val_curves_swing(ctx):
    f = ctx.facts
    th = val_curves_swing.check.threshold
    if f.n < th("min_epochs"):
        return
    ev: list[str] = []
    strength = 0.0
    for s in (f.val, f.metric):
        if s is None:
            continue
        if s.swing >= th("swing"):
            ev.append(f"{s.name} swings by {s.swing:.0%} of its trend range from epoch to epoch")
            strength = max(strength, s.swing)
        if s.max_spike >= th("spike"):
            i = int(abs(s.raw - s.smooth).argmax())
            ev.append(f"{s.name} jumps to {s.raw[i]:.4g} at epoch {ctx.epoch(i)} "
                      f"(trend {s.smooth[i]:.4g})")
            strength = max(strength, 0.5)
    if ev:
        yield rule_hit(ctx, min(0.85, 0.3 + strength), ev)
