"""Unreadable image: a file listed as an image that no decoder can open.

What it checks
    Every image file of every split is opened (header only, by default). Files that are not
    images at all (an HTML error page saved as .jpg, a text file), folders or FIFOs where an
    image is expected, files over the size limit, JPEGs whose frame header declares 12 (or 16)
    bits per sample (Pillow, OpenCV and torchvision decode none of them), and pictures that
    declare more pixels than the decompression-bomb bound (with ``--deep``) are reported.

Why it matters
    A training loader crashes on such a file mid-epoch, or (Ultralytics) silently drops it
    and its labels, so the model trains on less data than you think.

Example
    Bad: ``images/train/0042.jpg`` is a 1 kB ``<!DOCTYPE html>`` page from a failed download.
    Good: every listed file opens as a picture.

How to fix
    Re-download or re-export the file, or remove it together with its label file.
"""

from preflight.findings import Hit
from preflight.registry import check


@check(
    "I101", "unreadable-image", severity="error", title="image cannot be read",
    pathology="training_failure", remedy="re-download or re-export the image, or remove it with its label",
)
def unreadable_image(ctx):
    t = ctx.images
    for row in sorted(t.errors):  # only the rows with an error, in the table's order
        error, path = t.errors[row], t.paths[row]
        if error and error != "zero-byte file":
            yield Hit(error, path=ctx.rel(path), split=ctx.image_splits.get(path, [None])[0])
