"""Classify a finished run into one curve pathology of the contract.

Each pathology is one C check (``checks/c1xx_*.py``) reading the measured
:class:`~preflight.curves.features.CurveFacts`. When several fire, the lowest code wins:
codes are handed out in order of how much a pathology dominates the others (a run that
diverged may also look "still improving"; a run that does not learn may also look flat).
When none fires the run is ``normal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..findings import Finding
from ..registry import select_checks
from ..runner import run_checks
from .context import CurvesContext
from .features import CurveFacts, measure
from .readers import Run

__all__ = ["MIN_EPOCHS", "Verdict", "classify"]

#: A curve needs a start, a middle and an end before its shape means anything.
MIN_EPOCHS = 3

NORMAL_REMEDY = "nothing to fix in the curves; keep the best checkpoint (usually the last)"


@dataclass
class Verdict:
    path: str
    pathology: str
    confidence: float
    evidence: list[str]
    remedy: str
    code: str | None = None
    epochs: int = 0
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "pathology": self.pathology,
                "confidence": round(self.confidence, 2), "evidence": self.evidence,
                "remedy": self.remedy}


def _normal_evidence(f: CurveFacts, ctx: CurvesContext) -> list[str]:
    ev = []
    for s in (f.train, f.val):
        if s is not None:
            ev.append(f"{s.name} {s.first:.4g} -> {s.last:.4g}, levels off "
                      f"({s.late_gain_frac:.0%} of its fall in the last quarter)")
    if f.metric is not None:
        m = f.metric
        ev.append(f"{m.name} rises to {m.best:.3g} (epoch {ctx.epoch(m.best_epoch)}) and holds")
    return ev


def classify(run: Run, *, select: list[str] | None = None,
             ignore: list[str] | None = None) -> Verdict:
    """The pathology of ``run`` with a confidence, the evidence and the remedy.

    Raises :class:`~preflight.errors.ConfigError` (via the caller's reader) only for
    unreadable input; a run shorter than :data:`MIN_EPOCHS` is the caller's to refuse.
    """
    facts = measure(run)
    ctx = CurvesContext(run=run, facts=facts)
    checks = select_checks("curves", select, ignore)
    findings = run_checks(checks, ctx)
    fired = sorted((f for f in findings if f.pathology and "confidence" in f.data),
                   key=lambda f: f.code)
    if not fired:
        conf = 0.7 if facts.n >= 20 else 0.5
        return Verdict(path=run.path, pathology="normal", confidence=conf,
                       evidence=_normal_evidence(facts, ctx), remedy=NORMAL_REMEDY,
                       epochs=facts.n, findings=findings)
    top = fired[0]
    evidence = list(top.data.get("evidence", [top.message]))
    for other in fired[1:]:
        evidence.append(f"also {other.pathology} ({other.code}): {other.message}")
    conf = float(top.data["confidence"])
    if len(run) < 10 and not facts.nonfinite_epochs:
        # a handful of epochs: the shape is real but could still change
        conf = min(conf, 0.5)
    return Verdict(path=run.path, pathology=str(top.pathology), confidence=conf,
                   evidence=evidence, remedy=top.remedy or "", code=top.code,
                   epochs=facts.n, findings=findings)
