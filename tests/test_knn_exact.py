"""The one-property k-NN of D131/D133 (checks/_distributions.py) picks the same neighbours as a
stable sort of each window did, ties included: its predictions equal the sorting version's."""

import numpy as np
from preflight.checks._distributions import _fit_predict


def _sorted_reference(x_fit, y_fit, x_test, classes, weight, k):
    cls_idx = np.searchsorted(classes, y_fit)
    order = np.argsort(x_fit, kind="stable")
    xs, cs = x_fit[order], cls_idx[order]
    n = len(xs)
    k = max(1, min(k, n))
    pos = np.searchsorted(xs, x_test)
    window = pos[:, None] + np.arange(-k, k)[None, :]
    inside = (window >= 0) & (window < n)
    window = np.clip(window, 0, n - 1)
    dist = np.where(inside, np.abs(xs[window] - x_test[:, None]), np.inf)
    nearest = np.take_along_axis(window, np.argsort(dist, axis=1, kind="stable")[:, :k], axis=1)
    votes = np.zeros((len(x_test), len(classes)))
    np.add.at(votes, (np.repeat(np.arange(len(x_test)), k), cs[nearest].ravel()), weight[cs[nearest].ravel()])
    return classes[np.argmax(votes, axis=1)]


def test_knn_predictions_equal_the_stable_sort_version():
    rng = np.random.default_rng(0)
    for trial in range(300):
        n = int(rng.integers(2, 2000))
        x = [rng.integers(0, 20, n).astype(float), rng.normal(size=n), np.round(rng.normal(size=n), 1)][trial % 3]
        y = rng.integers(0, int(rng.integers(2, 6)), n).astype(float)
        classes, counts = np.unique(y, return_counts=True)
        half = n // 2
        k = int(rng.integers(1, 12))
        want = _sorted_reference(x[:half], y[:half], x[half:], classes, 1.0 / counts, k)
        got = _fit_predict(x[:half], y[:half], x[half:], classes, 1.0 / counts, False, k)
        assert np.array_equal(got, want), trial


def test_feature_knn_accuracies_equal_one_feature_accuracy():
    from preflight.checks._distributions import FeatureKnn, one_feature_accuracy

    rng = np.random.default_rng(1)
    for trial in range(120):
        n = int(rng.integers(2, 1500))
        categorical = trial % 4 == 3
        x = [rng.integers(0, 30, n).astype(float), rng.normal(size=n), np.round(rng.normal(size=n), 1),
             rng.integers(0, 7, n).astype(float)][trial % 4]
        y = rng.integers(0, int(rng.integers(1, 6)), n).astype(float)
        knn = FeatureKnn(x, categorical=categorical, neighbours=10)
        assert knn.accuracy(y) == one_feature_accuracy(x, y, categorical=categorical, neighbours=10), trial
        for c in np.unique(y):
            one = (y == c).astype(np.float64)
            assert knn.accuracy(one) == one_feature_accuracy(x, one, categorical=categorical, neighbours=10), trial


def test_d133_box_properties_are_tested_on_a_per_class_sample(tmp_path):
    """Over max_boxes_per_class boxes of a class, D133 votes on a seeded sample of each class:
    a real shortcut is still found, the message says how many boxes were tested."""
    import importlib

    from casekit import build_dataset

    from preflight.engine import audit_data

    d133 = importlib.import_module("preflight.checks.d133_property_predicts_class")
    y = np.repeat([0, 1, 2], [5000, 1500, 30])
    idx = np.arange(len(y))[::-1].copy()  # positions in any order
    got = d133._per_class_sample(idx, y, 2000)
    assert np.array_equal(np.bincount(y[got]), [2000, 1500, 30])  # small classes whole
    assert np.all(np.diff(np.searchsorted(-idx, -got)) > 0)  # in the original order
    assert np.array_equal(got, d133._per_class_sample(idx, y, 2000))  # seeded
    assert d133._per_class_sample(idx, y, 5000) is idx

    spec: dict = {"data": {"names": ["small", "large"]}, "files": {}}
    rows = "".join(f"0 {0.1 + 0.08 * i:.2f} 0.2 0.04 0.04\n1 {0.1 + 0.08 * i:.2f} 0.7 0.3 0.3\n" for i in range(10))
    for i in range(250):  # 2,500 boxes a class; both classes in every image
        spec["files"][f"images/train/{i:04d}.png"] = {"image": [64, 64], "seed": i, "format": "png"}
        spec["files"][f"labels/train/{i:04d}.txt"] = rows
    data = build_dataset(tmp_path / "ds", spec)
    result, _ = audit_data(data, jobs=1, use_cache=False, select=["D133"])
    (f,) = result.findings
    assert "box size alone tells small, large apart (100% balanced accuracy, a sample of 4000 of 5000 boxes)" in f.message
