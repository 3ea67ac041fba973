"""Segmentation masks: one label PNG per image, read as class indices, summarized into facts.

What a mask reader must get right, and how this one does it:

- A palette PNG (Pillow mode ``P``, Pascal VOC's format) is read as its *indices*; the colours
  are what ``cv2.imread`` returns, and training on those is the bug. Grey 8- and 16-bit PNGs
  are read as values. RGB colour masks are recognized as such; when every colour is a Pascal
  VOC palette entry they are mapped back to indices, so the value checks still work.
- The container is told from the bytes, not the suffix: a JPEG saved as ``.png`` is a JPEG.
- Everything the checks need comes out of one decode: the value histogram (one
  ``np.bincount`` pass), the pixels that sit on a *ramp* (strictly between their two
  neighbours: what bilinear resizing and JPEG ringing create, and what a real class boundary
  never does), and a coarse map of where the class boundaries are (for the "mask from
  another picture" test, compared with :func:`read_image_edges` of the paired image).
- Memory is bounded: files over :data:`MAX_MASK_BYTES` and pictures over
  :data:`MAX_MASK_PIXELS` are refused from their header (a finding, never a decode), and the
  colour mapping and neighbour statistics run over strips of :data:`STRIP_ROWS` rows, so
  beyond the decoded picture and one index byte a pixel, temporaries stay a few MB whatever the
  mask's size.
- Work is bounded: the per-value component counts (speckles, M123) run over each value's
  bounding box, and only while the boxes add up to :data:`MORPH_MAX_WORK` pixels; a mask over
  that (or over :data:`MORPH_MAX_PIXELS` / :data:`MORPH_MAX_VALUES`) keeps every other fact and
  says why in ``morph_skipped``. The reader checks the per-file time budget between its steps
  (:func:`preflight.limits.check`).
- A bad file gives facts with ``error``; the reader never raises.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .. import limits
from ._fs import FileProblem, read_bounded
from .mask_shapes import MIN_AREA, component_shapes, largest

__all__ = [
    "BOUNDARY_GRID",
    "MAX_MASK_BYTES",
    "MAX_MASK_PIXELS",
    "MORPH_MAX_WORK",
    "EdgeFacts",
    "MaskFacts",
    "read_image_edges",
    "read_mask",
    "voc_palette",
]

#: A 8192² 8-bit mask compresses to a few MB; 256 MB leaves room for noisy 16-bit ones.
MAX_MASK_BYTES = 256 * 1024 * 1024
#: Decoding allocates width × height × channels × bytes per sample at once (Pillow has no
#: strip decoder for PNG): 2**26 = 67 M pixels (8192²) is 64 MB for an index mask, 192 MB for
#: an RGB one. The largest common segmentation tiles are well below (Cityscapes 2048×1024,
#: DeepGlobe 2448², Inria aerial 5000²); larger masks are reported, not decoded.
MAX_MASK_PIXELS = 1 << 26
#: Rows per strip for the neighbour statistics: temporaries of a few arrays of
#: STRIP_ROWS × width bytes (4 MB at width 8192); only the boundary map (1 byte per pixel,
#: pooled at the end) is held whole.
STRIP_ROWS = 512
#: Side of the coarse boundary / edge maps compared by M104. 64 cells give 8 px cells on a
#: 500 px VOC image, fine enough to see whether boundaries follow edges (measured on
#: voc_masks: the true pairs and the mismatched pairs separate the same at 48, 64 and 96).
BOUNDARY_GRID = 64
#: Connected components need a whole int32 label image (4 bytes per pixel) per class value:
#: 2**22 pixels (4 M, e.g. 2048×2048) is 16 MB of labels; larger masks skip the morphology
#: facts (``morph`` stays None) rather than break the memory bound. Cityscapes
#: (2048×1024 = 2 M) and every VOC/ADE20K/COCO-stuff mask are below.
MORPH_MAX_PIXELS = 1 << 22
#: Component statistics are computed for at most this many distinct values per mask (a mask
#: with more is noise or a 16-bit instance map, which other checks report).
MORPH_MAX_VALUES = 64
#: Pixels the component counts may label per mask: the sum of the values' bounding-box areas
#: (each value is labelled inside its box). A real mask's classes sit in parts of the picture:
#: the 62 VOC masks in shared/data sum to 1.05-3.6× their pixels (median 1.9×). 2**25 (32 M)
#: passes a 2048×1024 Cityscapes mask unless over 16 of its classes each span the whole
#: picture, and bounds the worst case, 8 values of noise over a 2048² mask, to 0.24 s on one
#: quiet core (~1 s busy); before, every value was labelled over the whole mask: 1.7 s for 64
#: values of noise, 0.9 s for 8. Over it, ``morph`` is None and ``morph_skipped`` says why
#: (M123 lists such masks as not judged).
MORPH_MAX_WORK = 1 << 25

_PNG_SIG = b"\x89PNG\r\n\x1a\n"


def voc_palette(n: int = 256) -> np.ndarray:
    """The Pascal VOC colour map (``(n, 3)`` uint8): index i ↔ colour, bit-interleaved."""
    cmap = np.zeros((n, 3), np.uint8)
    for i in range(n):
        c, r, g, b = i, 0, 0, 0
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        cmap[i] = (r, g, b)
    return cmap


_VOC = voc_palette()


@dataclass(slots=True)
class MaskFacts:
    """One mask file. Values are class ids as a training pipeline that reads it right sees them."""

    bytes: int
    #: why the mask cannot be used at all; None if it was read
    error: str | None = None
    #: container from the bytes: "PNG", "JPEG", "BMP", "TIFF", ...
    format: str | None = None
    #: Pillow mode as stored: "P", "L", "I;16", "RGB", "RGBA", "LA", "1", ...
    mode: str | None = None
    width: int | None = None
    height: int | None = None
    #: bits per sample: 8 or 16 (1 for bilevel)
    bit_depth: int | None = None
    #: "index" (palette or grey values), "rgb" (colours), "rgb_voc" (colours of the VOC
    #: palette, mapped back to indices), "float" (a float image)
    kind: str | None = None
    #: palette masks: the palette is the Pascal VOC colour map (for the entries used)
    voc_palette: bool | None = None
    #: the file has an alpha channel (RGBA, LA, PA, or a tRNS transparency)
    alpha: bool = False
    #: alpha values other than fully opaque occur
    alpha_used: bool = False
    #: distinct colours of an RGB mask that is not on the VOC palette
    colours: int | None = None
    #: value histogram: sorted distinct values and their pixel counts (None: unknown, e.g. RGB)
    values: np.ndarray | None = None
    counts: np.ndarray | None = None
    #: pixels strictly between their left/right or upper/lower neighbours, per value (sparse,
    #: like values/counts): the footprint of interpolation (bilinear resize) and ringing
    ramp_values: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ramp_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    #: BOUNDARY_GRID² map of boundary density (0..255): where neighbouring values differ
    boundary: np.ndarray | None = None
    #: per value, int64 rows (value, components, speckles, speckle pixels): 8-connected regions
    #: of that value, and those with no pixel left after a 1-pixel (3×3) erosion; None when the
    #: mask is over MORPH_MAX_PIXELS, has over MORPH_MAX_VALUES values, or its values' bounding
    #: boxes add up to over MORPH_MAX_WORK pixels (``morph_skipped`` says which)
    morph: np.ndarray | None = None
    #: per region of 64+ pixels, float32 rows mask_shapes.SHAPE_COLUMNS (for M124); None as morph
    shapes: np.ndarray | None = None
    #: why ``morph`` is None for a decoded mask (one line naming the cap), else None
    morph_skipped: str | None = None

    @property
    def pixels(self) -> int:
        return int(self.width or 0) * int(self.height or 0)

    def hist(self) -> dict[int, int]:
        if self.values is None or self.counts is None:
            return {}
        return {int(v): int(c) for v, c in zip(self.values, self.counts, strict=True)}

    def ramps(self) -> dict[int, int]:
        return {int(v): int(c) for v, c in zip(self.ramp_values, self.ramp_counts, strict=True)}


@dataclass(slots=True)
class EdgeFacts:
    """A coarse edge-strength map of one image (for M104), in its displayed orientation."""

    error: str | None = None
    #: BOUNDARY_GRID² mean gradient magnitude, float16
    edges: np.ndarray | None = None


def _sniff(data: bytes) -> str | None:
    if data.startswith(_PNG_SIG):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"BM"):
        return "BMP"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data.startswith(_PNG_SIG) and len(data) >= 24 and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    return None


def _sparse(hist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    nz = np.flatnonzero(hist)
    return nz.astype(np.int64), hist[nz].astype(np.int64)


def _neighbour_stats(a: np.ndarray, nbins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Histogram, ramp histogram and boundary map of an index array, strip by strip.

    A pixel is on a *ramp* when its value lies strictly between its two horizontal (or two
    vertical) neighbours: 0 | 7 | 15 after a bilinear resize. Nearest-neighbour masks never
    have one except where a one-pixel-wide region sits between two classes whose ids bracket
    its own, which is rare and small. A pixel is on a *boundary* when a 4-neighbour differs
    (3×3 cross dilation ≠ erosion).
    """
    import cv2

    h, w = a.shape
    hist = np.zeros(nbins, np.int64)
    ramp = np.zeros(nbins, np.int64)
    boundary = np.empty((h, w), np.uint8)
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    for y0 in range(0, h, STRIP_ROWS):
        limits.check()
        y1 = min(h, y0 + STRIP_ROWS)
        strip = a[y0:y1]
        if nbins == 256:  # calcHist is 2× faster than bincount on uint8; exact below 2**24 per bin
            hist += cv2.calcHist([strip], [0], None, [256], [0, 256]).ravel().astype(np.int64)
        else:
            hist += np.bincount(strip.ravel(), minlength=nbins)[:nbins]
        # one row of context above and below, so strips see the same neighbours as the whole
        lo, hi = max(0, y0 - 1), min(h, y1 + 1)
        ctx = a[lo:hi]
        rows = slice(y0 - lo, y0 - lo + (y1 - y0))
        # 255 where they differ, straight into uint8 (np.where made int64 first: 0.7-1 ms a 512² mask)
        boundary[y0:y1] = cv2.compare(cv2.dilate(ctx, cross)[rows], cv2.erode(ctx, cross)[rows], cv2.CMP_NE)
        on_ramp = np.zeros(strip.shape, np.bool_)
        if w >= 3:
            left, mid, right = strip[:, :-2], strip[:, 1:-1], strip[:, 2:]
            on_ramp[:, 1:-1] = (np.minimum(left, right) < mid) & (mid < np.maximum(left, right))
        if ctx.shape[0] >= 3:
            up, mid, down = ctx[:-2], ctx[1:-1], ctx[2:]
            full = np.zeros(ctx.shape, np.bool_)
            full[1:-1] = (np.minimum(up, down) < mid) & (mid < np.maximum(up, down))
            on_ramp |= full[rows]
        if on_ramp.any():
            ramp += np.bincount(strip[on_ramp], minlength=nbins)[:nbins]
    g = BOUNDARY_GRID
    if h >= g and w >= g:
        pooled = cv2.resize(boundary, (g, g), interpolation=cv2.INTER_AREA)
    else:  # smaller than the grid: each cell takes its nearest pixel
        pooled = cv2.resize(boundary, (g, g), interpolation=cv2.INTER_NEAREST)
    return hist, ramp, pooled


