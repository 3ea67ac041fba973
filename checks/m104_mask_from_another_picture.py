"""Mask from another picture: its class boundaries do not follow the image's edges.

What it checks
    For every image with a mask, a coarse 64×64 map of where the mask's classes change is
    laid over a 64×64 map of the image's edge strength (both in normalized coordinates, so
    it works even when the sizes differ). The *alignment* is the mean edge strength under
    the boundaries divided by the mean under the same boundaries flipped and shifted by
    1/16 of the picture: a mask drawn on this picture scores clearly above 1, a mask from
    another picture scores about 1. Pairs scoring below ``pair_alignment`` are listed; the
    finding is an error when most pairs of the dataset score low (images and masks from two
    sources, paired by file name), a warning when only some do.

Why it matters
    The model is asked to find aeroplanes in office scenes: nothing it sees predicts its
    targets, so it learns the class prior and the loss stays high, or it memorizes. Nothing
    crashes and the file names all match, so it goes unnoticed.

Example
    Bad: ``voc2012_resized_jpgs``: official VOC masks (an aeroplane and people) paired by
    file name with 640×480 office pictures of the same names (alignment ≈ 1.0).
    Good: ``voc2012_clean``: the same masks with their VOC photos (alignment 1.33 and 1.47).

How to fix
    Pair masks and images from the same source, by the original ids; overlay a few pairs
    (``cv2.addWeighted``) to confirm.
"""

import numpy as np

from preflight.findings import Finding, Severity
from preflight.registry import check

from ._mask_stats import mask_samples, readable


def alignment(edges: np.ndarray, boundary: np.ndarray) -> float | None:
    """Edge strength under the boundaries over that under flipped/shifted copies; None if unknowable."""
    out = alignments(edges[None], boundary[None])[0]
    return None if np.isnan(out) else float(out)


def alignments(edges: np.ndarray, boundary: np.ndarray) -> np.ndarray:
    """:func:`alignment` of a stack of (n, g, g) maps at once (NaN where unknowable).

    The references are the boundaries flipped (3 ways) and shifted by k cells (8 ways, the
    overlapping part only); einsum over views keeps it to one pass per reference.
    """
    e = edges.astype(np.float32)
    b = boundary.astype(np.float32)
    k = max(2, e.shape[1] // 16)

    def score(ev: np.ndarray, bv: np.ndarray) -> np.ndarray:
        return np.einsum("nij,nij->n", ev, bv) / np.maximum(bv.sum(axis=(1, 2)), 1e-9)

    refs = [score(e, b[:, ::-1]), score(e, b[:, :, ::-1]), score(e, b[:, ::-1, ::-1])]
    for dy, dx in ((k, 0), (-k, 0), (0, k), (0, -k), (k, k), (-k, -k), (k, -k), (-k, k)):
        ys_e, ys_b = (slice(dy, None), slice(None, -dy)) if dy > 0 else ((slice(None, dy), slice(-dy, None)) if dy < 0 else (slice(None), slice(None)))
        xs_e, xs_b = (slice(dx, None), slice(None, -dx)) if dx > 0 else ((slice(None, dx), slice(-dx, None)) if dx < 0 else (slice(None), slice(None)))
        refs.append(score(e[:, ys_e, xs_e], b[:, ys_b, xs_b]))
    mass = b.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = np.mean(refs, axis=0)
        out = score(e, b) / ref
    flat = e.reshape(len(e), -1).std(axis=1) <= 1e-6
    return np.where((mass > 0) & ~flat & (ref > 0), out, np.nan)


@check(
    "M104", "mask-from-another-picture", severity="error", title="mask does not follow its image's edges",
    pathology="training_failure",
    remedy="pair masks and images from the same source by their original ids; overlay a few to confirm",
    thresholds={
        "pair_alignment": (1.1, "measured on shared/data/voc_masks: the 5 true pairs (voc2012_clean, "
                           "labelme_export) score 1.33-1.86, 46 of the 54 mismatched pairs of "
                           "voc2012_resized_jpgs score below 1.1 (median 0.97)"),
        "systematic_share": (0.5, "more than half the pairs low is no longer weak edges in a few pictures "
                             "but two sources paired by name: an error"),
        "min_pairs": (2, "one low pair alone is a warning at most: a picture with weak edges (fog, "
                      "flat medical slices) scores low on its own"),
    },
)
def mask_from_another_picture(ctx):
    t = mask_from_another_picture.check
    edges = ctx.__dict__.get("image_edges") or {}
    t_low = t.threshold("pair_alignment")
    todo = []
    for m in mask_samples(ctx):
        f, e = m.facts, edges.get(m.image)
        if readable(f) and f.boundary is not None and e is not None and e.edges is not None and e.edges.shape == f.boundary.shape:
            todo.append((m, e.edges, f.boundary))
    if not todo:
        return
    scores = alignments(np.stack([t[1] for t in todo]), np.stack([t[2] for t in todo]))
    ok = ~np.isnan(scores)
    scored = scores[ok].tolist()
    low = [(float(a), t[0]) for a, t, good in zip(scores, todo, ok, strict=True) if good and a < t_low]
    if not low:
        return
    share = len(low) / len(scored)
    systematic = len(low) >= t.threshold("min_pairs") and share > t.threshold("systematic_share")
    low.sort(key=lambda x: (x[0], x[1].mask))
    examples = [{"path": ctx.rel(m.mask), "split": m.split, "message": f"alignment {a:.2f} with {ctx.rel(m.image)}"}
                for a, m in low[:20]]
    if systematic:
        msg = (f"{len(low)} of {len(scored)} masks do not follow the edges of their images (median alignment "
               f"{float(np.median(scored)):.2f}; a mask drawn on its picture scores ≥ {t.threshold('pair_alignment')}): "
               "images and masks look like two different sources paired by file name")
    else:
        msg = (f"{len(low)} of {len(scored)} masks barely follow the edges of their images (alignment "
               f"{low[0][0]:.2f} for {ctx.rel(low[0][1].mask)}): check that they belong to these pictures")
    yield Finding(
        code="M104", severity=Severity.ERROR if systematic else Severity.WARNING, title=t.title, message=msg,
        path=examples[0]["path"] if len(low) == 1 else None, count=len(low), examples=examples,
        data={"scored": len(scored), "low": len(low), "median_alignment": round(float(np.median(scored)), 3),
              "alignments": {ctx.rel(m.mask): round(a, 3) for a, m in low[:200]}},
    )
