"""
What it checks
--------------
The LR schedule of model.yaml's ``scheduler:`` over the planned run: the first point where
the LR has fallen to a thousandth of its peak (or to zero), when that happens before 90 % of
the run.

Why it matters
--------------
Every step after that point moves the weights by almost nothing: the epochs are paid for and
train nothing, and the curves show a plateau that looks like convergence (premature
convergence). Typical causes: ``CosineAnnealingLR`` with ``T_max`` shorter than the run (it
then climbs back up and falls again), ``StepLR``/``ExponentialLR`` decaying too fast,
``T_max`` counted in epochs while stepping per batch.

Example
-------
Bad: ``CosineAnnealingLR(opt, T_max=5)`` with ``epochs: 30``: the LR is 0 at epoch 5.

Good: ``CosineAnnealingLR(opt, T_max=30)`` for a 30-epoch run (or ``T_max`` = total batches
when stepping per batch).

How to fix
----------
Match the schedule's length (``T_max``, ``step_size`` x decays, ``total_steps``) to the run, in
the unit the scheduler is stepped in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "O106", "lr-reaches-zero-early", severity="warning", scope="model",
    title="LR schedule reaches ~zero well before the end of the run",
    pathology="premature_convergence",
    remedy="match T_max / step_size / total_steps to the run, in the unit the scheduler steps in",
    thresholds={
        "floor": (1e-3, "LR below this fraction of its peak moves the weights ~1000x less: "
                  "three step decays of 0.1 (the classic ResNet schedule ends there at the end)"),
        "before": (0.9, "share of the run before which reaching the floor counts as early: "
                   "cosine/one-cycle schedules legitimately reach it in the last few %"),
    },
)
def lr_reaches_zero_early(ctx: Any) -> Iterator[Hit]:
    points = ctx.lr_schedule()
    if len(points) < 3:
        return
    th = lr_reaches_zero_early.check.threshold  # type: ignore[attr-defined]
    peak = max(p["lr"] for p in points)
    end = points[-1]["epoch"]
    if peak <= 0 or end <= 0:
        return
    hit = next((p for p in points if p["lr"] <= th("floor") * peak), None)
    if hit is not None and hit["epoch"] < th("before") * end:
        yield Hit(message=f"the LR is down to {hit['lr']:.2g} (peak {peak:.3g}) at epoch "
                          f"{hit['epoch']:g} of {end:g}: the rest of the run barely trains",
                  path=ctx.path, line=ctx.line("scheduler"),
                  data={"epoch": hit["epoch"], "epochs": end, "peak": peak})
