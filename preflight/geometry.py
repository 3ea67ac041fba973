"""Small numeric helpers shared by checks: IoU, box sizes, name normalization."""

from __future__ import annotations

import re

import numpy as np

__all__ = ["iou_matrix", "name_key", "near_pairs", "pair_iou", "pairs_within", "popcount64"]


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU between every box of ``a`` (n, 4) and ``b`` (m, 4), both XYXY."""
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(a[:, 3] - a[:, 1], 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


_SEP = re.compile(r"[\s_\-./]+")


def name_key(name: str) -> str:
    """A class name reduced to what people mean: case, separators and a plural 's' removed.

    ``"Traffic-Light"``, ``"traffic_lights"`` and ``" traffic light "`` all become ``"trafficlight"``.
    """
    key = _SEP.sub("", name.strip().lower())
    if key.endswith("ies") and len(key) > 4:
        key = key[:-3] + "y"
    elif key.endswith(("ses", "xes", "ches", "shes")) and len(key) > 4:
        key = key[:-2]
    elif key.endswith("s") and not key.endswith("ss") and len(key) > 3:
        key = key[:-1]
    return key


def pairs_within(groups: np.ndarray, chunk_pairs: int = 2_000_000):
    """Yield (i, j) arrays of row indices, i < j, for every pair of rows in the same group.

    Vectorized per group size (all groups of k rows at once), in chunks of at most
    ``chunk_pairs`` pairs so memory stays bounded for images with thousands of boxes.
    """
    if groups.size < 2:
        return
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    for k in np.unique(sizes[sizes >= 2]):
        ti, tj = np.triu_indices(int(k), 1)
        group_starts = starts[sizes == k]
        per_chunk = max(1, chunk_pairs // len(ti))
        for c in range(0, len(group_starts), per_chunk):
            base = group_starts[c : c + per_chunk, None]
            yield order[(base + ti).ravel()], order[(base + tj).ravel()]


def pair_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of a[k] with b[k] for every k (both (n, 4) XYXY)."""
    x1 = np.maximum(a[:, 0], b[:, 0])
    y1 = np.maximum(a[:, 1], b[:, 1])
    x2 = np.minimum(a[:, 2], b[:, 2])
    y2 = np.minimum(a[:, 3], b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(a[:, 3] - a[:, 1], 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    union = area_a + area_b - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def popcount64(x: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 (Hamming distance of XORed hashes): numpy's own popcount (2.0+,
    ~80× faster; most of D125's time on a large dataset), else a 16-bit lookup table."""
    x = np.ascontiguousarray(x, dtype=np.uint64)
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).astype(np.int64)
    # the table is built on first use only: at import it cost 12-20 ms of every start-up
    pop16 = np.unpackbits(np.arange(1 << 16, dtype=">u2").view(np.uint8)).reshape(-1, 16).sum(axis=1, dtype=np.uint8)
    return pop16[x.view(np.uint16).reshape(-1, 4)].sum(axis=1, dtype=np.int64)


def near_pairs(hashes: np.ndarray, max_distance: int, max_bucket: int = 5000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, distance) of every pair i < j of 64-bit hashes at most ``max_distance`` bits apart.

    Pigeonhole: cut the hash into ``max_distance + 1`` disjoint chunks; two hashes that close
    agree on at least one chunk, so only pairs sharing a chunk value are compared. A chunk value
    shared by more than ``max_bucket`` hashes (a flat texture) is not expanded.
    """
    h = np.ascontiguousarray(hashes, dtype=np.uint64)
    n = len(h)
    found: list[np.ndarray] = []
    width = 64 // (max_distance + 1)
    mask = np.uint64((1 << width) - 1)
    for c in range(max_distance + 1):
        chunk = ((h >> np.uint64(c * width)) & mask).astype(np.int64)
        values, counts = np.unique(chunk, return_counts=True)
        shared = np.isin(chunk, values[(counts >= 2) & (counts <= max_bucket)])
        groups = np.where(shared, chunk, -1 - np.arange(n))  # lone hashes get groups of their own
        for i, j in pairs_within(groups):
            d = popcount64(h[i] ^ h[j])
            close = d <= max_distance
            found.append(np.minimum(i, j)[close] * n + np.maximum(i, j)[close])
    if not found:
        z = np.zeros(0, np.int64)
        return z, z, z
    keys = np.unique(np.concatenate(found))
    i, j = keys // n, keys % n
    return i, j, popcount64(h[i] ^ h[j])
