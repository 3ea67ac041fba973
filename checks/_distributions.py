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

__all__ = ["FeatureKnn", "box_properties", "image_properties", "iter_box_properties", "ks_2samp", "one_feature_accuracy", "valid_box_rows"]


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
    return dict(iter_box_properties(ctx, rows))


def iter_box_properties(ctx: Any, rows: np.ndarray) -> Any:
    """:func:`box_properties` one at a time: (name, values), computed when asked for (a check
    that tests each in turn holds one array of a few million boxes, not four)."""
    b = ctx.boxes

    def wh() -> tuple[np.ndarray, np.ndarray]:
        return b.xyxy[rows, 2] - b.xyxy[rows, 0], b.xyxy[rows, 3] - b.xyxy[rows, 1]

    w, h = wh()
    yield "size", np.sqrt(w * h)
    yield "aspect", np.log((w * b.canvas[rows, 0]) / (h * b.canvas[rows, 1]))
    del w, h
    yield "x", (b.xyxy[rows, 0] + b.xyxy[rows, 2]) / 2
    yield "y", (b.xyxy[rows, 1] + b.xyxy[rows, 3]) / 2


def _log(x: np.ndarray) -> np.ndarray:
    """``math.log`` of each positive integer value (libm's, bit for bit: numpy's SIMD log may
    differ in the last bit), once per distinct value."""
    values, inverse = np.unique(x, return_inverse=True)
    return np.asarray([math.log(v) for v in values.tolist()], np.float64)[inverse.ravel()] if len(x) else np.zeros(0)


def _dirname(path: str) -> str:
    """``os.path.dirname``, by one C-level split where that gives the same answer (5x faster)."""
    head = path.rpartition("/")[0]
    return head if head and not head.endswith("/") and os.sep == "/" else os.path.dirname(path)


def _folder_codes(table: Any, slots: np.ndarray, paths: list[str] | None) -> np.ndarray:
    """Per image, a code of its parent folder, numbered in order of first appearance."""
    dirs = table.__dict__.get("_dir_codes")
    if dirs is None:  # every listed image's folder once per table
        seen: dict[str, int] = {}
        dirs = np.fromiter((seen.setdefault(_dirname(p), len(seen)) for p in table.paths), np.int64, len(table.paths))
        table.__dict__["_dir_codes"] = dirs
        table.__dict__["_n_dirs"] = len(seen)
    raw = np.where(slots >= 0, dirs[np.maximum(slots, 0)], -1)
    if paths is not None and (slots < 0).any():  # paths the table does not list
        other: dict[str, int] = {}
        base = table.__dict__["_n_dirs"]
        for k in np.flatnonzero(slots < 0).tolist():
            raw[k] = base + other.setdefault(os.path.dirname(paths[k]), len(other))
    if not len(raw):
        return np.zeros(0)
    uniq, first = np.unique(raw, return_index=True)
    rank = np.empty(len(uniq), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(uniq))
    return rank[np.searchsorted(uniq, raw)].astype(np.float64)


