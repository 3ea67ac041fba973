"""Facts: what the readers extract from dataset files, and all that the data checks read.

Readers (``preflight/formats``) are the only code that opens dataset files; they return these
compact records (numpy arrays, not one object per box), which the scan caches. Checks read
them through :class:`preflight.context.DataContext`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Annotations", "ImageFacts", "LabelFacts", "LineIssue"]

#: ImageFacts fields with few distinct values, shared between files when unpickled
_INTERNED = frozenset({"format", "mode"})


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
    #: --deep: mean grey level (0-255) of the decoded picture (train/val shift, shortcuts)
    brightness: float | None = None
    #: --deep with boxes: 64-bit hash of each box's crop, and whether the crop was usable
    crop_hashes: np.ndarray | None = None
    crop_valid: np.ndarray | None = None

    def __setstate__(self, state: tuple[None, dict[str, object]]) -> None:
        # "JPEG", "RGB" once per process, not once per unpickled file (~100 MB at 10^6 images)
        for name, value in state[1].items():
            object.__setattr__(self, name, sys.intern(value) if name in _INTERNED and isinstance(value, str) else value)

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


class Annotations:
    """The annotations of one image, in the format they were written in.

    Stored as one (n, 7) float64 array (class, 4 box values, line, polygon points, area) so
    that the cache pickles one array per file, not seven: that is most of a warm re-scan.
    """

    __slots__ = ("box_format", "data", "names", "ids")

    #: columns of ``data``
    _CLS, _BOX, _LINE, _POINTS, _AREA = 0, slice(1, 5), 5, 6, 7

    def __init__(
        self,
        box_format: str,
        cls: np.ndarray | None = None,
        box: np.ndarray | None = None,
        line: np.ndarray | None = None,
        points: np.ndarray | None = None,
        poly_area: np.ndarray | None = None,
        names: list[str] | None = None,
        ids: np.ndarray | None = None,
    ) -> None:
        n = 0 if cls is None else len(cls)
        data = np.zeros((n, 8), np.float64)
        if n:
            data[:, 0] = cls
            data[:, 1:5] = np.asarray(box, np.float64).reshape(n, 4)
            data[:, 5] = 0 if line is None else line
            data[:, 6] = 0 if points is None else points
            data[:, 7] = np.nan if poly_area is None else poly_area
        self.box_format = box_format
        #: columns: class id as written (float, so 1.5 and -1 reach the checks; NaN = VOC name
        #: only), the box in ``box_format`` (a polygon's box is its bounding rectangle), source
        #: line (0: none), polygon points (0: a plain box, -1: RLE), polygon area (NaN: a box)
        self.data = data
        #: class names as written (VOC), parallel to the rows; None when the format uses ids
        self.names = names
        #: per-row extra ids (COCO annotation id); None when the format has none
        self.ids = ids

    @classmethod
    def from_data(cls, box_format: str, data: np.ndarray, names: list[str] | None = None,
                  ids: np.ndarray | None = None) -> Annotations:
        """Annotations over rows already in ``data``'s (n, 8) layout (a view, not a copy)."""
        self = cls.__new__(cls)
        self.box_format, self.data, self.names, self.ids = box_format, data, names, ids
        return self

    def __getstate__(self) -> tuple:
        return (self.box_format, self.data, self.names, self.ids)

    def __setstate__(self, state: tuple) -> None:
        self.box_format, self.data, self.names, self.ids = state
        self.box_format = sys.intern(self.box_format)

    def __len__(self) -> int:
        return self.data.shape[0]

    @property
    def cls(self) -> np.ndarray:
        return self.data[:, 0]

    @property
    def box(self) -> np.ndarray:
        return self.data[:, 1:5]

    @property
    def line(self) -> np.ndarray:
        return self.data[:, 5].astype(np.int32)

    @property
    def points(self) -> np.ndarray:
        return self.data[:, 6].astype(np.int32)

    @property
    def poly_area(self) -> np.ndarray:
        return self.data[:, 7]


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
