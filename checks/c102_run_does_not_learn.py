"""The run does not learn: metrics stay near zero, or the loss never falls.

What it checks
    (a) The best value of the loose metric (mAP50 for detection, else the main metric) over
    the whole run stays under 0.05; or (b) over at least five epochs the smoothed training
    loss never moves (under 5 % end to end, never 10 % better) and the metric never gains
    0.05 either.

Why it matters
    A loss that falls while mAP stays at zero means the model fits something that is not the
    task (wrong labels, wrong class ids, boxes in the wrong format); a loss that never falls
    means the optimizer is not changing the model (LR ~0, frozen weights, broken loss).

Example
    A YOLOv8 run whose mAP50 peaks at 0.035 after 100 epochs; a YOLOv5 run whose train loss
    jumps between 0.14 and 0.17 for 100 epochs while mAP never leaves its epoch-0 value.

How to fix
    Audit the annotations (``preflight data``): class ids, box format, empty labels, class
    confusion; run the overfit-one-batch probe (``preflight model``); then add data.
"""

from __future__ import annotations

from preflight.curves.context import rule_hit
from preflight.registry import check


@check(
    "C102", "run-does-not-learn", severity="error", scope="curves", pathology="training_failure",
    title="run does not learn (metrics near zero or loss never falls)",
    remedy="fix annotations and class confusion (preflight data), run the overfit-one-batch "
           "probe, then add data",
    thresholds={
        "metric_floor": (0.05, "mAP50 under 5 % is what a detector gets from near-random boxes; "
                         "the 40 labelled runs: the failed one peaks at 0.035, all others pass 0.1"),
        "min_epochs": (5, "fewer epochs cannot tell 'not learning' from 'not started'"),
        "metric_gain": (0.05, "an absolute metric gain under 0.05 over the whole run is noise on "
                        "the validation sets of the labelled runs"),
    },
)
def run_does_not_learn(ctx):
    f = ctx.facts
    th = run_does_not_learn.check.threshold
    if f.n < th("min_epochs"):
        return
    best = f.metric50_best if f.metric50_best is not None else (f.metric.best if f.metric else None)
    if best is not None and best < th("metric_floor"):
        name = ctx.run.metric50_col or ctx.run.metric_col
        yield rule_hit(ctx, 0.9, [f"{name} never exceeds {best:.3f} in {f.n} epochs"])
        return
    loss = f.train or f.val
    if loss is None or not loss.flat:
        return
    m = f.metric
    if m is not None and m.total_gain >= th("metric_gain"):
        return
    ev = [f"{loss.name} does not fall: {loss.first:.4g} -> {loss.last:.4g} over {f.n} epochs"]
    if loss.swing > 0.5:
        ev.append(f"{loss.name} jumps from epoch to epoch with no trend")
    if m is not None:
        ev.append(f"{m.name} never gains more than {m.total_gain:.3f}")
    yield rule_hit(ctx, 0.85, ev)
