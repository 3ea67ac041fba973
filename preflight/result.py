"""What one audit produced: findings, predictions, a summary, and material for the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import __version__
from .findings import Finding, Severity

__all__ = ["AuditResult"]


@dataclass
class AuditResult:
    #: the files the audit was asked about, as given: {"data": ..., "model": ...}
    inputs: dict[str, str | None]
    findings: list[Finding] = field(default_factory=list)
    #: predicted curve pathologies: dicts with pathology, likelihood, because, remedy
    predictions: list[dict[str, Any]] = field(default_factory=list)
    #: counts measured by the audit (images, labels, ...); severities are added by summary()
    stats: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    #: material for the HTML report, by section name ("data", "model", "probe", ...)
    sections: dict[str, Any] = field(default_factory=dict)
    #: one-line notes for people (e.g. "model checks skipped: torch is not installed")
    notes: list[str] = field(default_factory=list)

    def sort(self) -> None:
        self.findings.sort(key=Finding.sort_key)

    def counts(self) -> dict[str, int]:
        out = {"errors": 0, "warnings": 0, "infos": 0}
        for f in self.findings:
            out[f.severity.value + "s"] += 1
        return out

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"images": self.stats.get("images", 0), "labels": self.stats.get("labels", 0)}
        out.update(self.counts())
        out["seconds"] = round(self.seconds, 3)
        for key, value in self.stats.items():
            out.setdefault(key, value)
        return out

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)

    def exit_code(self, fail_on: str) -> int:
        if fail_on == "never":
            return 0
        bar = Severity.parse(fail_on).rank
        return 1 if any(f.severity.rank >= bar for f in self.findings) else 0

    def to_json(self) -> dict[str, Any]:
        self.sort()
        out: dict[str, Any] = {
            "tool": "preflight",
            "version": __version__,
            "inputs": self.inputs,
            "findings": [f.to_json() for f in self.findings],
            "predictions": self.predictions,
            "summary": self.summary(),
        }
        if self.notes:
            out["notes"] = self.notes
        return out
