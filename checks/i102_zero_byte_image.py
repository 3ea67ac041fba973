"""Zero-byte image: an image file with no content.

What it checks
    Image files whose size is 0 bytes.

Why it matters
    An interrupted copy or download leaves empty files behind. Loaders raise on them or
    skip them silently, and their labels are lost with them.

Example
    Bad: ``images/train/0007.jpg`` is 0 bytes.
    Good: every image has content.

How to fix
    Copy the file again from its source, or delete it and its label file.
"""

from preflight.findings import Hit
from preflight.registry import check


@check(
    "I102", "zero-byte-image", severity="error", title="image file is empty (0 bytes)",
    pathology="training_failure", remedy="copy the image again from its source, or delete it with its label",
)
def zero_byte_image(ctx):
    t = ctx.images
    for row in sorted(t.errors):  # only the rows with an error, in the table's order
        path = t.paths[row]
        if t.errors[row] == "zero-byte file":
            yield Hit("0 bytes", path=ctx.rel(path), split=ctx.image_splits.get(path, [None])[0])
