"""Duplicate images in a split: the same bytes stored under two names.

What it checks
    Images of one split whose content hashes (blake2b of the file bytes) are equal.

Why it matters
    A duplicated picture counts twice in every epoch: its objects weigh double in the loss,
    and when the copies carry different labels (see I109) the model is asked to learn both.

Example
    Bad: ``images/train/aircraft_119.jpg`` and ``images/train/aircraft_1023.jpg`` are the same file.
    Good: every file in a split has its own content.

How to fix
    Keep one copy (and merge its labels); ``preflight data --format json`` lists the pairs.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check


@check(
    "I106", "duplicate-images", severity="warning", title="same image twice in a split",
    pathology="overfitting", remedy="keep one copy of each picture and merge its labels",
)
def duplicate_images(ctx):
    # columns, not a list per content hash: one sort groups a million images by (split, sha)
    # in O(n log n) (the per-group list this replaces was quadratic in a group's size)
    table = ctx.images
    rows = ctx.sample_image_rows
    sha = table.sha_keys()
    key = np.where(rows >= 0, sha[np.maximum(rows, 0)], -1)
    ok = np.flatnonzero(key >= 0)  # samples whose image has facts, a sha and no error
    if len(ok) < 2:
        return
    split_names = list(dict.fromkeys(s.split for s in ctx.samples))
    split_code = {sp: i for i, sp in enumerate(split_names)}
    samples = ctx.samples
    split = np.fromiter((split_code[samples[k].split] for k in ok.tolist()), np.int64, len(ok))
    group = split * (int(key.max()) + 1) + key[ok]
    img = rows[ok]
    # one entry per (group, image), at its first listing
    order = np.lexsort((np.arange(len(ok)), img, group))
    g, im = group[order], img[order]
    first = np.r_[True, (g[1:] != g[:-1]) | (im[1:] != im[:-1])]
    g, im, at = g[first], im[first], order[first]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, len(g)])
    dup = np.flatnonzero(sizes >= 2)
    if not len(dup):
        return
    # groups in the order their first image was listed; images in a group by path (table rows
    # are sorted by path)
    group_first = np.minimum.reduceat(at, starts)[dup]
    for gi in dup[np.argsort(group_first, kind="stable")].tolist():
        a, n = int(starts[gi]), int(sizes[gi])
        members = sorted(table.paths[r] for r in im[a : a + n].tolist())
        sp = split_names[int(g[a]) // (int(key.max()) + 1)]
        first_path = ctx.rel(members[0])
        for other in members[1:]:
            yield Hit(f"same bytes as {first_path}", path=ctx.rel(other), split=sp)
