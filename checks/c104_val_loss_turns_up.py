"""Validation loss turns up (or the metric drops) while training loss keeps falling.

What it checks
    The smoothed validation loss has its best before the last 15 % of the run and ends at
    least 15 % above it; or it ends 5 % above it while the metric ends 10 % below its own
    best; or (no val loss logged) the metric ends 20 % below its best. In every case the
    training loss must still be lower at the end than at the val-loss best.

Why it matters
    The model memorises the training set; every epoch after the turn makes it worse on new
    images. The best checkpoint is the one at the turn, and more epochs only waste compute.

Example
    Train loss 2.4 -> 0.02 over 200 epochs while val loss bottoms at 2.17 near epoch 40 and
    top-1 accuracy falls from 0.55 to 0.35.

How to fix
    Stop earlier (early stopping / fewer epochs), add data or augmentation, use a smaller
    model (e.g. YOLOv5x -> YOLOv5s), add weight decay or dropout.
"""

from __future__ import annotations

from preflight.curves.context import rule_hit
from preflight.registry import check


@check(
    "C104", "val-loss-turns-up", severity="warning", scope="curves", pathology="overfitting",
    title="val loss turns up while train loss falls",
    remedy="fewer epochs / early stopping, more data or augmentation, a smaller model "
           "(e.g. v5x -> v5s), more weight decay",
    thresholds={
        "rise": (0.15, "val loss 15 % above its best: in the 40 labelled runs the noisy-but-"
                 "healthy val losses end at most 11 % above their (smoothed) best"),
        "rise_with_metric": (0.05, "a smaller val rise counts when the metric agrees"),
        "metric_drop": (0.10, "metric 10 % below its best at the end"),
        "metric_drop_alone": (0.20, "without a val loss, the metric alone must drop 20 %"),
        "before": (0.85, "the turn must come before the last 15 % of the run"),
    },
)
def val_loss_turns_up(ctx):
    f = ctx.facts
    th = val_loss_turns_up.check.threshold
    t, v, m = f.train, f.val, f.metric
    if f.n < 5:
        return
    cut = th("before") * (f.n - 1)
    m_drop = m.rise_from_best if (m is not None and m.best_epoch <= cut) else 0.0
    ev: list[str] = []
    conf = 0.0
    if v is not None and v.best_epoch <= cut:
        if t is not None and not t.last < float(t.smooth[v.best_epoch]):
            return
        r = v.rise_from_best
        if r >= th("rise") or (r >= th("rise_with_metric") and m_drop >= th("metric_drop")):
            conf = min(0.95, 0.5 + 1.5 * r + m_drop)
            ev.append(f"val loss best {v.best:.4g} at epoch {ctx.epoch(v.best_epoch)} of {f.n}, "
                      f"ends {r:.0%} higher")
    elif v is None and m_drop >= th("metric_drop_alone") and t is not None and t.rel_change < 0:
        conf = min(0.9, 0.5 + m_drop)
    if conf:
        if m_drop > 0.02 and m is not None:
            ev.append(f"{m.name} peaks at {m.best:.3g} (epoch {ctx.epoch(m.best_epoch)}), "
                      f"ends {m_drop:.0%} lower")
        if t is not None:
            ev.append(f"train loss keeps falling: {t.first:.4g} -> {t.last:.4g}")
        yield rule_hit(ctx, conf, ev)