def _voc_channel_luts() -> tuple[np.ndarray, np.ndarray]:
    """Per channel (R, G, B) and value: whether a VOC colour can have it, and the bits of the
    index it carries. The palette interleaves the index's bits: bit 3j+c of the index is bit
    7-j of channel c, so a colour is on the palette iff every channel's other bits are zero,
    and its index is the OR of three table lookups (no per-colour search)."""
    ok = np.ones((3, 256), np.bool_)
    part = np.zeros((3, 256), np.uint8)
    x = np.arange(256)
    for c in range(3):
        for j in range(8):
            bit = (x >> (7 - j)) & 1
            if 3 * j + c < 8:
                part[c] |= (bit << (3 * j + c)).astype(np.uint8)
            else:
                ok[c] &= bit == 0
    return ok, part


_VOC_OK, _VOC_PART = _voc_channel_luts()


def _strips(img: object) -> Iterator[tuple[int, np.ndarray]]:
    """The decoded picture as arrays of at most STRIP_ROWS rows: one strip's copy at a time,
    never a second copy of the whole picture."""
    w, h = img.size  # type: ignore[attr-defined]
    for y0 in range(0, h, STRIP_ROWS):
        limits.check()
        yield y0, np.asarray(img.crop((0, y0, w, min(h, y0 + STRIP_ROWS))))  # type: ignore[attr-defined]


