"""CMYK image: four ink channels, turned into RGB by some loaders and handed on as-is by others.

What it checks
    Images stored in the CMYK colour model: a JPEG whose frame header declares four
    components (CMYK, or Adobe's YCCK), a CMYK TIFF. Read from the header, at no extra cost.

Why it matters
    Loaders disagree about such a file (measured with OpenCV 5.1, Pillow 13, torchvision 0.29):
    ``cv2.imread(p)`` (how Ultralytics reads) and ``Image.open(p).convert("RGB")`` (torchvision's
    ``ImageFolder``) return 3 channels, but ``np.asarray(Image.open(p))`` and
    ``torchvision.io.decode_image`` / ``read_image`` (mode ``UNCHANGED``, the default) return the
    4 ink channels: a 3-channel model raises on them, or a batch mixing them fails to stack.
    Where they convert, all of them use a plain formula that ignores the file's colour profile,
    so print-oriented CMYK colours shift against the RGB pictures; a file written without Adobe's
    inverted-ink convention comes out as a colour negative in every one of them.

Example
    Bad: ``images/train/poster_01.jpg`` exported as CMYK from a print workflow.
    Good: every picture stored as RGB (or grey).

How to fix
    Convert once to sRGB with the colour profile applied (``ImageCms.profileToProfile(img,
    cmyk_profile, srgb_profile, outputMode="RGB")``, or ImageMagick's
    ``mogrify -colorspace sRGB``), then look at a few of them next to the RGB pictures.
"""

from preflight.checks._image_modes import images_with_mode

from preflight.findings import Hit
from preflight.registry import check


@check(
    "I110", "cmyk-image", severity="warning", title="image stored as CMYK",
    pathology="training_failure",
    remedy="convert to sRGB once, with the colour profile applied (ImageCms or `mogrify -colorspace sRGB`)",
)
def cmyk_image(ctx):
    for path, facts in images_with_mode(ctx, lambda mode: mode.split(";")[0] == "CMYK"):
        msg = (f"CMYK {facts.format or 'image'}: cv2.imread and PIL .convert('RGB') give 3 channels, "
               "torchvision's read_image and np.asarray(Image.open()) give the 4 ink channels")
        yield Hit(msg, path=ctx.rel(path), split=ctx.image_splits.get(path, [None])[0])
