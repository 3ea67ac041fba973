"""The batch does not fit in GPU memory.

What it checks
    Whether one training step at the configured batch size ran out of CUDA memory during the
    probe; the probe then halves the batch until a step fits and reports that size.

Why it matters
    Training would stop with ``CUDA out of memory`` on its first step.

Example
    DeepLabV3 at 1024x1024 with batch 32 on a 24 GB card: the probe fits 8.

How to fix
    Use the batch size that fit (or less), gradient accumulation for the effective batch,
    mixed precision, a smaller input size; set ``batch_size`` in model.yaml accordingly.
"""

from __future__ import annotations

from preflight.findings import Hit
from preflight.registry import check


@check(
    "P107", "batch-does-not-fit-gpu", severity="error", scope="probe",
    title="batch does not fit in GPU memory",
    remedy="use the batch size that fit, gradient accumulation, mixed precision or a smaller "
           "input size",
)
def batch_does_not_fit_gpu(ctx):
    oom = ctx.section.get("oom")
    if not oom:
        return
    if ctx.section.get("error_kind") == "oom":
        yield Hit(message=f"batch {oom['requested']} is out of CUDA memory on "
                          f"{ctx.section.get('device')}, and so is a batch of 1", data=dict(oom))
    else:
        yield Hit(message=f"batch {oom['requested']} is out of CUDA memory on "
                          f"{ctx.section.get('device')}; batch {oom['fit']} fits",
                  data=dict(oom))
