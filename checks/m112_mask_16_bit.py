"""16-bit mask: class ids stored with 16 bits per pixel.

What it checks
    Masks decoded as 16-bit grey (Pillow mode ``I;16`` / ``I``), or 32-bit float masks
    holding whole numbers.

Why it matters
    Loaders disagree on them: ``cv2.imread(p)`` without ``IMREAD_UNCHANGED`` converts 16 to
    8 bits by dropping the low byte (ids 0-255 all become 0); ``T.ToTensor`` and some PIL
    conversions clip or rescale. Unless more than 256 classes really exist, 8 bits are the
    safe format.

Example
    Bad: ``masks/train/a.png`` mode I;16 with values 0-20.
    Good: the same ids in an 8-bit grey or palette PNG.

How to fix
    Save as 8-bit when all ids are < 256 (``Image.fromarray(a.astype(np.uint8))``);
    otherwise read with ``cv2.IMREAD_UNCHANGED`` and check the dtype in the loader.
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import unique_masks


def _summary(hits):
    return f"{len(hits)} masks are 16-bit (e.g. {hits[0].path}: {hits[0].message})"


@check(
    "M112", "mask-16-bit", severity="warning", title="mask stored with 16 bits per pixel",
    pathology=None, summarize=_summary,
    remedy="save 8-bit masks when every id is below 256; else read with cv2.IMREAD_UNCHANGED",
)
def mask_16_bit(ctx):
    for m in unique_masks(ctx):
        f = m.facts
        if f is None or f.error or not f.bit_depth or f.bit_depth <= 8:
            continue
        top = int(f.values.max()) if f.values is not None and len(f.values) else None
        fits = f" and every value fits 8 bits (max {top})" if top is not None and top < 256 else (f", max value {top}" if top is not None else "")
        yield Hit(f"mode {f.mode} ({f.bit_depth}-bit){fits}", path=ctx.rel(m.mask), split=m.split)
