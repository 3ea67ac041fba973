"""
What it checks
--------------
Inputs whose mean or standard deviation is far from the normalized range, per channel, on a
real batch: e.g. mean subtracted but never divided by std (values in -120..130), or a wrong
std such as ``std=[1, 1, 1]`` on 0-255 data after centring.

Why it matters
--------------
He/Xavier initialization assumes unit-variance inputs (LeCun et al. 1998, "Efficient
BackProp", section 4.3: inputs should be centred with similar, unit variance). Inputs with
std ≫ 1 scale every activation and gradient of the first layers by the same factor: the
effective learning rate of the first layer is off by that factor squared.

Example
-------
Bad::

    x = x - torch.tensor([123.7, 116.3, 103.5])[:, None, None]        # no division by std

Good::

    x = (x / 255 - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]

How to fix
----------
Normalize with the dataset's (or the pretrained weights') mean and std so that each channel
has mean ≈ 0 and std ≈ 1: ``input.mean`` / ``input.std`` in model.yaml, or
``transforms.Normalize`` in your loader.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "N102", "input-not-normalized", severity="warning", scope="model",
    title="input mean/std far from the normalized range",
    pathology="underfitting",
    remedy="normalize each channel to mean ≈ 0, std ≈ 1 (input.mean / input.std)",
    thresholds={
        "max_abs_mean": (3.0, "ImageNet-normalized pixels lie within [-2.12, 2.64], so no channel mean can exceed it"),
        "max_std": (3.0, "LeCun et al. 1998, 'Efficient BackProp' §4.3: unit input variance; 3× is far outside "
                         "what any normalized natural-image batch gives"),
    },
)
def input_not_normalized(ctx: Any) -> Iterator[Hit]:
    if ctx.synthetic:
        return
    s = ctx.input_stats()
    if not s["dtype"].startswith("float") or s["nonfinite"]:
        return
    if s["max"] > 20.0 and s["min"] >= -1.0:  # raw pixels: N101
        return
    th = input_not_normalized.check
    means = s["channel_mean"] or [s["mean"]]
    stds = s["channel_std"] or [s["std"]]
    bad_mean = [i for i, m in enumerate(means) if abs(m) > th.threshold("max_abs_mean")]
    bad_std = [i for i, v in enumerate(stds) if v > th.threshold("max_std")]
    if bad_mean or bad_std:
        yield Hit(
            message=f"input per-channel mean {[round(m, 3) for m in means]}, std {[round(v, 3) for v in stds]} "
            f"(range {s['min']:.3g}..{s['max']:.3g}): not normalized to mean ≈ 0, std ≈ 1",
            path=ctx.path, line=ctx.line("input.std") or ctx.line("input.mean"),
            data={"channel_mean": means, "channel_std": stds},
        )
