"""SARIF 2.1.0: one result per finding location, one rule per check with its help text."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..registry import get_check
from ..result import AuditResult

__all__ = ["to_sarif"]

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _location(path: str | None, line: int | None, base: str) -> dict[str, Any]:
    phys: dict[str, Any] = {"artifactLocation": {"uri": path or ".", "uriBaseId": base}}
    if line:
        phys["region"] = {"startLine": int(line)}
    return {"physicalLocation": phys}


def to_sarif(result: AuditResult) -> dict[str, Any]:
    result.sort()
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for f in result.findings:
        if f.code not in rules:
            entry = get_check(f.code)
            rules[f.code] = {
                "id": f.code,
                "name": entry.name if entry else f.code,
                "shortDescription": {"text": f.title},
                "fullDescription": {"text": (entry.doc.split("\n\n")[0] if entry else f.title)},
                "help": {"text": entry.doc if entry else (f.remedy or f.title)},
                "defaultConfiguration": {"level": _LEVEL[f.severity.value]},
                "properties": {"pathology": f.pathology} if f.pathology else {},
            }
        base = "DATAROOT" if f.code[0] in "IDM" else "CONFIGROOT"
        places = [(e.get("path"), e.get("line"), e.get("message")) for e in f.examples] or [(f.path, f.line, None)]
        for path, line, detail in places:
            text = f.message if detail is None or f.count == 1 else f"{detail} ({f.title}; {f.count} in all)"
            if f.remedy:
                text += f" — fix: {f.remedy}"
            results.append(
                {
                    "ruleId": f.code,
                    "ruleIndex": list(rules).index(f.code),
                    "level": _LEVEL[f.severity.value],
                    "message": {"text": text},
                    "locations": [_location(path, line, base)],
                }
            )
    roots: dict[str, Any] = {}
    data = result.inputs.get("data")
    if data:
        root = getattr(result.sections.get("data_config"), "root", None)
        if root is not None:
            roots["DATAROOT"] = {"uri": root.as_uri() + "/"}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "preflight",
                        "version": __version__,
                        "rules": list(rules.values()),
                    }
                },
                "originalUriBaseIds": roots,
                "results": results,
            }
        ],
    }
