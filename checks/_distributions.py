"""Shared statistics for the split-shift and shortcut checks (not a check: the name starts with _).

Everything here works on the context's facts (``ctx.boxes``, ``ctx.images``): per-box and
per-image properties, a two-sample Kolmogorov-Smirnov test with its effect size, and a
cross-validated one-property classifier. numpy only (scipy is not a dependency).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

_CHUNK = 65536

__all__ = ["box_properties", "image_properties", "ks_2samp", "one_feature_accuracy", "valid_box_rows"]


def valid_box_rows(ctx: Any) -> np.ndarray:
    """Rows of ``ctx.boxes`` with a known class id, a known canvas and a positive size."""
    b = ctx.boxes
    if len(b) == 0:
        return np.zeros(0, np.int64)
    w = b.xyxy[:, 2] - b.xyxy[:, 0]
    h = b.xyxy[:, 3] - b.xyxy[:, 1]
    ok = np.isfinite(b.cls) & np.isfinite(b.canvas).all(axis=1) & np.isfinite(w) & np.isfinite(h) & (w > 0) & (h > 0)
    ok &= np.isin(b.cls, np.asarray(sorted(ctx.valid_ids), dtype=np.float64))
    return np.flatnonzero(ok)


def box_properties(ctx: Any, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Per-box properties of the given rows, each a float array.

    ``size``: square root of the box area over the image area (what survives any resize);
    ``aspect``: log of width / height in pixels; ``x``, ``y``: the centre, divided by the image.
    """
    b = ctx.boxes
    xy = b.xyxy[rows]
    w = xy[:, 2] - xy[:, 0]
    h = xy[:, 3] - xy[:, 1]
    cw, ch = b.canvas[rows, 0], b.canvas[rows, 1]
    return {
        "size": np.sqrt(w * h),
        "aspect": np.log((w * cw) / (h * ch)),
        "x": (xy[:, 0] + xy[:, 2]) / 2,
        "y": (xy[:, 1] + xy[:, 3]) / 2,
    }


def image_properties(ctx: Any, images: list[str]) -> dict[str, np.ndarray]:
    """Per-image properties (NaN where unknown); ``folder`` is a category code (the parent folder)."""
    out: dict[str, list[float]] = {"file size": [], "width": [], "height": [], "resolution": [], "brightness": [], "folder": []}
    folders: dict[str, int] = {}
    for path in images:
        im = ctx.images.get(path)
        size = im.oriented_size if im is not None and not im.error else None
        out["file size"].append(math.log(im.bytes) if im is not None and im.bytes else math.nan)
        out["width"].append(float(size[0]) if size else math.nan)
        out["height"].append(float(size[1]) if size else math.nan)
        out["resolution"].append(math.log(size[0] * size[1]) if size and size[0] * size[1] > 0 else math.nan)
        bright = getattr(im, "brightness", None) if im is not None else None
        out["brightness"].append(float(bright) if bright is not None else math.nan)
        out["folder"].append(float(folders.setdefault(os.path.dirname(path), len(folders))))
    return {k: np.asarray(v, np.float64) for k, v in out.items()}


def _kolmogorov_sf(lam: float) -> float:
    """P(K > lam) of the Kolmogorov distribution (the asymptotic KS p-value)."""
    if lam < 0.2:
        return 1.0
    k = np.arange(1, 101)
    return float(min(1.0, max(0.0, 2 * np.sum((-1.0) ** (k - 1) * np.exp(-2 * k * k * lam * lam)))))


def ks_2samp(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic D and its asymptotic p-value (Stephens' correction)."""
    a = np.sort(a[np.isfinite(a)])
    b = np.sort(b[np.isfinite(b)])
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return 0.0, 1.0
    both = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, both, side="right") / n
    cdf_b = np.searchsorted(b, both, side="right") / m
    d = float(np.max(np.abs(cdf_a - cdf_b)))
    en = math.sqrt(n * m / (n + m))
    return d, _kolmogorov_sf((en + 0.12 + 0.11 / en) * d)


def _fit_predict(x_fit: np.ndarray, y_fit: np.ndarray, x_test: np.ndarray, classes: np.ndarray,
                 weight: np.ndarray, categorical: bool, k: int) -> np.ndarray:
    """Class-balanced majority of the fitting half, applied to the other half: per category, or
    among the ``k`` nearest values of the fitting half (1-D nearest neighbours)."""
    cls_idx = np.searchsorted(classes, y_fit)
    if categorical:
        cats = np.unique(x_fit)
        fit_bin = np.searchsorted(cats, x_fit)
        test_bin = np.minimum(np.searchsorted(cats, x_test), len(cats) - 1)
        known = cats[test_bin] == x_test
        votes = np.zeros((len(cats), len(classes)))
        np.add.at(votes, (fit_bin, cls_idx), weight[cls_idx])
        pred = np.full(len(x_test), np.nan)
        pred[known] = classes[np.argmax(votes, axis=1)][test_bin[known]]
        return pred
    order = np.argsort(x_fit, kind="stable")
    xs, cs = x_fit[order], cls_idx[order]
    n = len(xs)
    k = max(1, min(k, n))
    pred = np.empty(len(x_test))
    for c0 in range(0, len(x_test), _CHUNK):  # temporaries of _CHUNK × 2k values, whatever the size
        xt = x_test[c0:c0 + _CHUNK]
        pos = np.searchsorted(xs, xt)
        # the k nearest lie among the k values on either side of the insertion point
        window = pos[:, None] + np.arange(-k, k)[None, :]
        inside = (window >= 0) & (window < n)
        window = np.clip(window, 0, n - 1)
        dist = np.where(inside, np.abs(xs[window] - xt[:, None]), np.inf)
        nearest = np.take_along_axis(window, np.argsort(dist, axis=1, kind="stable")[:, :k], axis=1)
        votes = np.zeros((len(xt), len(classes)))
        np.add.at(votes, (np.repeat(np.arange(len(xt)), k), cs[nearest].ravel()), weight[cs[nearest].ravel()])
        pred[c0:c0 + _CHUNK] = classes[np.argmax(votes, axis=1)]
    return pred


def one_feature_accuracy(x: np.ndarray, y: np.ndarray, *, categorical: bool = False, neighbours: int = 10,
                         seed: int = 0) -> float:
    """Balanced accuracy of predicting ``y`` from ``x`` alone, two-fold cross-validated.

    The classifier predicts the class-balanced majority among the ``neighbours`` nearest values
    of ``x`` (or within the category, for a categorical ``x``); it is fitted on one random
    half and scored on the other, then the other way round. Balanced accuracy (the mean
    per-class recall) is 1/K for a property that says nothing and 1 for a perfect shortcut,
    whatever the class frequencies.
    """
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        return 0.0
    weight = 1.0 / counts
    order = np.random.default_rng(seed).permutation(len(x))
    halves = (order[: len(x) // 2], order[len(x) // 2:])
    correct = np.zeros(len(classes))
    seen = np.zeros(len(classes))
    for fit, test in (halves, halves[::-1]):
        pred = _fit_predict(x[fit], y[fit], x[test], classes, weight, categorical, neighbours)
        idx = np.searchsorted(classes, y[test])
        np.add.at(correct, idx, pred == y[test])
        np.add.at(seen, idx, 1)
    return float(np.mean(correct / np.maximum(seen, 1)))
