"""
What it checks
--------------
The LR schedule of model.yaml's ``scheduler:`` (stepped on a throwaway optimizer over the
planned ``epochs`` x ``steps_per_epoch``): an LR that rises from the start and is still at its
highest at the last step, i.e. a warm-up that never finishes within the run.

Why it matters
--------------
A warm-up (``LinearLR``, ``LambdaLR`` ramps, ``OneCycleLR`` with ``pct_start`` and the wrong
``total_steps``) sized for a longer run, or counted in batches while the scheduler is stepped
per epoch, keeps the LR below its intended value for the whole training: the run underfits
and looks like "the model cannot learn".

Example
-------
Bad: ``LinearLR(opt, start_factor=0.01, total_iters=20)`` stepped per epoch with
``epochs: 10``: the LR never leaves the ramp.

Good: ``total_iters=3`` for a 10-epoch run, or a per-step warm-up of a few hundred batches.

How to fix
----------
Size the warm-up in the unit the scheduler is stepped in (epochs vs batches) and keep it to a
small part of the run (typically 1-5 % of the steps, or a few epochs).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "O105", "warmup-longer-than-run", severity="warning", scope="model",
    title="LR warm-up longer than the run", pathology="underfitting",
    remedy="size the warm-up in the scheduler's unit (epochs vs batches), a few % of the run",
    thresholds={
        "rise": (1.5, "the LR must have grown by at least this factor from the first step to "
                 "count as a warm-up (LinearLR's default start_factor 1/3 gives 3x)"),
    },
)
def warmup_longer_than_run(ctx: Any) -> Iterator[Hit]:
    points = ctx.lr_schedule()
    if len(points) < 3:
        return
    lrs = [p["lr"] for p in points]
    rise = warmup_longer_than_run.check.threshold("rise")  # type: ignore[attr-defined]
    if lrs[-1] >= max(lrs) and lrs[0] > 0 and lrs[-1] >= rise * lrs[0]:
        yield Hit(message=f"the LR still rises at the end of the run ({lrs[0]:.3g} -> {lrs[-1]:.3g} "
                          f"after {points[-1]['epoch']:g} epochs): the warm-up is longer than the run",
                  path=ctx.path, line=ctx.line("scheduler"),
                  data={"first": lrs[0], "last": lrs[-1]})
