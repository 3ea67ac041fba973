"""Facts: what the readers extract from dataset files, and all that the data checks read.

Readers (``preflight/formats``) are the only code that opens dataset files; they return these
compact records (numpy arrays, not one object per box), which the scan caches. Checks read
them through :class:`preflight.context.DataContext`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Annotations", "ImageFacts", "LabelFacts", "LineIssue"]


@dataclass(slots=True)
class ImageFacts:
    bytes: int
    width: int | None = None
    height: int | None = None
    #: container format as detected from the bytes ("JPEG", "PNG", ...), not the suffix
    format: str | None = None
    mode: str | None = None
    #: why the file cannot be used at all (zero bytes, not an image, unreadable); None if fine
    error: str | None = None
    #: the stream ends early (no JPEG end marker, no PNG IEND; with --deep: decoder error)
    truncated: str | None = None
    #: EXIF orientation tag (1 = upright), None when absent
    orientation: int | None = None
    #: blake2b-128 of the file's bytes, for exact duplicates and leakage
    sha: str | None = None
    #: 64-bit perceptual (DCT) hash of the picture, --deep only
    phash: int | None = None
    #: True when the facts include the --deep decode
    deep: bool = False

    @property
    def oriented_size(self) -> tuple[int, int] | None:
        """(width, height) as displayed, after the EXIF rotation."""
        if self.width is None or self.height is None:
            return None
        if self.orientation in (5, 6, 7, 8):
            return self.height, self.width
        return self.width, self.height


@dataclass(slots=True, frozen=True)
class LineIssue:
    """A line (or object) a reader could not turn into an annotation."""

    line: int | None
    #: what kind of problem: "columns", "non_numeric", "non_finite", "missing_field", ...
    kind: str
    detail: str


#: Box formats, after torchvision's ``BoundingBoxFormat`` vocabulary.
CXCYWH_NORM = "cxcywh_norm"  # YOLO: centre, size, divided by the image size
XYXY_ABS = "xyxy_abs"  # Pascal VOC: corners in pixels (1-based, inclusive)
XYWH_ABS = "xywh_abs"  # COCO: top-left corner and size in pixels


@dataclass(slots=True)
class Annotations:
    """The annotations of one image, in the format they were written in."""

    box_format: str
    #: class ids as written (float so that 1.5 and -1 survive to the checks); NaN = name only
    cls: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    #: (n, 4) boxes in ``box_format``; a polygon's box is its bounding rectangle
    box: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.float64))
    #: source line of each annotation (1-based), 0 when the format has no lines
    line: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    #: number of polygon points per annotation; 0 for a plain box, -1 for RLE
    points: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    #: polygon area (same units as the box); NaN for plain boxes
    poly_area: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    #: class names as written (VOC), parallel to ``cls``; None when the format uses ids
    names: list[str] | None = None
    #: per-annotation extra ids (COCO annotation id), parallel to ``cls``
    ids: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.cls.shape[0])


@dataclass(slots=True)
class LabelFacts:
    """One label file (YOLO txt, VOC xml): its annotations and what could not be read."""

    bytes: int
    annotations: Annotations | None = None
    issues: list[LineIssue] = field(default_factory=list)
    #: the whole file is unusable (binary, not UTF-8, too large, not XML ...); None if fine
    error: str | None = None
    #: VOC: <size> width, height, depth as declared; <filename> as declared
    declared_size: tuple[int, int, int] | None = None
    declared_filename: str | None = None
    #: number of text lines (YOLO), blank lines included
    lines: int = 0
