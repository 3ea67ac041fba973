"""Leakage between splits: the same image in train and in val or test.

What it checks
    Images listed in two splits (the same path), and images of different splits with the
    same bytes (content hash). One finding per pair of splits.

Why it matters
    The model is validated on pictures it trained on: validation metrics rise, early
    stopping and model selection trust them, and the real error rate stays unknown.

Example
    Bad: ``val: images/train`` (the whole train set is the val set), or ``aircraft_726.jpg``
    byte-identical in ``JPEGImages-trainval/`` (val) and ``JPEGImages-test/`` (test).
    Good: every picture belongs to exactly one split.

How to fix
    Split by source (scene, video, patient) first, then remove each duplicate from all but
    one split.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check

ORDER = {"train": 0, "val": 1, "test": 2}


def _summary(hits):
    same_path = sum(1 for h in hits if h.data and h.data.get("same_path"))
    a, b = hits[0].group.split("/")
    kind = "the same files" if same_path == len(hits) else ("byte-identical copies" if same_path == 0 else "the same or identical files")
    return f"{len(hits)} images of {b} are also in {a} ({kind}); first: {hits[0].path}: {hits[0].message}"


@check(
    "I108", "split-leakage", severity="error", title="same image in two splits (leakage)",
    pathology="overfitting", summarize=_summary,
    remedy="split by source first, then keep each picture in exactly one split",
)
def split_leakage(ctx):
    # only images that can leak are looked at: those whose content hash (or, without one, path)
    # is listed in two splits; found with the columns, not a dict of every image
    rows = ctx.sample_image_rows
    sha = ctx.images.sha_keys()
    key = np.where(rows >= 0, sha[np.maximum(rows, 0)], -1)
    samples = ctx.samples
    split_names = list(dict.fromkeys(s.split for s in samples))
    if len(split_names) < 2:
        return
    code = {sp: i for i, sp in enumerate(split_names)}
    split = np.fromiter((code[s.split] for s in samples), np.int64, len(samples))
    # samples without a usable hash are keyed by path: their image row (or their own index)
    no_sha = key < 0
    slots = np.fromiter((ctx.images.slot(s.image) if n else 0 for s, n in zip(samples, no_sha.tolist(), strict=True)),
                        np.int64, len(samples))
    nkey = int(key.max()) + 1 if len(key) else 0
    unlisted = no_sha & (slots < 0)
    gkey = np.where(no_sha, nkey + np.where(unlisted, 0, slots), key)
    if unlisted.any():  # paths the table does not list: a code per distinct path
        paths = {}
        extra = [paths.setdefault(samples[k].image, len(paths)) for k in np.flatnonzero(unlisted).tolist()]
        gkey[unlisted] = nkey + len(ctx.images.paths) + np.asarray(extra, np.int64)
    order = np.lexsort((split, gkey))
    g, sp = gkey[order], split[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, np.int64)
    multi = np.add.reduceat((np.r_[False, (g[1:] == g[:-1]) & (sp[1:] != sp[:-1])]).astype(np.int64), starts) > 0 \
        if len(g) else np.zeros(0, bool)
    leaking = set(g[starts[multi]].tolist())
    if not leaking:
        return
    by_sha: dict[int, dict[str, str]] = {}
    for k in np.flatnonzero(np.isin(gkey, np.fromiter(leaking, np.int64, len(leaking)))).tolist():
        s = samples[k]
        by_sha.setdefault(int(gkey[k]), {}).setdefault(s.split, s.image)
    for splits in by_sha.values():
        if len(splits) < 2:
            continue
        names = sorted(splits, key=lambda x: (ORDER.get(x, 9), x))
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                same = splits[a] == splits[b]
                msg = f"listed in {a} and {b}" if same else f"same bytes as {ctx.rel(splits[a])} ({a})"
                yield Hit(msg, path=ctx.rel(splits[b]), split=b, group=f"{a}/{b}", data={"same_path": same})
