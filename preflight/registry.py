"""The check registry: every check declares itself with :func:`check`; the engine knows none.

Built-in checks live in the top-level ``checks/`` folder, installed as ``preflight.checks``
(one module per check, named after its code). Outside check packs register modules through
the entry-point group ``preflight.checks`` (entry name = their code prefix). Nothing imports
a check statically: :func:`all_checks` discovers them with ``pkgutil`` + ``importlib``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .findings import PATHOLOGIES, Severity

__all__ = ["SCOPES", "Check", "all_checks", "check", "get_check", "select_checks"]

CODE_RE = re.compile(r"^[IDMNAWBOPC][0-9]{3}$")

#: Which facts a check reads: ``data`` (the dataset scan), ``setup`` (a data.yaml together with
#: a model.yaml, read as YAML only), ``model`` (a built model and a real batch; torch),
#: ``probe`` (the overfit-one-batch run), ``curves`` (logs of finished runs).
SCOPES = ("data", "setup", "model", "probe", "curves")

#: The fixed headings of a check's docstring: ``preflight explain`` prints them.
DOC_HEADINGS = ("What it checks", "Why it matters", "Example", "How to fix")


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    severity: Severity
    title: str
    pathology: str | None
    remedy: str
    scope: str
    func: Callable[..., Iterable[Any]]
    doc: str
    module: str
    #: tunable numbers, each with where it comes from: {name: (value, source)}
    thresholds: dict[str, tuple[Any, str]] = field(default_factory=dict)
    #: optional: turns many hits into one message (default: a count and the first hit)
    summarize: Callable[..., str] | None = None

    def threshold(self, name: str) -> Any:
        return self.thresholds[name][0]


_REGISTRY: dict[str, Check] = {}
_LOADED: set[str] = set()
#: names of the outside packs whose checks were loaded
_PACKS: list[str] = []

#: check families (code letters) whose checks can have each scope: a data audit imports only
#: the I, D and M modules, never the model-side ones (start-up time of `preflight data`)
SCOPE_FAMILIES = {"data": "IDM", "setup": "IDM", "model": "NAWBO", "probe": "P", "curves": "C"}
ALL_FAMILIES = "IDMNAWBOPC"


def check(
    code: str,
    name: str,
    *,
    severity: str,
    title: str,
    remedy: str,
    pathology: str | None = None,
    scope: str = "data",
    thresholds: dict[str, tuple[Any, str]] | None = None,
    summarize: Callable[..., str] | None = None,
) -> Callable[[Callable[..., Iterable[Any]]], Callable[..., Iterable[Any]]]:
    """Declare a check. The decorated function takes a context and yields hits/findings."""
    if not CODE_RE.match(code):
        raise ValueError(f"check code {code!r} must be a family letter and three digits")
    if pathology is not None and pathology not in PATHOLOGIES:
        raise ValueError(f"{code}: unknown pathology {pathology!r}")
    if scope not in SCOPES:
        raise ValueError(f"{code}: unknown scope {scope!r}")

    def decorate(func: Callable[..., Iterable[Any]]) -> Callable[..., Iterable[Any]]:
        module = sys.modules.get(func.__module__)
        doc = (module.__doc__ if module is not None else None) or func.__doc__ or ""
        entry = Check(
            code=code, name=name, severity=Severity.parse(severity), title=title,
            pathology=pathology, remedy=remedy, scope=scope, func=func,
            doc=doc.strip(), module=func.__module__, thresholds=dict(thresholds or {}),
            summarize=summarize,
        )
        old = _REGISTRY.get(code)
        if old is not None and old.module != entry.module:
            raise RuntimeError(f"check code {code} is declared twice: {old.module} and {entry.module}")
        _REGISTRY[code] = entry
        func.check = entry  # type: ignore[attr-defined]
        return func

    return decorate


def _load(families: str = ALL_FAMILIES) -> None:
    """Import the built-in check modules of these families (once), and every outside pack."""
    todo = set(families.upper()) - _LOADED
    if not todo:
        return
    from . import checks as builtin  # type: ignore[attr-defined]  # installed from checks/

    for info in sorted(pkgutil.iter_modules(builtin.__path__), key=lambda m: m.name):
        if not info.name.startswith("_") and info.name[:1].upper() in todo:
            importlib.import_module(f"{builtin.__name__}.{info.name}")
    if "packs" not in _LOADED:
        _LOADED.add("packs")
        from importlib.metadata import entry_points

        for ep in entry_points(group="preflight.checks"):
            _PACKS.append(ep.name)
            before = set(_REGISTRY)
            ep.load()
            for code in set(_REGISTRY) - before:
                if not code.startswith(ep.name):
                    raise RuntimeError(
                        f"check pack {ep.name!r} ({ep.value}) declares {code}, outside its prefix"
                    )
    _LOADED.update(todo)


def outside_packs() -> list[str]:
    """The outside check packs loaded so far (entry points in ``preflight.checks``). Checked
    before a whole-audit result is reused or stored: a pack's code is not part of the digest."""
    return list(_PACKS)


def all_checks() -> list[Check]:
    _load()
    return [_REGISTRY[c] for c in sorted(_REGISTRY)]


def get_check(code: str) -> Check | None:
    _load(code[:1] if code[:1].upper() in ALL_FAMILIES else ALL_FAMILIES)
    return _REGISTRY.get(code.upper())


def _matches(code: str, patterns: Iterable[str]) -> bool:
    return any(code.startswith(p.strip().upper()) for p in patterns if p.strip())


def select_checks(
    scope: str | Iterable[str],
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
) -> list[Check]:
    """The checks of the given scope(s), filtered by code or prefix (``D1``, ``M``, ``B201``)."""
    scopes = {scope} if isinstance(scope, str) else set(scope)
    _load("".join(SCOPE_FAMILIES.get(s, ALL_FAMILIES) for s in scopes))
    chosen = [_REGISTRY[c] for c in sorted(_REGISTRY) if _REGISTRY[c].scope in scopes]
    sel = list(select or [])
    if sel:
        chosen = [c for c in chosen if _matches(c.code, sel)]
    ign = list(ignore or [])
    if ign:
        chosen = [c for c in chosen if not _matches(c.code, ign)]
    return chosen


def explain_text(entry: Check) -> str:
    """What ``preflight explain CODE`` prints: the header, the docstring, the numbers."""
    lines = [
        f"{entry.code} {entry.name} — {entry.title}",
        f"severity: {entry.severity.value}"
        + (f" · leads to: {entry.pathology}" if entry.pathology else "")
        + f" · scope: {entry.scope}",
        "",
        entry.doc,
        "",
        f"Remedy: {entry.remedy}",
    ]
    if entry.thresholds:
        lines += ["", "Thresholds:"]
        for key, (value, source) in entry.thresholds.items():
            lines.append(f"  {key} = {value!r} — {source}")
    return "\n".join(lines).rstrip() + "\n"
