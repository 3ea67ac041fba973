"""The model reaches as low a loss without its input as with it.

What it checks
    Karpathy's input-independent baseline, automated: after the probe, a fresh copy of the
    setup trains on the same batch with every input set to zero, for a tenth of the probe's
    steps (5 to 20) and with the same seed. Its losses are compared with the probe's own over
    the same first steps: when the zeroed input falls as far as the real one (the gap is
    under a tenth of the real fall), the output does not depend on the input.

Why it matters
    A model that learns as well from zeros as from the images is not looking at the images:
    a ``forward`` that uses a cached tensor or an attribute instead of its argument, an input
    multiplied by an all-zero mask, a normalization that flattens every input to the same
    values, a wrong tensor passed along in a custom ``step``. Training then only fits the
    class prior; the loss plateaus at the labels' entropy.

Example
    ``def forward(self, x): return self.head(self.features)``, with ``self.features`` set
    once in ``__init__``: real and zeroed inputs give the same loss at every step.

How to fix
    Follow the input through ``forward`` (print ``x.std()`` after each stage on a real
    batch); make sure every stage uses its argument and that no normalization or mask
    turns the input into a constant.
"""

from __future__ import annotations

import math

from preflight.findings import Hit
from preflight.registry import check


@check(
    "P113", "input-independent-baseline", severity="error", scope="probe",
    pathology="training_failure", title="the model learns as well from zeroed inputs",
    remedy="make forward() use its input: follow x through every stage on a real batch",
    thresholds={
        "min_real_fall": (0.1, "the real loss must fall 10 % over the compared steps, else "
                          "there is nothing for the zeroed input to fall short of (no finding)"),
        "max_gap": (0.1, "the zeroed input's loss ends within a tenth of the real fall of "
                    "the real loss: it learned 90 % as much without the input. A model that "
                    "ignores its input follows the real run exactly (gap 0); correct setups "
                    "built like the probe tests' keep 0.33 (BN CNN with dropout, SGD with "
                    "momentum) to 0.75 (MLP, Adam) over 10 steps"),
    },
)
def input_independent_baseline(ctx):
    th = input_independent_baseline.check.threshold
    zb = ctx.section.get("zero_baseline") or {}
    zero, real = zb.get("losses") or [], zb.get("real_losses") or []
    if ctx.section.get("error") or len(real) < 3 or len(zero) != len(real):
        return
    if not all(math.isfinite(v) for v in zero + real) or real[0] <= 0:
        return
    real_end, zero_end = min(real[-3:]), min(zero[-3:])
    fall = real[0] - real_end
    if fall < th("min_real_fall") * real[0]:
        return
    gap = (zero_end - real_end) / fall
    if gap < th("max_gap"):
        yield Hit(message=f"after {len(real)} steps the zeroed input reaches loss {zero_end:.4g} "
                          f"and the real input {real_end:.4g} (from {real[0]:.4g}): the output "
                          f"does not depend on the input",
                  data={"gap": round(gap, 4), "zero_loss": zero_end, "real_loss": real_end,
                        "steps": len(real)})