def image_properties(ctx: Any, images: list[str] | np.ndarray) -> dict[str, np.ndarray]:
    """Per-image properties (NaN where unknown); ``folder`` is a category code (the parent folder).

    ``images``: absolute paths, or rows of ``ctx.images`` (an int array), read from the table's
    columns at once."""
    t = ctx.images
    if isinstance(images, np.ndarray):
        slots, paths = images.astype(np.int64), None
    else:
        paths = list(images)
        slots = np.fromiter((t.slot(p) for p in paths), np.int64, len(paths))
    n = len(slots)
    r = np.maximum(slots, 0)
    have = (slots >= 0) & (t.present[r] if len(t.present) else np.zeros(n, bool))
    err = np.zeros(len(t.paths), bool)
    if t.errors:
        err[np.fromiter(t.errors, np.int64, len(t.errors))] = True
    nbytes = t.bytes[r] if len(t.bytes) else np.zeros(n, np.int64)
    fsize = np.full(n, math.nan)
    m = have & (nbytes > 0)
    fsize[m] = _log(nbytes[m])
    known = have & ~(err[r] if len(err) else np.zeros(n, bool)) & (t.width[r] >= 0) & (t.height[r] >= 0) if len(t.width) \
        else np.zeros(n, bool)
    rot = np.isin(t.orientation[r], (5, 6, 7, 8)) if len(t.orientation) else np.zeros(n, bool)
    w_int = np.where(rot, t.height[r], t.width[r]) if len(t.width) else np.zeros(n, np.int64)
    h_int = np.where(rot, t.width[r], t.height[r]) if len(t.width) else np.zeros(n, np.int64)
    width = np.where(known, w_int, 0).astype(np.float64)
    height = np.where(known, h_int, 0).astype(np.float64)
    width[~known] = math.nan
    height[~known] = math.nan
    res = np.full(n, math.nan)
    area = w_int * h_int
    m = known & (area > 0)
    res[m] = _log(area[m])
    bright = np.where(have, t.brightness[r], math.nan) if len(t.brightness) else np.full(n, math.nan)
    return {"file size": fsize, "width": width, "height": height, "resolution": res,
            "brightness": bright.astype(np.float64), "folder": _folder_codes(t, slots, paths)}


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


