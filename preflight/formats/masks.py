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
  neighbour statistics run over strips of :data:`STRIP_ROWS` rows, so temporaries stay a few MB
  whatever the mask's size.
- A bad file gives facts with ``error``; the reader never raises.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from dataclasses import dataclass, field

import numpy as np

from ._fs import FileProblem, read_bounded

__all__ = [
    "BOUNDARY_GRID",
    "MAX_MASK_BYTES",
    "MAX_MASK_PIXELS",
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
_VOC_CODE = (_VOC[:, 0].astype(np.uint32) << 16) | (_VOC[:, 1].astype(np.uint32) << 8) | _VOC[:, 2]
_VOC_INDEX = {int(code): i for i, code in enumerate(_VOC_CODE)}


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
    #: mask is over MORPH_MAX_PIXELS or has over MORPH_MAX_VALUES values
    morph: np.ndarray | None = None

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
        boundary[y0:y1] = np.where(cv2.dilate(ctx, cross)[rows] != cv2.erode(ctx, cross)[rows], 255, 0)
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


def _rgb_to_index(rgb: np.ndarray, facts: MaskFacts) -> np.ndarray | None:
    """VOC-palette colours to indices; None (and ``colours`` set) when they are not VOC's."""
    code = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    distinct, inverse = np.unique(code.ravel(), return_inverse=True)
    facts.colours = int(distinct.size)
    idx = np.array([_VOC_INDEX.get(int(c), -1) for c in distinct], np.int64)
    if (idx < 0).any():
        return None
    return idx[inverse].reshape(code.shape).astype(np.uint8)


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
    if arr.size <= MORPH_MAX_PIXELS and len(facts.values) <= MORPH_MAX_VALUES:
        facts.morph = _morphology(arr, facts.values)
    return facts


def _morphology(a: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per value: components, speckles (components a 1-pixel erosion removes) and their pixels.
    One binary image and one label image at a time."""
    import cv2

    kernel = np.ones((3, 3), np.uint8)
    morph = np.zeros((len(values), 4), np.int64)
    for i, v in enumerate(values):
        binary = (a == v).view(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
        eroded = cv2.erode(binary, kernel)  # the picture border counts as inside (cv2's default)
        alive = np.zeros(n, np.bool_)
        alive[labels[eroded > 0]] = True
        dead = ~alive[1:]
        morph[i] = (int(v), n - 1, int(dead.sum()), int(stats[1:, cv2.CC_STAT_AREA][dead].sum()))
    return morph


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
            used = np.unique(arr) if arr.size <= 1 << 22 else np.flatnonzero(np.bincount(arr.ravel(), minlength=256))
            used = used[used < len(pal_arr)]
            facts.voc_palette = bool(np.array_equal(pal_arr[used], _VOC[used]))
        return arr
    if mode == "PA":
        facts.kind, facts.alpha = "index", True
        arr = np.asarray(img)
        facts.alpha_used = bool((arr[..., 1] != 255).any())
        return np.ascontiguousarray(arr[..., 0]).astype(np.uint8)
    if mode == "1":
        facts.kind, facts.bit_depth = "index", 1
        return np.asarray(img, dtype=np.uint8)
    if mode == "L":
        facts.kind = "index"
        return np.asarray(img, dtype=np.uint8)
    if mode == "LA":
        facts.kind, facts.alpha = "index", True
        arr = np.asarray(img)
        facts.alpha_used = bool((arr[..., 1] != 255).any())
        return np.ascontiguousarray(arr[..., 0])
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        facts.kind, facts.bit_depth = "index", 16 if mode.startswith("I;16") or facts.format == "PNG" else 32
        arr = np.asarray(img)
        if arr.size and (arr.min() < 0 or arr.max() > 65535):
            facts.error = f"32-bit values from {int(arr.min())} to {int(arr.max())}: not class ids"
            return None
        return arr.astype(np.uint16)
    if mode == "F":
        facts.kind, facts.bit_depth = "float", 32
        arr = np.asarray(img)
        finite = np.isfinite(arr)
        whole = finite & (arr == np.round(arr)) & (arr >= 0) & (arr <= 65535)
        if not whole.all():
            facts.error = "float mask with fractional, negative or non-finite values: not class ids"
            return None
        return arr.astype(np.uint16)
    if mode in ("RGB", "RGBA"):
        arr = np.asarray(img)
        if mode == "RGBA":
            facts.alpha = True
            facts.alpha_used = bool((arr[..., 3] != 255).any())
            arr = arr[..., :3]
        if (arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all():
            facts.kind = "index"  # grey stored as RGB: the values are the ids
            facts.colours = int(np.count_nonzero(np.bincount(arr[..., 0].ravel(), minlength=256)))
            return np.ascontiguousarray(arr[..., 0])
        idx = _rgb_to_index(arr, facts)
        if idx is None:
            facts.kind = "rgb"
            return None
        facts.kind = "rgb_voc"
        return idx
    converted = img.convert("RGB")  # type: ignore[attr-defined]  # CMYK, YCbCr, ...
    facts.kind = "rgb"
    facts.colours = int(np.unique(np.asarray(converted).reshape(-1, 3), axis=0).shape[0])
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
