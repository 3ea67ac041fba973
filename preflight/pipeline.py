"""``preflight check`` and ``preflight model``: data, setup, model, probe and predictions in one go."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .engine import ProgressFactory, _no_progress, audit_data
from .errors import ConfigError
from .result import AuditResult

__all__ = ["add_predictions", "run_check", "run_model"]

#: Where ``preflight check`` writes its report unless ``--html`` says otherwise.
REPORTS_DIR = Path("reports")


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def add_predictions(result: AuditResult) -> None:
    try:
        from .predict import predict
    except ImportError:
        return
    probe = result.sections.get("probe")
    if isinstance(probe, dict) and probe.get("verdict"):
        result.stats["probe"] = {"verdict": probe["verdict"]}
    result.predictions = predict(result.findings, result.stats)


def _model_result(model_yaml: Path, data_yaml: Path | None, *, device: str, probe: bool,
                  select: Sequence[str] | None, ignore: Sequence[str] | None) -> AuditResult:
    if not torch_available():
        raise ConfigError("model checks need torch: install it with `pip install 'preflight-cv[torch]'` (or `make install`)")
    from .model.audit import audit_model_file

    return audit_model_file(model_yaml, data_yaml, device=device, probe=probe, select=select, ignore=ignore)


def run_model(model_yaml: Path, data_yaml: Path | None, *, device: str = "auto", probe: bool = True,
              select: Sequence[str] | None = None, ignore: Sequence[str] | None = None) -> AuditResult:
    result = _model_result(model_yaml, data_yaml, device=device, probe=probe, select=select, ignore=ignore)
    add_predictions(result)
    result.sort()
    return result


def run_check(
    data_yaml: Path,
    model_yaml: Path | None,
    *,
    deep: bool = False,
    jobs: int | None = None,
    use_cache: bool = True,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    device: str = "auto",
    probe: bool = True,
    progress: ProgressFactory = _no_progress,
    dask: str | None = None,
) -> tuple[AuditResult, Path]:
    t0 = time.perf_counter()
    result, ctx = audit_data(
        data_yaml, deep=deep, jobs=jobs, use_cache=use_cache, select=select, ignore=ignore,
        progress=progress, model_yaml=model_yaml, dask=dask,
    )
    assert ctx is not None  # audited without reuse: the model checks and the report need the facts
    if model_yaml is not None:
        if torch_available():
            mres = _model_result(model_yaml, data_yaml, device=device, probe=probe, select=select, ignore=ignore)
            result.findings.extend(mres.findings)
            merged: dict[str, Any] = dict(mres.stats)
            merged.update(result.stats)
            result.stats = merged
            result.sections.update({k: v for k, v in mres.sections.items() if k != "data"})
            result.notes.extend(mres.notes)
        else:
            result.notes.append("model checks skipped: torch is not installed (pip install 'preflight-cv[torch]')")
    add_predictions(result)
    result.seconds = time.perf_counter() - t0
    result.sort()
    return result, REPORTS_DIR / f"{ctx.cfg.name}.html"
