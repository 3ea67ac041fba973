"""
What it checks
--------------
``MultiStepLR`` milestones (and ``StepLR``'s ``step_size``) in model.yaml's ``scheduler:``
against the planned run: milestones at or past the last scheduler step never happen.

Why it matters
--------------
Milestones copied from a paper's 90- or 300-epoch schedule into a 20-epoch run never fire:
the LR stays at its initial value to the end, the loss plateaus high and the final accuracy
misses the decay's usual jump. Counting milestones in epochs while stepping per batch (or the
reverse) has the same or the opposite effect.

Example
-------
Bad: ``MultiStepLR(opt, milestones=[30, 60])`` with ``epochs: 20``.

Good: ``milestones=[10, 15]`` for a 20-epoch run (the same fractions of the run).

How to fix
----------
Scale the milestones to the run's length (same fractions of the run), in the unit the
scheduler is stepped in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "O107", "milestones-past-last-epoch", severity="warning", scope="model",
    title="LR step milestones past the end of the run", pathology="underfitting",
    remedy="scale the milestones to the run's length, in the scheduler's unit",
)
def milestones_past_last_epoch(ctx: Any) -> Iterator[Hit]:
    points = ctx.lr_schedule()
    sched = ctx.schedule_scheduler
    spec = ctx.cfg.scheduler
    if not points or sched is None or spec is None:
        return
    per = spec.steps_per_epoch if spec.interval == "step" else 1
    last = spec.epochs * per
    unit = "steps" if per > 1 else "epochs"
    if hasattr(sched, "milestones"):
        late = sorted(int(m) for m in sched.milestones if int(m) >= last)
        if late:
            yield Hit(message=f"milestones {late} are at or past the last of {last} {unit}: "
                              f"those decays never happen",
                      path=ctx.path, line=ctx.line("scheduler"), data={"milestones": late, "last": last})
    elif type(sched).__name__ == "StepLR" and int(sched.step_size) >= last:
        yield Hit(message=f"StepLR's step_size {sched.step_size} is at or past the last of {last} "
                          f"{unit}: the LR never decays",
                  path=ctx.path, line=ctx.line("scheduler"), data={"step_size": int(sched.step_size), "last": last})