def _distinct_colours(img: object) -> int:
    """Distinct RGB colours of a picture in any mode, strip by strip (each converted on its own:
    the conversions are pointwise), in a 2**24-entry table (16 MB)."""
    seen = np.zeros(1 << 24, np.bool_)
    w, h = img.size  # type: ignore[attr-defined]
    direct = img.mode in ("RGB", "RGBA")  # type: ignore[attr-defined]
    for y0 in range(0, h, STRIP_ROWS):
        limits.check()
        part = img.crop((0, y0, w, min(h, y0 + STRIP_ROWS)))  # type: ignore[attr-defined]
        s = np.asarray(part if direct else part.convert("RGB"))
        seen[(s[..., 0].astype(np.uint32) << 16) | (s[..., 1].astype(np.uint32) << 8) | s[..., 2]] = True
    return int(np.count_nonzero(seen))


def _rgb_ids(img: object, facts: MaskFacts) -> np.ndarray | None:
    """Class ids of an RGB(A) mask: its grey values when R = G = B everywhere, its VOC palette
    indices when every colour is on the palette, else None (``kind`` "rgb"). One pass over
    strips; holds at most two bytes a pixel (the two candidate id arrays)."""
    w, h = img.size  # type: ignore[attr-defined]
    grey: np.ndarray | None = np.empty((h, w), np.uint8)
    voc: np.ndarray | None = np.empty((h, w), np.uint8)
    used = np.zeros((2, 256), np.bool_)  # the grey values and the VOC indices that occur
    for y0, s in _strips(img):
        if s.shape[-1] == 4 and not facts.alpha_used:
            facts.alpha_used = bool((s[..., 3] != 255).any())
        r, g, b = s[..., 0], s[..., 1], s[..., 2]
        y1 = y0 + s.shape[0]
        if grey is not None:
            if (r == g).all() and (g == b).all():
                grey[y0:y1] = r
                used[0, grey[y0:y1]] = True
            else:
                grey = None
        if voc is not None:
            if (_VOC_OK[0][r] & _VOC_OK[1][g] & _VOC_OK[2][b]).all():
                voc[y0:y1] = _VOC_PART[0][r] | _VOC_PART[1][g] | _VOC_PART[2][b]
                used[1, voc[y0:y1]] = True
            else:
                voc = None
        if grey is None and voc is None and (s.shape[-1] == 3 or facts.alpha_used):
            break
    if grey is not None:
        facts.kind = "index"  # grey stored as RGB: the values are the ids
        facts.colours = int(np.count_nonzero(used[0]))
        return grey
    if voc is not None:
        facts.kind = "rgb_voc"
        facts.colours = int(np.count_nonzero(used[1]))
        return voc
    facts.kind = "rgb"
    facts.colours = _distinct_colours(img)
    return None


