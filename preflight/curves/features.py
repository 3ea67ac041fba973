"""Numbers measured on one run's curves; the C checks read these and nothing else.

Measurement is kept apart from judgement (as Deepchecks does): this module says how much the
validation loss rose from its minimum, how much of the improvement came late, how rough a
curve is; the checks in ``checks/c*.py`` decide what those numbers mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .readers import Run

__all__ = ["CurveFacts", "SeriesFacts", "measure", "smooth"]

#: Fraction of the run counted as its "late" part for still-improving / flat-after tests:
#: the last quarter (the same split the ``--at-epoch`` table in docs/curves.md uses).
LATE = 0.25


def smooth(y: np.ndarray) -> np.ndarray:
    """Centered running median, window ~n/10 (odd, at most 11 epochs): removes one-epoch
    spikes without shifting where a curve turns. Edges use the shrunk window."""
    n = len(y)
    w = max(1, min(11, n // 10))
    w = w if w % 2 == 1 else w + 1
    if w <= 1:
        return y.copy()
    h = w // 2
    return np.array([np.median(y[max(0, i - h): i + h + 1]) for i in range(n)])


@dataclass
class SeriesFacts:
    """One series (train loss, val loss, or the metric; metric sign is kept, higher = better)."""

    name: str
    raw: np.ndarray
    smooth: np.ndarray
    higher_is_better: bool
    first: float
    last: float
    best: float
    best_epoch: int
    worst_after_best: float
    #: how far the end is from the best, relative to the best (losses) or to the best (metric)
    rise_from_best: float
    #: total improvement from the start to the best value (same units as the series)
    total_gain: float
    #: share of the total improvement that came in the last quarter of the run
    late_gain_frac: float
    #: share of the total improvement that came after the first quarter
    after_first_quarter_frac: float
    #: epoch-to-epoch roughness around the smoothed curve, relative to the smoothed range
    roughness: float
    #: largest single-epoch departure from the smoothed curve, relative to the smoothed range
    spike: float
    #: relative change from the first to the last smoothed value (negative = fell)
    rel_change: float
    #: 90th percentile of |raw - smoothed| after the first tenth of the run (warm-up left
    #: out), relative to the smoothed range there (at least 5 % of the level): swings
    swing: float = 0.0
    #: largest single-epoch departure from the smoothed curve, same scale: one-off spikes
    max_spike: float = 0.0
    #: no real movement: the smoothed curve changes by under 5 % of its level end to end and
    #: never improves by 10 % of it
    flat: bool = False


@dataclass
class CurveFacts:
    n: int
    train: SeriesFacts | None
    val: SeriesFacts | None
    metric: SeriesFacts | None
    metric50_best: float | None
    #: epochs (1-based index into the run) where a loss is NaN / inf after a finite value
    nonfinite_epochs: list[int] = field(default_factory=list)
    nonfinite_series: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _series(name: str, values: list[float] | None, higher: bool) -> SeriesFacts | None:
    if not values:
        return None
    y = np.array(values, dtype=float)
    ok = np.isfinite(y)
    if ok.sum() < 2:
        return None
    # interpolate holes (blank Lightning cells) so shapes are comparable; the
    # non-finite *loss* values are reported separately by measure()
    idx = np.arange(len(y))
    y = np.interp(idx, idx[ok], y[ok])
    s = smooth(y)
    sign = 1.0 if higher else -1.0
    g = sign * s  # "goodness": higher is better for every series
    n = len(s)
    b = int(np.argmax(g))
    best = float(s[b])
    total_gain = float(g[b] - g[0])
    q_late = max(0, int(math.floor(n * (1 - LATE))) - 1)
    q_first = min(n - 1, max(0, int(math.ceil(n * LATE)) - 1))
    if total_gain > 0:
        late = float(max(0.0, np.max(g[q_late:]) - np.max(g[: q_late + 1]))) / total_gain
        after = float(max(0.0, np.max(g[q_first:]) - np.max(g[: q_first + 1]))) / total_gain
    else:
        late = after = 0.0
    rng = float(np.max(s) - np.min(s))
    resid = y - s
    scale = rng if rng > 0 else max(abs(float(np.median(s))), 1e-12)
    rough = float(np.median(np.abs(np.diff(y)))) / scale if n > 2 else 0.0
    spike = float(np.max(np.abs(resid))) / scale
    worst_after = float(np.min(g[b:])) * sign
    denom = max(abs(best), 1e-12)
    rise = float(g[b] - g[-1]) / denom
    first, last = float(s[0]), float(s[-1])
    rel_change = (last - first) / max(abs(first), 1e-12)
    k = n // 10
    res = np.abs(resid[k:])
    level = abs(float(np.median(s)))
    # swings smaller than 5 % of the curve's level are noise whatever the trend's range
    sc = max(float(np.ptp(s[k:])), 0.05 * level, 1e-12)
    swing = float(np.percentile(res, 90)) / sc if len(res) else 0.0
    max_spike = float(np.max(res)) / sc if len(res) else 0.0
    flat = abs(rel_change) < 0.05 and total_gain / max(level, 1e-12) < 0.10
    return SeriesFacts(
        name=name, raw=y, smooth=s, higher_is_better=higher, first=first, last=last, best=best,
        best_epoch=b, worst_after_best=worst_after, rise_from_best=abs(rise),
        total_gain=total_gain, late_gain_frac=late, after_first_quarter_frac=after,
        roughness=rough, spike=spike, rel_change=rel_change, swing=swing,
        max_spike=max_spike, flat=flat,
    )


def measure(run: Run) -> CurveFacts:
    # only cells that literally say nan/inf count: a blank cell (Lightning) is "not logged"
    nonfinite: list[int] = []
    which: list[str] = []
    for label, cols in (("train loss", run.train_loss_cols), ("val loss", run.val_loss_cols)):
        for col in cols:
            for i in run.nonfinite.get(col, []):
                nonfinite.append(i)
                if label not in which:
                    which.append(label)
    train = _series("train loss", run.train_loss, higher=False)
    val = _series("val loss", run.val_loss, higher=False)
    metric = _series(run.metric_col or "metric", run.metric, higher=True)
    m50 = run.metric50
    m50_best = None
    if m50:
        finite = [v for v in m50 if math.isfinite(v)]
        m50_best = max(finite) if finite else None
    return CurveFacts(n=len(run), train=train, val=val, metric=metric, metric50_best=m50_best,
                      nonfinite_epochs=sorted(set(nonfinite)), nonfinite_series=which)
