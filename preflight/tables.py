"""Columnar fact tables: the facts of every image and label file of a scan, a few numpy columns each.

A scan of 10^6 images used to keep one :class:`~preflight.facts.ImageFacts` and one
:class:`~preflight.facts.LabelFacts` (with its :class:`~preflight.facts.Annotations`) per file
for the whole audit: ~800 bytes a file in Python objects. These tables are filled as the
scan's results arrive (each facts object is read into the columns, then dropped) and hold
~60 bytes a file plus the annotation rows, in one array for the whole dataset.

Both are read-only :class:`~collections.abc.Mapping` s from absolute path to facts, so checks
that ask ``ctx.images.get(path)`` or iterate ``ctx.labels.items()`` keep working: each access
builds the facts object afresh from the columns (a few microseconds, dropped after use).
Dataset-wide checks read the columns themselves (``table.width``, :meth:`_Table.index`,
:meth:`ImageTable.sha_keys`). Rare values (errors, reader issues, VOC names, --deep crop
hashes) are kept in small dictionaries by row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .facts import Annotations, ImageFacts, LabelFacts

__all__ = ["ImageSplits", "ImageTable", "LabelTable"]

#: sha of an image: the reader's SHA-1 hex digest, stored as its 20 bytes
_SHA_BYTES = 20


class _Table(Mapping[str, Any]):
    """Rows in the order of ``paths``; a row is filled by :meth:`put` (in any order)."""

    def __init__(self, paths: Sequence[str] = ()) -> None:
        self.paths: list[str] = list(paths)
        self._row: dict[str, int] = {p: i for i, p in enumerate(self.paths)}
        self.present = np.zeros(len(self.paths), bool)
        self._n = 0

    # -- Mapping ---------------------------------------------------------------------------
    def index(self, path: str | None) -> int:
        """The row of ``path``, or -1 when it has no facts."""
        i = self._row.get(path, -1) if path is not None else -1
        return i if i >= 0 and self.present[i] else -1

    def slot(self, path: str | None) -> int:
        """The row reserved for ``path`` (facts or not), or -1 when the table does not list it."""
        return self._row.get(path, -1) if path is not None else -1

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self.index(path) >= 0

    def __getitem__(self, path: str) -> Any:
        i = self.index(path)
        if i < 0:
            raise KeyError(path)
        return self.row(i)

    def get(self, path: Any, default: Any = None) -> Any:
        i = self.index(path) if isinstance(path, str) else -1
        return default if i < 0 else self.row(i)

    def __iter__(self) -> Iterator[str]:
        if self._n == len(self.paths):
            return iter(self.paths)
        return (self.paths[i] for i in np.flatnonzero(self.present))

    def __len__(self) -> int:
        return self._n

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        for i in np.flatnonzero(self.present).tolist():
            yield self.paths[i], self.row(i)

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        return (f for _, f in self.items())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._n} of {len(self.paths)} files)"

    # -- filling ---------------------------------------------------------------------------
    def put(self, path: str, facts: Any) -> None:
        i = self._row.get(path)
        if i is None:  # a path outside the scan's list: appended (tests, hand-made contexts)
            i = len(self.paths)
            self.paths.append(path)
            self._row[path] = i
            self._grow(i + 1)
        if not self.present[i]:
            self._n += 1
        self.present[i] = True
        self._put(i, facts)

    def __setitem__(self, path: str, facts: Any) -> None:
        self.put(path, facts)

    def _grow(self, n: int) -> None:
        for name in self._columns():
            col = getattr(self, name)
            if len(col) < n:
                new = np.empty((max(n, 2 * len(col)), *col.shape[1:]), col.dtype)
                new[: len(col)] = col
                new[len(col):] = self._fill(name)
                setattr(self, name, new)

    def _columns(self) -> tuple[str, ...]:
        return ("present",)

    def _fill(self, name: str) -> Any:
        return False

    def _put(self, i: int, facts: Any) -> None:
        raise NotImplementedError

    def row(self, i: int) -> Any:
        raise NotImplementedError


class _Codes:
    """A few distinct strings (image formats, modes, box formats) as small integer codes."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._code: dict[str, int] = {}

    def code(self, value: str | None) -> int:
        if value is None:
            return -1
        c = self._code.get(value)
        if c is None:
            c = self._code[value] = len(self.values)
            self.values.append(value)
        return c

    def value(self, code: int) -> str | None:
        return None if code < 0 else self.values[code]


