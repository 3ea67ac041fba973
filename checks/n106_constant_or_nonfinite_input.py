"""
What it checks
--------------
Samples of a real batch that are constant (every value equal: a black frame, a failed
decode filled with zeros) or that hold NaN/inf.

Why it matters
--------------
One NaN in the input makes the loss NaN and, after one optimizer step, every weight NaN:
the run diverges at the first batch that contains it. Constant images carry no information
and usually mean a broken decode, a wrong path or a crop outside the image.

Example
-------
Bad::

    x = (img - mean) / std          # std computed per image: 0 for a blank image -> NaN

Good::

    x = (img - mean) / std          # fixed dataset mean/std, never 0

How to fix
----------
Find the files behind those samples (``preflight data`` reports unreadable or blank
images), drop or fix them, and never divide by a per-image std that can be 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "N106", "constant-or-nonfinite-input", severity="error", scope="model",
    title="constant or NaN/inf input",
    pathology="divergence",
    remedy="fix the samples behind it (decode, path, per-image std); inputs must be finite and vary",
)
def constant_or_nonfinite_input(ctx: Any) -> Iterator[Hit]:
    if ctx.synthetic:
        return
    s = ctx.input_stats()
    if s["nonfinite"]:
        yield Hit(message=f"{s['nonfinite']} input values of the batch are NaN or inf",
                  path=ctx.path, line=ctx.line("loader"), data={"nonfinite": s["nonfinite"]})
    if s["constant_samples"]:
        yield Hit(message=f"{s['constant_samples']} of {ctx.observed_batch} samples of the batch are constant images",
                  path=ctx.path, line=ctx.line("loader"), data={"constant_samples": s["constant_samples"]})
