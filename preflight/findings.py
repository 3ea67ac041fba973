"""Findings: what a check reports, and how many hits of one check become one finding."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = ["PATHOLOGIES", "Finding", "Hit", "Severity", "group_hits"]

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


@dataclass(frozen=True)
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
    findings = []
    for _, group in sorted(by_group.items(), key=lambda kv: kv[0] or ""):
        group.sort(key=lambda h: (h.path or "", h.line or 0, h.message))
        first = group[0]
        if len(group) == 1:
            findings.append(
                Finding(
                    code=code, severity=severity, title=title, message=first.message,
                    path=first.path, line=first.line, split=first.split, cls=first.cls,
                    pathology=pathology, remedy=remedy, data=dict(first.data or {}),
                )
            )
            continue
        files = sorted({h.path for h in group if h.path})
        splits = {h.split for h in group}
        classes = {h.cls for h in group}
        if summarize is not None:
            message = summarize(group)
        else:
            where = f" in {len(files)} files" if len(files) > 1 else ""
            message = f"{len(group)} × {title}{where}; first: {first.message}"
        findings.append(
            Finding(
                code=code, severity=severity, title=title, message=message,
                path=first.path if len(files) == 1 else None,
                line=None, split=first.split if len(splits) == 1 else None,
                cls=first.cls if len(classes) == 1 else None,
                count=len(group), examples=[_example(h) for h in pick_examples(group)],
                pathology=pathology, remedy=remedy,
                data={"files": len(files)} if files else {},
            )
        )
    return findings