class ImageTable(_Table):
    """The facts of every image: ``bytes``, ``width``, ``height`` (-1: unknown), ``orientation``
    (-1: none), ``sha`` (20 bytes; ``has_sha``), ``phash`` (``has_phash``), ``brightness`` (NaN:
    none), ``deep``, format and mode codes; errors, truncation notes and --deep crop hashes by row."""

    bytes: np.ndarray
    width: np.ndarray
    height: np.ndarray
    orientation: np.ndarray
    format_code: np.ndarray
    mode_code: np.ndarray
    has_sha: np.ndarray
    phash: np.ndarray
    has_phash: np.ndarray
    brightness: np.ndarray
    deep: np.ndarray

    _COLS = {"bytes": (np.int64, 0), "width": (np.int64, -1), "height": (np.int64, -1), "orientation": (np.int64, -1),
             "format_code": (np.int16, -1), "mode_code": (np.int16, -1), "has_sha": (bool, False),
             "phash": (np.uint64, 0), "has_phash": (bool, False), "brightness": (np.float64, np.nan), "deep": (bool, False)}
    #: the columns a facts object is built from, in :meth:`_build`'s order
    _ROW = ("bytes", "width", "height", "format_code", "mode_code", "orientation", "has_phash", "phash", "deep", "brightness")

    def __init__(self, paths: Sequence[str] = ()) -> None:
        super().__init__(paths)
        n = len(self.paths)
        for name, (dtype, fill) in self._COLS.items():
            setattr(self, name, np.full(n, fill, dtype))
        self.sha = np.zeros((n, _SHA_BYTES), np.uint8)
        self.formats = _Codes()
        self.modes = _Codes()
        self.errors: dict[int, str] = {}
        self.truncated: dict[int, str] = {}
        #: rows whose sha is not a 40-digit hex string (kept as written)
        self._odd_sha: dict[int, str] = {}
        self._crops: dict[int, tuple[Any, Any]] = {}

    def _columns(self) -> tuple[str, ...]:
        return ("present", "sha", *self._COLS)

    def _fill(self, name: str) -> Any:
        return False if name == "present" else (0 if name == "sha" else self._COLS[name][1])

    def _put(self, i: int, f: ImageFacts) -> None:
        self.bytes[i] = f.bytes
        self.width[i] = -1 if f.width is None else f.width
        self.height[i] = -1 if f.height is None else f.height
        self.orientation[i] = -1 if f.orientation is None else f.orientation
        self.format_code[i] = self.formats.code(f.format)
        self.mode_code[i] = self.modes.code(f.mode)
        self.deep[i] = f.deep
        for store, value in ((self.errors, f.error), (self.truncated, f.truncated)):
            if value is not None:
                store[i] = value
            else:
                store.pop(i, None)
        self.has_sha[i] = f.sha is not None
        self._odd_sha.pop(i, None)
        self.sha[i] = 0
        if f.sha is not None:
            try:
                raw = bytes.fromhex(f.sha)
            except ValueError:
                raw = b""
            if len(raw) == _SHA_BYTES and raw.hex() == f.sha:
                self.sha[i] = np.frombuffer(raw, np.uint8)
            else:
                self._odd_sha[i] = f.sha
        self.has_phash[i] = f.phash is not None
        self.phash[i] = 0 if f.phash is None else f.phash
        self.brightness[i] = np.nan if f.brightness is None else f.brightness
        if f.crop_hashes is not None or f.crop_valid is not None:
            self._crops[i] = (f.crop_hashes, f.crop_valid)
        else:
            self._crops.pop(i, None)

    def sha_hex(self, i: int) -> str | None:
        if not self.has_sha.item(i):
            return None
        odd = self._odd_sha.get(i)
        return odd if odd is not None else self.sha[i].tobytes().hex()

    def sha_keys(self) -> np.ndarray:
        """One int64 per row, equal for rows with equal sha (a dense code of the distinct values);
        -1 for rows without facts, without a sha or with an error (they group with nothing)."""
        ok = self.present & self.has_sha
        if self.errors:
            ok[np.fromiter(self.errors, np.int64, len(self.errors))] = False
        out = np.full(len(self.paths), -1, np.int64)
        rows = np.flatnonzero(ok)
        if not len(rows):
            return out
        keys = np.ascontiguousarray(self.sha[rows]).view(np.dtype((np.void, _SHA_BYTES))).ravel()
        code = np.unique(keys, return_inverse=True)[1].astype(np.int64).ravel()
        odd = {i: s for i, s in self._odd_sha.items() if ok[i]}
        if odd:  # not 20 bytes: codes after the others, one per distinct value
            base = int(code.max()) + 1
            values = {s: base + c for c, s in enumerate(sorted(set(odd.values())))}
            out[rows] = code
            for i, s in odd.items():
                out[i] = values[s]
            return out
        out[rows] = code
        return out

    def path_rank(self) -> np.ndarray:
        """Per row, its rank in path order (the rows themselves when the paths are sorted, as a
        scan's are)."""
        p = self.paths
        if all(p[i] <= p[i + 1] for i in range(len(p) - 1)):
            return np.arange(len(p))
        rank = np.empty(len(p), np.int64)
        rank[sorted(range(len(p)), key=p.__getitem__)] = np.arange(len(p))
        return rank

    def oriented_sizes(self) -> tuple[np.ndarray, np.ndarray]:
        """(width, height) as displayed, per row, float64 (NaN: unknown)."""
        both = (self.width >= 0) & (self.height >= 0)
        w = np.where(both, self.width, -1).astype(np.float64)
        h = np.where(both, self.height, -1).astype(np.float64)
        w[~both] = np.nan
        h[~both] = np.nan
        rot = np.isin(self.orientation, (5, 6, 7, 8))
        return np.where(rot, h, w), np.where(rot, w, h)

    def row(self, i: int) -> ImageFacts:
        return self._build(i, *(getattr(self, k).item(i) for k in self._ROW))

    def _build(self, i: int, nbytes: int, w: int, h: int, fmt: int, mode: int, orient: int, has_phash: bool, phash: int,
               deep: bool, bright: float) -> ImageFacts:
        crops = self._crops.get(i) if self._crops else None
        return ImageFacts(
            nbytes, None if w < 0 else w, None if h < 0 else h,
            None if fmt < 0 else self.formats.values[fmt], None if mode < 0 else self.modes.values[mode],
            self.errors.get(i), self.truncated.get(i), None if orient < 0 else orient, self.sha_hex(i),
            phash if has_phash else None, deep, None if bright != bright else bright,
            None if crops is None else crops[0], None if crops is None else crops[1],
        )

    def items(self) -> Iterator[tuple[str, ImageFacts]]:  # type: ignore[override]
        rows = np.flatnonzero(self.present)
        for c in range(0, len(rows), 4096):  # columns to Python lists a block at a time
            r = rows[c : c + 4096]
            cols = [getattr(self, k)[r].tolist() for k in self._ROW]
            for i, *vals in zip(r.tolist(), *cols, strict=True):
                yield self.paths[i], self._build(i, *vals)


