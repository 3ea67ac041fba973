"""Per-region shape moments of a label mask, for check M124 (per-class shape outliers).

For every 8-connected region of one value with at least :data:`MIN_AREA` pixels (the
:data:`MAX_REGIONS` largest of the mask), the reader keeps its value, area, centroid and the
two eigenvalues λ1 ≥ λ2 of its scale-normalized second-order central moments
(η_pq = μ_pq / area², the pixels taken as unit squares: each adds 1/12 to μ20 and μ02, so a
one-pixel-wide line has a finite λ2). Hu's first two invariants are h1 = λ1 + λ2 and
h2 = (λ1 − λ2)²; the eigenvalues carry the same information without the cancellation that
h1² − h2 suffers in float32 for thin shapes. They are invariant to translation, scale and
rotation, so one class's regions are comparable across images of any size.

The mask reader takes these rows from the labels its speckle count already made (one labelling
per value serves M123 and M124). The scan cache hashes ``masks.py`` (not this file): when what
these functions return changes, change the version tag on the line of ``masks.py`` that calls
``_morphology`` so cached facts are refreshed.
"""

from __future__ import annotations

import numpy as np

from .. import limits

__all__ = ["MAX_REGIONS", "MIN_AREA", "SHAPE_COLUMNS", "component_shapes", "largest", "region_shapes"]

#: Regions under 8×8 pixels are shapes of a few pixels whose moments follow the pixel grid
#: more than the object (and speckle is M123's finding).
MIN_AREA = 64
#: Regions kept per mask, largest first: VOC masks have 1-10 regions of 64+ pixels; 32 keeps
#: the facts of a noisy mask small (32 × 6 float32 = 768 bytes).
MAX_REGIONS = 32
#: the columns of :func:`region_shapes`' rows: class value, pixels, centroid, eigenvalues
SHAPE_COLUMNS = ("value", "area", "cx", "cy", "lambda1", "lambda2")
#: up to this many kept regions of one value, each region's box is found from its own pixels
#: (a pass over the value's box each); above it, one pass of cv2's per-label statistics
#: (~3x the labelling's cost) finds them all
_BOXES_ONE_BY_ONE = 4


def component_shapes(v: int, labels: np.ndarray, area: np.ndarray, left: int, top: int,
                     binary: np.ndarray | None = None) -> list[tuple[float, ...]]:
    """Rows ``SHAPE_COLUMNS`` of the MAX_REGIONS largest regions of MIN_AREA+ pixels among the
    8-connected ``labels`` of value ``v``'s pixels (``area[i]`` pixels with label i; label 0,
    the background, is never a region), labelled on the box whose top-left corner is
    (``left``, ``top``) in the mask.

    Given the labelled 0/1 ``binary`` itself, cut to the tight box of the value's pixels, one
    region (most values of a mask) is that binary: its moments are read off it directly, the
    same pixels on the same box as below. Otherwise each kept region's box comes from its own
    pixels (a label's box, then ``cv2.moments`` on that box alone), or from cv2's per-label
    statistics when more than a few regions are kept (one pass instead of one per region)."""
    import cv2

    n = len(area)
    if binary is not None and n == 2:
        return [_row(v, int(area[1]), cv2.moments(binary, binaryImage=True), left, top)] if area[1] >= MIN_AREA else []
    big = np.flatnonzero(area >= MIN_AREA)
    big = big[big > 0]
    if not len(big):
        return []
    keep = big[np.argsort(-area[big], kind="stable")][:MAX_REGIONS].tolist()
    stats = None
    if len(keep) > _BOXES_ONE_BY_ONE:
        _, _, stats, _ = cv2.connectedComponentsWithStats((labels > 0).view(np.uint8), connectivity=8)
        if len(stats) != n:  # pragma: no cover - cv2 labels in the same order; never trust a mismatch
            stats = None
    rows: list[tuple[float, ...]] = []
    for i in keep:
        if stats is not None:
            x, y, w, h = (int(s) for s in stats[i][:4])
        else:
            x, y, w, h = cv2.boundingRect((labels == i).view(np.uint8))
        m = cv2.moments((labels[y:y + h, x:x + w] == i).view(np.uint8), binaryImage=True)
        rows.append(_row(v, int(area[i]), m, left + x, top + y))
    return rows


def _row(v: int, pixels: int, m: dict[str, float], left: int, top: int) -> tuple[float, ...]:
    """One row ``SHAPE_COLUMNS`` from the moments ``m`` of a region's pixels on a box whose
    top-left corner is (``left``, ``top``) in the mask."""
    # central moments, each pixel a unit square (+1/12 per axis), normalized by area²
    a2 = float(pixels) ** 2
    e20 = (m["mu20"] + pixels / 12.0) / a2
    e02 = (m["mu02"] + pixels / 12.0) / a2
    e11 = m["mu11"] / a2
    half = (e20 + e02) / 2.0
    root = float(np.hypot((e20 - e02) / 2.0, e11))
    return (float(v), float(pixels), left + m["m10"] / m["m00"], top + m["m01"] / m["m00"],
            half + root, max(half - root, 1e-12))


def largest(rows: list[tuple[float, ...]]) -> np.ndarray:
    """The MAX_REGIONS largest of every value's rows, as the float32 array the facts keep."""
    rows.sort(key=lambda r: -r[1])
    return np.asarray(rows[:MAX_REGIONS], np.float32).reshape(-1, len(SHAPE_COLUMNS))


def region_shapes(a: np.ndarray, values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """float32 rows ``SHAPE_COLUMNS`` of the regions of index array ``a``, on their own.

    The mask reader gets the same rows from the labelling its speckle count already does
    (``masks._morphology`` calls :func:`component_shapes` on each value's labels); this
    stand-alone form labels each value (with MIN_AREA+ pixels in all) on the bounding box of
    its pixels itself. The per-file time budget is checked between values
    (:func:`preflight.limits.check`).
    """
    import cv2

    rows: list[tuple[float, ...]] = []
    for v, n in zip(values.tolist(), counts.tolist(), strict=True):
        if n < MIN_AREA:
            continue
        limits.check()
        binary = a == v
        rows_on, cols_on = np.flatnonzero(binary.any(axis=1)), np.flatnonzero(binary.any(axis=0))
        top, left = int(rows_on[0]), int(cols_on[0])
        crop = np.ascontiguousarray(binary[top:int(rows_on[-1]) + 1, left:int(cols_on[-1]) + 1]).view(np.uint8)
        k, labels = cv2.connectedComponents(crop, connectivity=8)
        rows.extend(component_shapes(v, labels, np.bincount(labels.ravel(), minlength=k), left, top))
    return largest(rows)
