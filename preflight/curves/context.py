"""What a C check sees: one run and the numbers measured on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..findings import Hit
from .features import CurveFacts
from .readers import Run

__all__ = ["CurvesContext", "rule_hit"]


@dataclass
class CurvesContext:
    run: Run
    facts: CurveFacts

    def epoch(self, index: int) -> int:
        """The epoch number the log uses for row ``index`` (0- or 1-based as the log is)."""
        return self.run.epochs[index] if 0 <= index < len(self.run.epochs) else index


def rule_hit(ctx: Any, confidence: float, evidence: list[str]) -> Hit:
    """A curve rule fired: its confidence (0..1) and the evidence, as one hit for this run."""
    return Hit(message="; ".join(evidence), path=ctx.run.path,
               data={"confidence": round(float(confidence), 2), "evidence": list(evidence)})
