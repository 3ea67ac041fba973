"""Findings: what a check reports, and how many hits of one check become one finding."""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = ["PATHOLOGIES", "Finding", "Hit", "HitGroup", "HitGrouper", "Severity", "group_hits"]

#: The curve pathologies of the contract, in the order the report shows them.
PATHOLOGIES: tuple[str, ...] = (
    "normal",
    "underfitting",
    "overfitting",
    "premature_convergence",
    "training_failure",
    "oscillation",
    "divergence",
    "both_rising",
)

#: A grouped finding keeps at most this many example locations (the JSON stays small
#: and the HTML report stays bounded; the count always tells the whole number).
MAX_EXAMPLES = 20


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]

    @classmethod
    def parse(cls, value: str | Severity) -> Severity:
        return value if isinstance(value, Severity) else cls(str(value).lower())


@dataclass(frozen=True, slots=True)
class Hit:
    """One occurrence of a problem: a file (and line), what is wrong there.

    Checks yield hits; the engine groups the hits of one check (and one ``group`` key)
    into a single :class:`Finding` with a count and examples.
    """

    message: str
    path: str | None = None
    line: int | None = None
    split: str | None = None
    cls: int | str | None = None
    #: hits with different group keys become different findings (e.g. per split)
    group: str | None = None
    #: extra measured values (kept in the finding's ``data`` when it stands alone)
    data: dict[str, Any] | None = None


@dataclass
class Finding:
    code: str
    severity: Severity
    title: str
    message: str
    path: str | None = None
    line: int | None = None
    split: str | None = None
    cls: int | str | None = None
    count: int = 1
    examples: list[dict[str, Any]] = field(default_factory=list)
    pathology: str | None = None
    remedy: str | None = None
    #: measured values behind the finding (histograms, thresholds, pairs ...)
    data: dict[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[Any, ...]:
        return (-self.severity.rank, self.code, self.path or "", self.line or 0, self.message)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "title": self.title,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "split": self.split,
            "class": self.cls,
            "count": self.count,
            "pathology": self.pathology,
            "remedy": self.remedy,
        }
        if self.examples:
            out["examples"] = self.examples
        if self.data:
            out["data"] = self.data
        return out


def _example(hit: Hit) -> dict[str, Any]:
    ex: dict[str, Any] = {"path": hit.path}
    if hit.line is not None:
        ex["line"] = hit.line
    if hit.split is not None:
        ex["split"] = hit.split
    ex["message"] = hit.message
    return ex


def pick_examples(hits: list[Hit], limit: int = MAX_EXAMPLES) -> list[Hit]:
    """Up to ``limit`` hits, taken in turn from each split, so every split shows its examples."""
    if len(hits) <= limit:
        return hits
    buckets: dict[str | None, list[Hit]] = {}
    for h in hits:
        buckets.setdefault(h.split, []).append(h)
    queues: list[Iterator[Hit]] = [iter(b) for b in buckets.values()]
    picked: list[Hit] = []
    while len(picked) < limit and queues:
        for q in list(queues):
            nxt = next(q, None)
            if nxt is None:
                queues.remove(q)
            elif len(picked) < limit:
                picked.append(nxt)
    picked.sort(key=lambda h: (h.path or "", h.line or 0, h.message))
    return picked


def _sort_key(h: Hit) -> tuple[str, int, str]:
    return (h.path or "", h.line or 0, h.message)


def _finding(
    group: Any, *, code: str, severity: Severity, title: str, pathology: str | None, remedy: str | None, summarize: Any,
) -> Finding:
    """One finding from one group of hits (a list, or a :class:`HitGroup` that counted them)."""
    if isinstance(group, list):
        group.sort(key=_sort_key)
        count, first = len(group), group[0]
        n_files = len({h.path for h in group if h.path})
        n_splits = len({h.split for h in group})
        n_classes = len({h.cls for h in group})
        examples = pick_examples(group)
    else:
        count, first = group.count, group.first
        n_files, n_splits, n_classes = group.files(), len(group.splits), len(group.classes)
        examples = group.examples()
    if count == 1:
        return Finding(
            code=code, severity=severity, title=title, message=first.message,
            path=first.path, line=first.line, split=first.split, cls=first.cls,
            pathology=pathology, remedy=remedy, data=dict(first.data or {}),
        )
    if summarize is not None:
        message = summarize(group)
    else:
        where = f" in {n_files} files" if n_files > 1 else ""
        message = f"{count} × {title}{where}; first: {first.message}"
    return Finding(
        code=code, severity=severity, title=title, message=message,
        path=first.path if n_files == 1 else None,
        line=None, split=first.split if n_splits == 1 else None,
        cls=first.cls if n_classes == 1 else None,
        count=count, examples=[_example(h) for h in examples],
        pathology=pathology, remedy=remedy,
        data={"files": n_files} if n_files else {},
    )