def read_mask(path: str, deep: bool = False) -> MaskFacts:
    """Facts of one mask file; ``deep`` changes nothing (a mask is always decoded in full)."""
    try:
        data = read_bounded(path, MAX_MASK_BYTES)
    except FileProblem as exc:
        return MaskFacts(bytes=0, error=str(exc))
    facts = MaskFacts(bytes=len(data))
    if not data:
        facts.error = "zero-byte file"
        return facts
    facts.format = _sniff(data)
    size = _png_size(data)
    if size is not None:
        facts.width, facts.height = size
        if size[0] * size[1] > MAX_MASK_PIXELS:
            facts.error = (f"{size[0]}×{size[1]} = {size[0] * size[1] / 1e6:.0f} M pixels is over the "
                           f"{MAX_MASK_PIXELS / 1e6:.0f} M pixel limit for masks: not decoded")
            return facts
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img = Image.open(io.BytesIO(data))
            facts.format = img.format or facts.format
            facts.mode = img.mode
            facts.width, facts.height = img.size
            if img.size[0] * img.size[1] > MAX_MASK_PIXELS:
                facts.error = (f"{img.size[0]}×{img.size[1]} = {img.size[0] * img.size[1] / 1e6:.0f} M pixels is over "
                               f"the {MAX_MASK_PIXELS / 1e6:.0f} M pixel limit for masks: not decoded")
                return facts
            img.load()
    except Exception as exc:  # noqa: BLE001 - any decoder error means "not a readable mask"
        head = data[:16].lstrip().lower()
        kind = "an HTML page" if head.startswith((b"<!doctype", b"<html")) else "not a readable image"
        if facts.format in ("PNG", "JPEG"):
            kind = f"a damaged {facts.format} (truncated or corrupt)"
        reason = re.sub(r"\s*<[^<>]* at 0x[0-9a-fA-F]+>", "", str(exc))  # no memory address: same file, same message
        facts.error = f"{kind} ({type(exc).__name__}: {reason[:80]})"
        return facts
    try:
        arr = _decode(img, facts)
    except Exception as exc:  # noqa: BLE001 - an unusual mode is a finding, not a crash
        facts.error = f"cannot read mode {img.mode} as class values ({type(exc).__name__}: {str(exc)[:60]})"
        return facts
    if arr is None:
        return facts
    nbins = 65536 if arr.dtype == np.uint16 else 256
    hist, ramp, boundary = _neighbour_stats(arr, nbins)
    facts.values, facts.counts = _sparse(hist)
    facts.ramp_values, facts.ramp_counts = _sparse(ramp)
    facts.boundary = boundary
    facts.morph, facts.morph_skipped, facts.shapes = _morphology(arr, facts.values, facts.counts)  # shapes v2
    return facts


