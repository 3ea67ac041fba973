"""Readers: the only code that opens dataset files. Each turns one file into facts.

``READERS`` maps a file kind to ``module:function``; the scan imports a reader only when a
file of its kind is scanned (so a YOLO audit never imports pycocotools).
"""

from __future__ import annotations

__all__ = ["READERS"]

READERS: dict[str, str] = {
    "image": "preflight.formats.images:read_image",
    "yolo": "preflight.formats.yolo:read_label_file",
    "voc": "preflight.formats.voc:read_xml",
    "coco": "preflight.formats.coco:read_coco",
    "mask": "preflight.formats.masks:read_mask",
    "edges": "preflight.formats.masks:read_image_edges",
}
