"""Run a list of checks against a context and collect their findings.

Shared by every scope (data, setup, model, probe, curves): a check is a function of a
context that yields :class:`~preflight.findings.Hit` or ready :class:`~preflight.findings.Finding`
objects. Hits are grouped per check; a check that raises becomes a finding of its own
(an internal error is reported, never swallowed, and never stops the other checks).
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from typing import Any

from .findings import Finding, Hit, HitGrouper, Severity
from .registry import Check

__all__ = ["run_checks"]


def run_checks(checks: Iterable[Check], ctx: Any) -> list[Finding]:
    findings: list[Finding] = []
    for entry in checks:
        # hits are counted as they come (a running count, capped examples), not kept: a check
        # can yield a million of them on a large dataset
        grouper = HitGrouper(code=entry.code, severity=entry.severity, title=entry.title,
                             pathology=entry.pathology, remedy=entry.remedy, summarize=entry.summarize)
        try:
            for item in entry.func(ctx) or ():
                if isinstance(item, Hit):
                    grouper.add(item)
                elif isinstance(item, Finding):
                    item.code = entry.code
                    item.title = item.title or entry.title
                    item.pathology = item.pathology or entry.pathology
                    item.remedy = item.remedy or entry.remedy
                    findings.append(item)
                else:  # pragma: no cover - a programming error in a check
                    raise TypeError(f"check yielded {type(item).__name__}, not Hit or Finding")
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            findings.append(
                Finding(
                    code=entry.code, severity=Severity.WARNING,
                    title=f"{entry.title}: check could not run",
                    message=f"internal error in check {entry.code}: {type(exc).__name__}: {exc} "
                    f"({tb.filename.rsplit('/', 1)[-1]}:{tb.lineno})",
                    remedy="please report this as a preflight bug with the message above",
                )
            )
            continue
        findings.extend(grouper.findings())
    return findings