class HitGroup:
    """The hits of one check and one group key, counted as they arrive, in bounded memory.

    Keeps what a grouped finding shows and nothing else: the count, the first hit in sort
    order, the distinct splits and classes, the number of distinct files (a set of 64-bit
    hashes of the paths, one numpy array: ~8 bytes a hit instead of the hit), and per split the
    :data:`MAX_EXAMPLES` first hits in sort order (all that :func:`pick_examples` can take
    from a split). A million hits of one check cost a few MB, not a million objects.
    """

    __slots__ = ("count", "first", "_first_key", "splits", "classes", "_hashes", "_paths", "_heaps", "_seq",
                 "_split_first")

    #: distinct paths kept as strings up to this many, then as hashes
    _EXACT_PATHS = 4096

    def __init__(self) -> None:
        self.count = 0
        self.first: Hit | None = None
        self._first_key: tuple[Any, ...] | None = None
        self.splits: set[str | None] = set()
        self.classes: set[Any] = set()
        self._paths: set[str] | None = set()
        #: 64-bit hashes of the distinct paths, once there are too many to keep as strings
        self._hashes = array("q")
        #: split -> max-heap (negated order) of its MAX_EXAMPLES smallest (key, seq, hit)
        self._heaps: dict[str | None, list[Any]] = {}
        #: split -> its smallest (key, seq): the order pick_examples visits the splits in
        self._split_first: dict[str | None, tuple[Any, ...]] = {}
        self._seq = 0

    def add(self, hit: Hit) -> None:
        self.count += 1
        split = hit.split
        key = (hit.path or "", hit.line or 0, hit.message, self._seq)
        self._seq += 1
        if self._first_key is None or key < self._first_key:
            self._first_key, self.first = key, hit
        self.splits.add(split)
        self.classes.add(hit.cls)
        if hit.path:
            if self._paths is not None:
                self._paths.add(hit.path)
                if len(self._paths) > self._EXACT_PATHS:
                    self._hashes.extend(hash(p) for p in self._paths)
                    self._paths = None
            else:
                self._hashes.append(hash(hit.path))
        sf = self._split_first.get(split)
        if sf is None or key < sf:
            self._split_first[split] = key
        heap = self._heaps.get(split)
        if heap is None:
            heap = self._heaps[split] = []
        if len(heap) < MAX_EXAMPLES:
            heapq.heappush(heap, (_Reversed(key), hit))
        elif key < heap[0][0].key:  # most hits of a large group: no example, nothing kept
            heapq.heapreplace(heap, (_Reversed(key), hit))

    def files(self) -> int:
        if self._paths is not None:
            return len(self._paths)
        import numpy as np

        return len(np.unique(np.frombuffer(self._hashes, np.int64)))

    def examples(self, limit: int = MAX_EXAMPLES) -> list[Hit]:
        """What :func:`pick_examples` returns for the whole group."""
        order = sorted(self._heaps, key=lambda s: self._split_first[s])
        buckets = [[hit for _, hit in sorted(self._heaps[s], key=lambda it: it[0].key)] for s in order]
        if self.count <= limit:  # every hit, in the group's sort order
            return [hit for _, hit in sorted(((k, h) for b in self._heaps.values() for k, h in b), key=lambda it: it[0].key)]
        picked: list[Hit] = []
        rnd = 0
        while len(picked) < limit and any(rnd < len(b) for b in buckets):
            for b in buckets:
                if rnd < len(b) and len(picked) < limit:
                    picked.append(b[rnd])
            rnd += 1
        picked.sort(key=_sort_key)
        return picked


class _Reversed:
    """Inverts the order of a key, so that heapq's min-heap keeps the largest key on top."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key

    def __lt__(self, other: _Reversed) -> bool:
        return other.key < self.key


def group_hits(
    hits: list[Hit],
    *,
    code: str,
    severity: Severity,
    title: str,
    pathology: str | None,
    remedy: str | None,
    summarize: Any = None,
) -> list[Finding]:
    """Turn the hits of one check into findings: one per ``group`` key.

    A single hit keeps its own message, path and line. Many hits become one finding whose
    message counts them (and the files they are in) and whose ``examples`` list the first
    few locations in a stable order.
    """
    by_group: dict[str | None, list[Hit]] = {}
    for h in hits:
        by_group.setdefault(h.group, []).append(h)
    return [
        _finding(group, code=code, severity=severity, title=title, pathology=pathology, remedy=remedy, summarize=summarize)
        for _, group in sorted(by_group.items(), key=lambda kv: kv[0] or "")
    ]


class HitGrouper:
    """:func:`group_hits` for a stream: hits are added one by one and counted per group key.

    A check with a ``summarize`` function gets the whole sorted list of its hits (the
    summary may read any of them), so its hits are kept; every other check's hits are
    counted in a :class:`HitGroup` and dropped.
    """

    def __init__(self, *, code: str, severity: Severity, title: str, pathology: str | None, remedy: str | None,
                 summarize: Any = None) -> None:
        self._meta = {"code": code, "severity": severity, "title": title, "pathology": pathology, "remedy": remedy,
                      "summarize": summarize}
        self._keep = summarize is not None
        self._groups: dict[str | None, Any] = {}

    def add(self, hit: Hit) -> None:
        g = self._groups.get(hit.group)
        if g is None:
            g = self._groups[hit.group] = [] if self._keep else HitGroup()
        if isinstance(g, HitGroup):
            g.add(hit)
        else:
            g.append(hit)

    def findings(self) -> list[Finding]:
        return [_finding(group, **self._meta) for _, group in sorted(self._groups.items(), key=lambda kv: kv[0] or "")]