def _nearest_in_window(xs: np.ndarray, xt: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For each test value, the window of 2k sorted fit positions around its insertion point
    (the k nearest lie among the k values on either side) and a mask of the k nearest in it,
    as a stable sort of the window would take them, without the sort: every value closer than
    the k-th distance, then the first (in window order) of those at exactly it."""
    n = len(xs)
    pos = np.searchsorted(xs, xt)
    window = pos[:, None] + np.arange(-k, k)[None, :]
    inside = (window >= 0) & (window < n)
    window = np.clip(window, 0, n - 1)
    dist = np.where(inside, np.abs(xs[window] - xt[:, None]), np.inf)
    return window, _k_nearest(dist, k)


def _k_nearest(dist: np.ndarray, k: int) -> np.ndarray:
    """Per row, a mask of the ``k`` smallest distances as a stable sort would take them: every
    one under the k-th smallest, then the first (in row order) of those equal to it."""
    kth = np.partition(dist, k - 1, axis=1)[:, k - 1 : k]
    closer = dist < kth
    tie = dist == kth
    take = closer | tie
    need = k - closer.sum(axis=1)
    extra = np.flatnonzero(tie.sum(axis=1) > need)  # more equal distances than places: the first ones
    if len(extra):
        t = tie[extra]
        take[extra] = closer[extra] | (t & (np.cumsum(t, axis=1) <= need[extra, None]))
    return take


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
        # bincount adds in input order, as np.add.at does (same sums, bit for bit), ~20x faster
        votes = np.bincount(fit_bin * len(classes) + cls_idx, weights=weight[cls_idx],
                            minlength=len(cats) * len(classes)).reshape(len(cats), len(classes))
        pred = np.full(len(x_test), np.nan)
        pred[known] = classes[np.argmax(votes, axis=1)][test_bin[known]]
        return pred
    # the prediction is a function of the test value alone: computed once per distinct value
    # (image sizes, file sizes and box shapes repeat a lot in large datasets)
    # (and in increasing order, which keeps the searches and gathers below cache-friendly)
    values, inverse = np.unique(x_test, return_inverse=True)
    if len(values) < len(x_test) or np.any(x_test[1:] < x_test[:-1]):
        return _fit_predict(x_fit, y_fit, values, classes, weight, categorical, k)[inverse.ravel()]
    order = np.argsort(x_fit, kind="stable")
    xs, cs = x_fit[order], cls_idx[order]
    n = len(xs)
    k = max(1, min(k, n))
    pred = np.empty(len(x_test))
    for c0 in range(0, len(x_test), _CHUNK):  # temporaries of _CHUNK × 2k values, whatever the size
        xt = x_test[c0:c0 + _CHUNK]
        # the k nearest as a stable sort of the window takes them (see _nearest_in_window).
        # The votes of one class are equal weights, so their sum does not depend on the order.
        window, take = _nearest_in_window(xs, xt, k)
        near = cs[window[take]]
        votes = np.bincount(np.nonzero(take)[0] * len(classes) + near, weights=weight[near],
                            minlength=len(xt) * len(classes)).reshape(len(xt), len(classes))
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
        correct += np.bincount(idx, weights=pred == y[test], minlength=len(classes))
        seen += np.bincount(idx, minlength=len(classes))
    return float(np.mean(correct / np.maximum(seen, 1)))


class FeatureKnn:
    """:func:`one_feature_accuracy` for one property and many labellings: the two folds and each
    test value's neighbours (or category) are found once, then :meth:`accuracy` only votes.

    D133 tests each image property against all classes and then each class against the rest
    (11 labellings of the same values with 10 classes): the neighbour search was ~all of that
    time. Same folds, same neighbours, same votes: the accuracies are
    :func:`one_feature_accuracy`'s, bit for bit (``tests/test_knn_exact.py``).
    """

    def __init__(self, x: np.ndarray, *, categorical: bool = False, neighbours: int = 10, seed: int = 0) -> None:
        self.n = len(x)
        self.categorical = categorical
        order = np.random.default_rng(seed).permutation(len(x))
        halves = (order[: len(x) // 2], order[len(x) // 2:])
        self.folds = [(fit, test, self._neighbours(x[fit], x[test], neighbours)) for fit, test in (halves, halves[::-1])]

    def _neighbours(self, x_fit: np.ndarray, x_test: np.ndarray, k: int) -> tuple[Any, ...]:
        if self.categorical:
            cats = np.unique(x_fit)
            fit_bin = np.searchsorted(cats, x_fit)
            test_bin = np.minimum(np.searchsorted(cats, x_test), len(cats) - 1)
            known = cats[test_bin] == x_test if len(cats) else np.zeros(len(x_test), bool)
            return len(cats), fit_bin, test_bin, known
        values, inverse = np.unique(x_test, return_inverse=True)
        order = np.argsort(x_fit, kind="stable")
        xs = x_fit[order]
        n = len(xs)
        k = max(1, min(k, n))
        rows, nbrs = [], []
        for c0 in range(0, len(values), _CHUNK):  # as _fit_predict picks them
            xt = values[c0:c0 + _CHUNK]
            window, take = _nearest_in_window(xs, xt, k)
            rows.append(np.nonzero(take)[0].astype(np.int64) + c0)
            nbrs.append(order[window[take]])
        return len(values), inverse.ravel(), np.concatenate(rows), np.concatenate(nbrs)

    def accuracy(self, y: np.ndarray) -> float:
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            return 0.0
        weight = 1.0 / counts
        nc = len(classes)
        correct = np.zeros(nc)
        seen = np.zeros(nc)
        for fit, test, nb in self.folds:
            cls_idx = np.searchsorted(classes, y[fit])
            if self.categorical:
                ncat, fit_bin, test_bin, known = nb
                votes = np.bincount(fit_bin * nc + cls_idx, weights=weight[cls_idx], minlength=ncat * nc).reshape(ncat, nc)
                pred = np.full(len(test), np.nan)
                pred[known] = classes[np.argmax(votes, axis=1)][test_bin[known]]
            else:
                nv, inverse, rows, nbrs = nb
                near = cls_idx[nbrs]
                votes = np.bincount(rows * nc + near, weights=weight[near], minlength=nv * nc).reshape(nv, nc)
                pred = classes[np.argmax(votes, axis=1)][inverse]
            idx = np.searchsorted(classes, y[test])
            correct += np.bincount(idx, weights=pred == y[test], minlength=nc)
            seen += np.bincount(idx, minlength=nc)
        return float(np.mean(correct / np.maximum(seen, 1)))
