"""Everything is flat after the first quarter of the run.

What it checks
    Every logged series (train loss, val loss, metric) is either flat over the whole run or
    got at most 5 % of its total improvement after the first quarter of the epochs.

Why it matters
    Three quarters of the compute bought nothing: the model stopped at whatever it reached
    early — often a poor optimum (LR decayed too soon, batch too large, model too small for
    the signal) or a task so easy that the run should have been a quarter as long.

Example
    A classifier whose train loss is ~0 and top-1 accuracy 1.0 from epoch 2 of 200.

How to fix
    Lower the batch size, use a lower LR or a later decay, a smaller model; or simply stop
    earlier, and check that validation is not leaking training images.
"""

from __future__ import annotations

from preflight.curves.context import rule_hit
from preflight.registry import check


@check(
    "C106", "curves-flat-early", severity="warning", scope="curves",
    pathology="premature_convergence",
    title="everything flat after the first quarter of the run",
    remedy="lower the batch size, smaller model, lower LR or a later decay; or stop earlier "
           "and check val does not leak train images",
    thresholds={
        "late_share": (0.05, "at most 5 % of the improvement after the first quarter: the "
                       "labelled normal runs all gain 8 % or more there in some series"),
    },
)
def curves_flat_early(ctx):
    f = ctx.facts
    limit = curves_flat_early.check.threshold("late_share")
    series = [s for s in (f.train, f.val, f.metric) if s is not None]
    if not series:
        return
    for s in series:
        if not s.flat and s.after_first_quarter_frac > limit:
            return
    ev = []
    for s in series:
        if s.flat:
            ev.append(f"{s.name} flat from the start ({s.first:.4g} -> {s.last:.4g})")
        else:
            ev.append(f"{s.name} made {1 - s.after_first_quarter_frac:.0%} of its progress "
                      f"in the first quarter, ends at {s.last:.4g}")
    conf = 0.75 if f.n >= 8 else 0.4
    yield rule_hit(ctx, conf, ev)
