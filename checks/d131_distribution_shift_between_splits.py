"""Train and val differ: box size, box shape, image resolution or brightness shift between splits.

What it checks
    For train against each evaluation split (``val``, ``test``): the distribution of the
    boxes' relative size (square root of box area over image area), their aspect ratio
    (log width / height in pixels), the images' resolution (log of width × height) and, with
    ``--deep``, their mean brightness. Each pair is compared with a two-sample
    Kolmogorov-Smirnov test; a property is reported when the difference is both significant
    (p below ``alpha``) **and** large (the KS statistic D, the largest gap between the two
    cumulative distributions, at least ``min_d``). Images listed in both splits are left out
    (leakage is I108's business).

Why it matters
    Validation then measures another task than the one trained: objects three times smaller
    in val, pictures from another camera or another time of day. The val metrics are low
    for reasons the model cannot learn from train, and early stopping and model selection
    follow the wrong signal. A p-value alone says nothing here (thousands of boxes make any
    tiny difference "significant"), so the effect size decides.

Example
    Bad: ships_roboflow: train boxes cover a third of 640 px photos, ``validate/`` holds
    128×128 thumbnails whose ships fill the picture (size D = 0.98).
    Good: one pool of images split at random, or stratified by source: D stays near 0.1.

How to fix
    Re-split at random (or stratified by source/camera) so that every split samples the same
    distribution; if val is meant to differ (a new camera), say so and keep a val split that
    does not.
"""

import numpy as np

from preflight.findings import Hit
from preflight.registry import check

from ._distributions import box_properties, image_properties, ks_2samp, valid_box_rows

_BOX = {"size": "box size (relative to the image)", "aspect": "box aspect ratio"}
_IMG = {"resolution": "image resolution", "brightness": "image brightness"}


def _describe(prop, a, b):
    ma, mb = float(np.nanmedian(a)), float(np.nanmedian(b))
    if prop == "size":
        return f"median {ma:.3f} vs {mb:.3f} of the image side"
    if prop == "aspect":
        return f"median w/h {np.exp(ma):.2f} vs {np.exp(mb):.2f}"
    if prop == "resolution":
        return f"median {np.exp(ma) / 1e6:.2f} vs {np.exp(mb) / 1e6:.2f} M pixels"
    return f"median grey {ma:.0f} vs {mb:.0f}"


def _summary(hits):
    return f"train and {hits[0].split} differ in {len(hits)} properties: " + "; ".join(h.message for h in hits)


@check(
    "D131", "distribution-shift-between-splits", severity="warning",
    title="box size, shape, resolution or brightness differ between train and val/test",
    pathology="overfitting", summarize=_summary,
    remedy="re-split at random or stratified by source so every split samples the same distribution",
    thresholds={
        "min_d": (0.3, "KS D between two normals whose means differ by 0.8 standard deviations (Cohen's 'large' "
                  "effect, Cohen 1988) is 2Φ(0.4)−1 = 0.31; measured on the shared data: rsod train/val 0.03-0.07, "
                  "ships train/validate 0.65-1.0 (a different source)"),
        "alpha": (1e-3, "significance for about 8 tests per split pair (4 properties × 2 splits): 0.01 / 8 rounded down"),
        "min_n": (10, "below 10 values on a side the two-sample test has almost no power"),
    },
)
def distribution_shift_between_splits(ctx):
    t = distribution_shift_between_splits.check
    min_n, min_d, alpha = t.threshold("min_n"), t.threshold("min_d"), t.threshold("alpha")
    splits = ctx.cfg.splits
    if "train" not in splits:
        return
    splits_of = ctx.image_splits
    if hasattr(splits_of, "shared"):  # the columnar mapping: only the shared rows are looked at
        shared = {ctx.images.paths[r] for r in splits_of.shared().tolist()}
    else:
        shared = {img for img, sp in splits_of.items() if len(sp) > 1}
    values: dict[str, dict[str, np.ndarray]] = {}
    rows = valid_box_rows(ctx)
    if len(rows):
        # per source once, then per box by indexing (no Python loop over boxes)
        usable = np.asarray([s.image is not None and s.image not in shared for s in ctx.sources], bool)
        src_split = np.asarray([s.split for s in ctx.sources], dtype=object)
        rows = rows[usable[ctx.boxes.source[rows]]]
        box_split = src_split[ctx.boxes.source[rows]]
        props = box_properties(ctx, rows)
        for p in _BOX:
            values[p] = {sp: props[p][box_split == sp] for sp in splits}
    images = _split_images(ctx, splits, shared)
    for sp, imgs in images.items():
        ip = image_properties(ctx, imgs)
        for p in _IMG:
            values.setdefault(p, {})[sp] = ip[p]
    for other in (sp for sp in splits if sp != "train"):
        for prop, per_split in values.items():
            a = per_split.get("train", np.zeros(0))
            b = per_split.get(other, np.zeros(0))
            a, b = a[np.isfinite(a)], b[np.isfinite(b)]
            if len(a) < min_n or len(b) < min_n:
                continue
            d, p = ks_2samp(a, b)
            if d >= min_d and p < alpha:
                label = {**_BOX, **_IMG}[prop]
                yield Hit(f"{label}, train vs {other}: KS D = {d:.2f}, p = {p:.1g}; "
                          f"{_describe(prop, a, b)}; {len(a)} vs {len(b)} {'boxes' if prop in _BOX else 'images'}",
                          split=other, group=other,
                          data={"property": prop, "ks_d": round(d, 3), "p_value": float(f"{p:.3g}"),
                                "n_train": len(a), f"n_{other}": len(b),
                                "quantiles_train": np.round(np.quantile(a, [0.1, 0.5, 0.9]), 4).tolist(),
                                f"quantiles_{other}": np.round(np.quantile(b, [0.1, 0.5, 0.9]), 4).tolist()})


def _split_images(ctx, splits, shared):
    """split -> its images listed in no other split, in path order: rows of ``ctx.images`` (one
    sort of the samples' rows), or paths when some image is not in the table."""
    table = ctx.images
    slot = table.slot
    slots = np.fromiter((slot(s.image) for s in ctx.samples), np.int64, len(ctx.samples))
    if (slots < 0).any():
        return {sp: sorted({s.image for s in ctx.samples if s.split == sp and s.image not in shared}) for sp in splits}
    code = {sp: i for i, sp in enumerate(splits)}
    split = np.fromiter((code.get(s.split, -1) for s in ctx.samples), np.int64, len(ctx.samples))
    keep = np.ones(len(slots), bool)
    if shared:
        out_rows = np.fromiter((slot(p) for p in shared), np.int64, len(shared))
        keep &= ~np.isin(slots, out_rows)
    rank = table.path_rank()
    out = {}
    for sp, i in code.items():
        rows = np.unique(slots[keep & (split == i)])
        out[sp] = rows[np.argsort(rank[rows], kind="stable")]
    return out
