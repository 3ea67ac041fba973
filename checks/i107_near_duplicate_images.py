"""Near-duplicate images in a split (``--deep``): the same picture re-encoded, resized or lightly edited.

What it checks
    With ``--deep``, every image gets a 64-bit perceptual hash (DCT of a 32×32 grey
    thumbnail, each cell the exact mean of its area, 8×8 low frequencies against their median). Two images of one split whose hashes
    differ in at most ``max_distance`` bits, and whose bytes differ, are reported.

Why it matters
    Re-saved, resized or watermarked copies inflate a split as exact duplicates do, and
    they slip past byte hashes. Across splits they leak (see I108).

Example
    Bad: ``frame_0100.jpg`` and ``frame_0101.jpg`` from a video at 30 fps.
    Good: frames sampled seconds apart, or near-copies removed.

How to fix
    Keep one image per group, or sample video frames further apart.
"""

import numpy as np

from preflight.findings import Hit
from preflight.geometry import near_pairs
from preflight.registry import check


@check(
    "I107", "near-duplicate-images", severity="warning", title="near-duplicate images in a split",
    pathology="overfitting", remedy="keep one image of each group, or sample video frames further apart",
    thresholds={"max_distance": (6, "Hamming distance on a 64-bit DCT hash; 6 keeps re-encodes and resizes "
                "(measured ≤ 2 on JPEG quality 50 / 0.5× resize of the 139 RSOD test images) and stays under "
                "the distances between different aerial scenes of RSOD (≥ 16 measured)")},
)
def near_duplicate_images(ctx):
    if not ctx.deep:
        return
    limit = near_duplicate_images.check.threshold("max_distance")
    per_split: dict[str, dict[str, tuple[str, int, str]]] = {}
    for s in ctx.samples:
        f = ctx.images.get(s.image)
        if f is not None and f.phash is not None:
            per_split.setdefault(s.split, {}).setdefault(s.image, (s.image, f.phash, f.sha or ""))
    for split, by_image in per_split.items():
        items = sorted(by_image.values())
        hashes = np.asarray([h for _, h, _ in items], dtype=np.uint64)
        for i, j, d in zip(*near_pairs(hashes, limit), strict=True):
            a, b = items[i], items[j]
            if a[2] != b[2]:  # byte-identical copies are I106's
                yield Hit(f"looks like {ctx.rel(a[0])} ({int(d)} of 64 hash bits differ)", path=ctx.rel(b[0]), split=split)
