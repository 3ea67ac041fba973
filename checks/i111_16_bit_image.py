"""16-bit image: 16 bits per sample, read as 8-bit, as white or as 0-65535 depending on the loader.

What it checks
    Images that store 16 bits per sample: a PNG whose header (IHDR) declares bit depth 16, grey
    or colour, a 16-bit grey TIFF. Read from the header, at no extra cost. (A JPEG whose frame
    header declares 12 bits is I101: none of these loaders decodes it at all.)

Why it matters
    The same file gives three different inputs (measured with OpenCV 5.1, Pillow 13,
    torchvision 0.29): ``cv2.imread(p)`` (``IMREAD_COLOR``, how Ultralytics reads) keeps the high
    byte as 8-bit; Pillow reads 16-bit colour as 8-bit too, but its ``.convert("RGB")`` of a
    16-bit grey picture (mode ``I;16``, torchvision's ``ImageFolder`` loader) clips every value
    above 255, so the picture comes out white; ``cv2.imread(p, IMREAD_UNCHANGED)`` and
    ``torchvision.io.decode_image`` / ``read_image`` (every mode) return uint16 in 0-65535, which
    a ``/ 255`` normalisation makes up to 257 times too bright, and which many torch operations
    refuse (``"min_all" not implemented for 'UInt16'``).

Example
    Bad: ``images/train/scan_001.png``: 16-bit grey, read white by a Pillow-based loader.
    Good: 8-bit pictures, or a loader that scales 16 bits on purpose
    (``to_dtype(img, torch.float32, scale=True)``).

How to fix
    Convert once to 8 bits per sample, keeping the high byte (``(a >> 8).astype(np.uint8)``,
    ``cv2.imwrite`` of ``cv2.imread(p)``), or make the loader scale 16-bit input explicitly.
"""

from preflight.checks._image_modes import images_with_mode

from preflight.findings import Hit
from preflight.registry import check

_KIND = {"LA": "grey with alpha", "RGB": "colour", "RGBA": "colour with alpha"}
_RAW = "; cv2 IMREAD_UNCHANGED and torchvision's decode_image give uint16 0-65535"


def _what(mode: str) -> str:
    if mode.startswith("I;16"):
        return "16-bit grey: PIL .convert('RGB') clips it to white, cv2.imread keeps the high byte"
    base = mode.split(";")[0]
    return f"16-bit {_KIND.get(base, base)}: Pillow and cv2.imread keep the high byte"


@check(
    "I111", "16-bit-image", severity="warning", title="image stored with 16 bits per sample",
    pathology="training_failure",
    remedy="convert to 8 bits per sample once (keep the high byte), or scale 16-bit input explicitly in the loader",
)
def sixteen_bit_image(ctx):
    for path, facts in images_with_mode(ctx, lambda mode: mode.startswith("I;16") or mode.endswith(";16")):
        yield Hit(f"{facts.format or 'image'} {_what(facts.mode)}{_RAW}", path=ctx.rel(path), split=ctx.image_splits.get(path, [None])[0])