class LabelTable(_Table):
    """The facts of every label file (YOLO txt, VOC xml): ``bytes``, ``lines``, the box format
    code (-1: no annotations object) and each file's rows in one (n, 8) annotation array
    (:class:`~preflight.facts.Annotations` columns), ``start``/``count`` per file; errors,
    reader issues, VOC declarations, names and ids by row."""

    bytes: np.ndarray
    lines: np.ndarray
    fmt_code: np.ndarray
    start: np.ndarray
    count: np.ndarray

    _COLS = {"bytes": (np.int64, 0), "lines": (np.int64, 0), "fmt_code": (np.int16, -1), "start": (np.int64, 0),
             "count": (np.int64, 0)}

    def __init__(self, paths: Sequence[str] = ()) -> None:
        super().__init__(paths)
        n = len(self.paths)
        for name, (dtype, fill) in self._COLS.items():
            setattr(self, name, np.full(n, fill, dtype))
        self.formats = _Codes()
        self.errors: dict[int, str] = {}
        self.issues: dict[int, list[Any]] = {}
        self.declared_size: dict[int, tuple[int, int, int]] = {}
        self.declared_filename: dict[int, str] = {}
        self.names: dict[int, list[str]] = {}
        self.ids: dict[int, np.ndarray] = {}
        #: annotation rows: a list of blocks while filling, one array once read (:attr:`data`)
        self._blocks: list[np.ndarray] = []
        self._pending: list[np.ndarray] = []
        self._rows = 0
        self._data: np.ndarray | None = np.zeros((0, 8))

    def _columns(self) -> tuple[str, ...]:
        return ("present", *self._COLS)

    def _fill(self, name: str) -> Any:
        return False if name == "present" else self._COLS[name][1]

    def _put(self, i: int, f: LabelFacts) -> None:
        self.bytes[i] = f.bytes
        self.lines[i] = f.lines
        stores: tuple[tuple[dict[int, Any], Any], ...] = (
            (self.errors, f.error), (self.declared_size, f.declared_size),
            (self.declared_filename, f.declared_filename), (self.issues, f.issues or None))
        for store, value in stores:
            if value is not None:
                store[i] = value
            else:
                store.pop(i, None)
        ann = f.annotations
        self.names.pop(i, None)
        self.ids.pop(i, None)
        if ann is None:
            self.fmt_code[i], self.start[i], self.count[i] = -1, 0, 0
            return
        self.fmt_code[i] = self.formats.code(ann.box_format)
        n = len(ann)
        self.start[i], self.count[i] = self._rows, n
        if n:
            if self._data is not None and len(self._data):  # filled again after a read: keep the rows
                self._blocks = [self._data]
            self._data = None
            self._pending.append(ann.data)
            self._rows += n
            if len(self._pending) >= 2048:  # one block per 2,048 files, not one small array (~400 B) per file
                self._blocks.append(np.concatenate(self._pending))
                self._pending = []
        if ann.names is not None:
            self.names[i] = ann.names
        if ann.ids is not None:
            self.ids[i] = ann.ids

    @property
    def data(self) -> np.ndarray:
        """Every annotation row of every file, (n, 8); file i's rows are ``start[i]:start[i] + count[i]``."""
        if self._data is None:
            blocks = self._blocks + self._pending
            self._data = np.concatenate(blocks) if blocks else np.zeros((0, 8))
            self._blocks, self._pending = [], []
        return self._data

    def finish(self) -> None:
        """Join the blocks the scan filled into the one annotation array (:attr:`data`)."""
        self.data  # noqa: B018 - the property joins them

    def reorder(self, rows: np.ndarray, starts: np.ndarray, files: np.ndarray) -> None:
        """Replace the annotation array by ``data[rows]`` (a permutation) where file ``files[k]``
        now starts at ``starts[k]``: the box table's order, so that both share one array."""
        self._data = self.data[rows]
        self.start[files] = starts

    def polygon_counts(self) -> tuple[list[int], list[int]]:
        """Per row (label file): how many of its annotations are polygons, and how many it has
        (two lists, from the annotation array's columns at once)."""
        data = self.data
        flag = np.r_[0, np.cumsum(data[:, 6] > 0)] if len(data) else np.zeros(1, np.int64)
        end = np.minimum(self.start + self.count, len(data))
        polys = flag[end] - flag[np.minimum(self.start, len(data))]
        return polys.tolist(), self.count.tolist()

    def annotations(self, i: int) -> Annotations | None:
        code = int(self.fmt_code[i])
        if code < 0:
            return None
        s, n = int(self.start[i]), int(self.count[i])
        data = self.data[s : s + n] if n else np.zeros((0, 8))
        return Annotations.from_data(self.formats.values[code], data, self.names.get(i), self.ids.get(i))

    def row(self, i: int) -> LabelFacts:
        return LabelFacts(
            bytes=int(self.bytes[i]), annotations=self.annotations(i), issues=list(self.issues.get(i, ())),
            error=self.errors.get(i), declared_size=self.declared_size.get(i),
            declared_filename=self.declared_filename.get(i), lines=int(self.lines[i]),
        )


