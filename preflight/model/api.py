"""The Python API: ``preflight.audit(model=..., loss_fn=..., optimizer=..., loader=..., data=...)``.

For notebooks and training scripts: the same audit as ``preflight model`` on live objects.
The objects are read, never changed: the model is deep-copied before it runs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..result import AuditResult
from .config import ModelConfig, load_model_config
from .setup import TrainingSetup, _default_num_classes, _guess_task, resolve_device

__all__ = ["audit"]


def audit(
    model: Any = None,
    loss_fn: Any = None,
    optimizer: Any = None,
    loader: Any = None,
    data: str | Path | None = None,
    task: str | None = None,
    num_classes: int | None = None,
    step: Any = None,
    probe: bool = True,
    device: str = "auto",
    html: str | Path | None = None,
    *,
    config: str | Path | None = None,
    select: Any = None,
    ignore: Any = None,
) -> AuditResult:
    """Audit a live training setup; returns an :class:`~preflight.result.AuditResult`.

    ``data`` is a data.yaml path: it gives the class names (and a default loader when
    ``loader`` is None). ``config`` optionally names a model.yaml whose ``input``,
    ``batch_size``, ``freeze_bn`` and ``output`` settings apply. ``html`` is accepted for the
    contract; writing the report is done by the report module when present.
    """
    import torch

    from .audit import audit_setup

    t0 = time.perf_counter()
    if model is None:
        raise ConfigError("preflight.audit: model= is required (a torch.nn.Module)")
    if not isinstance(model, torch.nn.Module):
        raise ConfigError(f"preflight.audit: model must be a torch.nn.Module, got {type(model).__name__}")
    if task is not None and task not in ("detect", "segment", "classify"):
        raise ConfigError(f"preflight.audit: task must be detect, segment or classify, got {task!r}")
    cfg = load_model_config(config) if config is not None else ModelConfig(file=None, task=task, model=None)
    if task is not None:
        cfg.task = task
    data_cfg = None
    if data is not None:
        from ..config import load_data_config

        data_cfg = load_data_config(data)
    t = _guess_task(cfg, data_cfg, model)
    notes: list[str] = []
    if loader is None and data_cfg is not None:
        from .batch import DefaultLoader

        loader = DefaultLoader(cfg, data_cfg, t)
    if loader is None:
        notes.append("no loader and no data: the model was audited on a synthetic batch, input (N) checks skipped")
    if loss_fn is None and t != "detect":
        notes.append("no loss_fn given: loss checks use CrossEntropyLoss")
        loss_fn = torch.nn.CrossEntropyLoss(ignore_index=data_cfg.ignore_index if data_cfg is not None and t == "segment" else -100)
    nc = num_classes if num_classes is not None else _default_num_classes(cfg, data_cfg, model, t)
    ignore_index = getattr(loss_fn, "ignore_index", None)
    if ignore_index is None and data_cfg is not None and t == "segment":
        ignore_index = data_cfg.ignore_index
    setup = TrainingSetup(
        model=model, loss_fn=loss_fn, optimizer=optimizer, loader=loader, task=t, num_classes=nc,
        step=step, cfg=cfg, device=resolve_device(device), data=data_cfg, notes=notes,
        ignore_index=ignore_index, classes_declared=num_classes is not None or data_cfg is not None,
    )
    result = audit_setup(setup, probe=probe, select=select, ignore=ignore)
    result.inputs = {"data": str(data) if data is not None else None, "model": str(config) if config is not None else None}
    result.seconds = time.perf_counter() - t0
    if html is not None:
        from ..report.html import write_html

        write_html(result, Path(html))
    return result