def _value_boxes(a: np.ndarray, values: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(y0, y1, x0, x1) of each value's pixels: one comparison and cv2.boundingRect of its
    non-zero pixels per value (on the bench's 512² masks of ~5 values 0.37 ms in all, where one
    OR-reduced bit per value took 1.1 ms; 2.9 ms for 64 values of noise at 512², the cap, under
    the labelling's own cost there)."""
    import cv2

    boxes = []
    for v in values.tolist():
        limits.check()
        x, y, w, h = cv2.boundingRect((a == v).view(np.uint8))
        boxes.append((y, y + h, x, x + w))
    return boxes


def _morphology(a: np.ndarray, values: np.ndarray,
                counts: np.ndarray) -> tuple[np.ndarray | None, str | None, np.ndarray | None]:
    """Per value: components, speckles (components a 1-pixel erosion removes) and their pixels;
    or None and why not (a cap, see MORPH_MAX_*); and, from the same labels, the shapes of the
    larger regions (:func:`preflight.formats.mask_shapes.component_shapes`, for M124).

    A pixel survives the 3×3 erosion of its own value's region when its whole neighbourhood has
    its value, i.e. where the grey erosion and dilation of ``a`` agree: one pass for every value
    (the picture border counts as inside, cv2's default, as for a binary erosion). Each value is
    then labelled inside its bounding box only (its regions never leave it), one box at a time.
    """
    import cv2

    h, w = a.shape
    if a.size > MORPH_MAX_PIXELS:
        return None, (f"{w}×{h} is over the {MORPH_MAX_PIXELS / 2**20:.0f} M-pixel limit for "
                      "component counts (label memory)"), None
    if len(values) > MORPH_MAX_VALUES:
        return None, f"{len(values)} distinct values, over the {MORPH_MAX_VALUES} for which components are counted", None
    boxes = _value_boxes(a, values)
    work = sum((y1 - y0) * (x1 - x0) for y0, y1, x0, x1 in boxes)
    if work > MORPH_MAX_WORK:
        return None, (f"{len(values)} values spread over {work / a.size:.1f}× the mask's area: "
                      f"{work / 2**20:.0f} M pixels to label, over the {MORPH_MAX_WORK / 2**20:.0f} M budget"), None
    limits.check()
    kernel = np.ones((3, 3), np.uint8)
    interior = cv2.erode(a, kernel) == cv2.dilate(a, kernel)
    morph = np.zeros((len(values), 4), np.int64)
    shapes: list[tuple[float, ...]] = []
    for i, (v, count, (y0, y1, x0, x1)) in enumerate(zip(values, counts, boxes, strict=True)):
        limits.check()
        binary = (a[y0:y1, x0:x1] == v).view(np.uint8)
        pixels = binary.view(np.bool_)
        # labels only: cv2's per-label statistics cost 3-4× the labelling
        n, labels = cv2.connectedComponents(binary, connectivity=8)
        alive = np.zeros(n, np.bool_)
        alive[0] = True  # the background of the box
        alive[labels[interior[y0:y1, x0:x1] & pixels]] = True
        speckles = n - int(np.count_nonzero(alive))
        speckle_px = 0
        if speckles or count >= MIN_AREA:
            # each region's pixels: one region (most values) has all the value's; otherwise
            # counted on the value's pixels only (~half the cost of the whole box's)
            area = np.array([0, count], np.int64) if n == 2 else np.bincount(labels[pixels], minlength=n)
            if speckles:
                speckle_px = int(area[~alive].sum())
            if count >= MIN_AREA:
                shapes.extend(component_shapes(int(v), labels, area, x0, y0, binary=binary))
        morph[i] = (int(v), n - 1, speckles, speckle_px)
    return morph, None, largest(shapes)


def _decode(img: object, facts: MaskFacts) -> np.ndarray | None:
    """The index array of a decoded Pillow image (uint8 or uint16); None when unknowable."""
    mode = img.mode  # type: ignore[attr-defined]
    info = img.info  # type: ignore[attr-defined]
    facts.bit_depth = 8
    if "transparency" in info and mode in ("P", "L", "RGB"):
        facts.alpha = True
    if mode == "P":
        facts.kind = "index"
        arr = np.asarray(img, dtype=np.uint8)
        pal = img.getpalette()  # type: ignore[attr-defined]
        if pal:
            pal_arr = np.asarray(pal, np.uint8).reshape(-1, 3)
            import cv2  # a histogram without np.bincount's 8-byte copy of every pixel

            used = np.flatnonzero(cv2.calcHist([arr], [0], None, [256], [0, 256]).ravel()) if arr.size else np.zeros(0, np.intp)
            used = used[used < len(pal_arr)]
            facts.voc_palette = bool(np.array_equal(pal_arr[used], _VOC[used]))
        return arr
    if mode in ("PA", "LA"):
        facts.kind, facts.alpha = "index", True
        out = np.empty((img.size[1], img.size[0]), np.uint8)  # type: ignore[attr-defined]
        for y0, s in _strips(img):
            out[y0 : y0 + s.shape[0]] = s[..., 0]
            facts.alpha_used = facts.alpha_used or bool((s[..., 1] != 255).any())
        return out
    if mode == "1":
        facts.kind, facts.bit_depth = "index", 1
        return np.asarray(img, dtype=np.uint8)
    if mode == "L":
        facts.kind = "index"
        return np.asarray(img, dtype=np.uint8)
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        facts.kind, facts.bit_depth = "index", 16 if mode.startswith("I;16") or facts.format == "PNG" else 32
        wide = np.empty((img.size[1], img.size[0]), np.uint16)  # type: ignore[attr-defined]
        lo, hi = 0, 0  # the smallest and largest value (of a non-empty picture)
        for y0, s in _strips(img):
            if s.size:
                lo, hi = (int(s.min()), int(s.max())) if y0 == 0 else (min(lo, int(s.min())), max(hi, int(s.max())))
            if lo >= 0 and hi <= 65535:
                wide[y0 : y0 + s.shape[0]] = s
        if lo < 0 or hi > 65535:
            facts.error = f"32-bit values from {lo} to {hi}: not class ids"
            return None
        return wide
    if mode == "F":
        facts.kind, facts.bit_depth = "float", 32
        wide = np.empty((img.size[1], img.size[0]), np.uint16)  # type: ignore[attr-defined]
        for y0, s in _strips(img):
            with np.errstate(invalid="ignore"):
                whole = np.isfinite(s) & (s == np.round(s)) & (s >= 0) & (s <= 65535)
            if not whole.all():
                facts.error = "float mask with fractional, negative or non-finite values: not class ids"
                return None
            wide[y0 : y0 + s.shape[0]] = s
        return wide
    if mode in ("RGB", "RGBA"):
        facts.alpha = facts.alpha or mode == "RGBA"
        return _rgb_ids(img, facts)
    facts.kind = "rgb"  # CMYK, YCbCr, ...
    facts.colours = _distinct_colours(img)
    return None


# -- the paired image's edges (M104) ---------------------------------------------------------

def _orient(a: np.ndarray, orientation: int | None) -> np.ndarray:
    """The stored pixels turned upright for an EXIF orientation tag (as PIL's exif_transpose)."""
    if orientation == 2:
        return a[:, ::-1]
    if orientation == 3:
        return a[::-1, ::-1]
    if orientation == 4:
        return a[::-1]
    if orientation == 5:
        return a.T
    if orientation == 6:
        return np.rot90(a, -1)
    if orientation == 7:
        return a[::-1, ::-1].T
    if orientation == 8:
        return np.rot90(a, 1)
    return a


def read_image_edges(path: str, deep: bool = False) -> EdgeFacts:
    """A BOUNDARY_GRID² map of gradient magnitude from a reduced decode of the image.

    JPEGs are decoded at 1/4 to 1/8 size by libjpeg's DCT scaling (Pillow's draft mode), so
    the cost is a fraction of a full decode; other formats are decoded and shrunk.
    """
    from .images import MAX_IMAGE_BYTES, expansion_bomb

    try:
        data = read_bounded(path, MAX_IMAGE_BYTES)
    except FileProblem as exc:
        return EdgeFacts(error=str(exc))
    import cv2
    from PIL import Image

    # edges on a 2×-grid picture: libjpeg decodes at 1/2 … 1/8 straight to about this size
    side = 2 * BOUNDARY_GRID
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            if expansion_bomb(w, h, len(data)) is not None:
                return EdgeFacts(error="too many pixels to decode")
            orientation = None
            try:
                orientation = img.getexif().get(0x0112)
            except Exception:  # noqa: BLE001
                orientation = None
            if img.format == "JPEG":
                img.draft("L", (max(1, min(w, side)), max(1, min(h, side))))
            grey = np.asarray(img.convert("L"), np.float32)
    except Exception as exc:  # noqa: BLE001 - I101/I103 report the image itself
        return EdgeFacts(error=f"{type(exc).__name__}: {str(exc)[:80]}")
    if grey.shape[0] < 4 or grey.shape[1] < 4:
        return EdgeFacts(error="too small for an edge map")
    grey = _orient(grey, orientation if isinstance(orientation, int) else None)
    grey = np.ascontiguousarray(grey)
    small = cv2.resize(grey, (side, side), interpolation=cv2.INTER_AREA)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1)
    mag = cv2.magnitude(gx, gy)
    grid = cv2.resize(mag, (BOUNDARY_GRID, BOUNDARY_GRID), interpolation=cv2.INTER_AREA)
    return EdgeFacts(edges=grid.astype(np.float16))