class ImageSplits(Mapping[str, tuple[str, ...]]):
    """absolute image path -> the splits it is listed in, in listing order: one small code per
    row of the image table (a million images cost 4 MB, not a dict of a million entries)."""

    def __init__(self, table: ImageTable, codes: np.ndarray, combos: list[tuple[str, ...]]) -> None:
        self._table, self.codes, self.combos = table, codes, combos
        self._n = int(np.count_nonzero(codes >= 0))

    def get(self, path: Any, default: Any = None) -> Any:
        i = self._table.slot(path) if isinstance(path, str) else -1
        c = int(self.codes[i]) if i >= 0 else -1
        return default if c < 0 else self.combos[c]

    def __getitem__(self, path: str) -> tuple[str, ...]:
        out = self.get(path)
        if out is None:
            raise KeyError(path)
        return out

    def __contains__(self, path: object) -> bool:
        return self.get(path) is not None

    def __iter__(self) -> Iterator[str]:
        return (self._table.paths[i] for i in np.flatnonzero(self.codes >= 0).tolist())

    def __len__(self) -> int:
        return self._n

    def items(self) -> Iterator[tuple[str, tuple[str, ...]]]:  # type: ignore[override]
        for i in np.flatnonzero(self.codes >= 0).tolist():
            yield self._table.paths[i], self.combos[self.codes[i]]

    def shared(self) -> np.ndarray:
        """Rows of the image table listed in more than one split."""
        multi = np.asarray([len(c) > 1 for c in self.combos] or [False], bool)
        return np.flatnonzero((self.codes >= 0) & multi[np.maximum(self.codes, 0)])
