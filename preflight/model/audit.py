"""``preflight model``: build the setup, take one real batch, measure, run the model checks.

The user's model is never changed: measurements run on a deep copy (see
:class:`~preflight.model.context.ModelContext`), the probe gets a clone
(:func:`~preflight.model.setup.clone_setup`), and the RNG states are restored.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..result import AuditResult
from ..runner import run_checks
from .setup import TrainingSetup, build_setup, clone_setup, first_batch

__all__ = ["audit_model_file", "audit_setup", "model_section"]

#: rows of the per-layer tables kept for the report (the whole table for small models)
MAX_ROWS = 400


def audit_model_file(
    model_yaml: Path | str,
    data_yaml: Path | str | None = None,
    *,
    device: str = "auto",
    probe: bool = True,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
) -> AuditResult:
    t0 = time.perf_counter()
    setup = build_setup(Path(model_yaml), Path(data_yaml) if data_yaml is not None else None, device=device)
    result = audit_setup(setup, probe=probe, select=select, ignore=ignore, device=device)
    result.inputs = {"data": str(data_yaml) if data_yaml is not None else None, "model": str(model_yaml)}
    result.seconds = time.perf_counter() - t0
    return result


def audit_setup(
    setup: TrainingSetup,
    *,
    probe: bool = True,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    device: str | Any = "auto",
) -> AuditResult:
    from ..registry import select_checks
    from .context import ModelContext

    t0 = time.perf_counter()
    select = list(select) if select is not None else None
    ignore = list(ignore) if ignore is not None else None
    batch, synthetic = first_batch(setup)
    ctx = ModelContext(setup, batch, synthetic=synthetic)
    ctx.measure()
    ctx.lr_schedule()  # builds the configured scheduler now: a bad one is a ConfigError (exit 2)
    result = AuditResult(inputs={"data": None, "model": None})
    result.notes += setup.notes
    result.findings += run_checks(select_checks("model", select, ignore), ctx)
    result.sections["model"] = model_section(ctx)
    params = sum(p.numel() for p in setup.model.parameters())
    trainable = sum(p.numel() for p in setup.model.parameters() if p.requires_grad)
    result.stats.update(parameters=int(params), trainable=int(trainable), batch=ctx.observed_batch)
    if probe:
        try:
            from .. import probe as probe_mod
        except ImportError:
            result.notes.append("probe skipped: preflight.probe is not available in this build")
        else:
            findings, section = probe_mod.run_probe(clone_setup(setup), batch, device=setup.device, select=select, ignore=ignore)
            result.findings += findings
            result.sections["probe"] = section
    result.seconds = time.perf_counter() - t0
    result.sort()
    return result


def _r(v: float | None, n: int = 4) -> float | None:
    """Round for the report; JSON has no NaN/inf, so those become None."""
    if v is None or not math.isfinite(v):
        return None
    return float(f"{v:.{n}g}")


def model_section(ctx: Any) -> dict[str, Any]:
    """Plain-dict report material: inputs, last layers + loss, init table, BN/freeze, optimizer."""
    import torch

    setup = ctx.setup
    model = setup.model
    sec: dict[str, Any] = {
        "task": ctx.task,
        "num_classes": ctx.num_classes,
        "model": type(model).__name__,
        "loss": ctx.loss_name,
        "optimizer": type(setup.optimizer).__name__ if setup.optimizer is not None else None,
        "device": str(setup.device),
        "synthetic_batch": ctx.synthetic,
        "input": ctx.input_stats(),
        "target": ctx.target_stats(),
        "output_shape": list(ctx.output.shape) if ctx.output is not None else None,
        "output_error": ctx.output_error,
        "loss_value": _r(ctx.loss),
        "loss_error": ctx.loss_error,
        "loss_parts": {k: _r(v) for k, v in ctx.loss_parts.items()},
        "expected_loss": _r(math.log(ctx.num_classes)) if ctx.is_ce and ctx.num_classes and ctx.num_classes > 1 else None,
        "last_layers": [{"name": n, "type": k} for n, k in ctx.trailing_leaves()[::-1]][-4:],
        "seconds": {k: round(v, 3) for k, v in ctx.seconds.items()},
    }
    grads = ctx.grads
    sec["layers"] = [
        {
            "name": w.name, "type": w.kind, "shape": list(w.shape), "fan_in": w.fan_in,
            "weight_std": _r(w.std), "band": [_r(w.band[0]), _r(w.band[1])],
            "grad_norm": _r(grads.get(w.name + ".weight", (None, 0.0))[0]),
            "trainable": w.trainable,
        }
        for w in ctx.weights[:MAX_ROWS]
    ]
    acts = [s for s in ctx.layers if s.weight_layer or s.dead is not None or s.saturated is not None]
    sec["activations"] = [
        {"name": s.name, "type": s.kind, "std": _r(s.std), "finite": s.finite, "dead": _r(s.dead), "saturated": _r(s.saturated)}
        for s in acts[:MAX_ROWS]
    ]
    bn_rows = []
    for name, m in model.named_modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            params = list(m.parameters(recurse=False))
            bn_rows.append(
                {
                    "name": name, "type": type(m).__name__, "training": bool(m.training),
                    "frozen": bool(params) and all(not p.requires_grad for p in params),
                    "track_running_stats": bool(m.track_running_stats),
                }
            )
    sec["batchnorm"] = bn_rows[:MAX_ROWS]
    sec["batchnorm_count"] = len(bn_rows)
    sec["freeze"] = dict(setup.freeze_matches)
    sec["optimizer_coverage"] = optimizer_coverage(model, setup.optimizer)
    sec["lr_schedule"] = ctx.lr_schedule()
    sec["batch_preview"] = _batch_preview(ctx)
    # what N111 measured on the user's DataLoader (absent when the check did not run)
    sec["augmentation"] = getattr(ctx, "augment_variety", None)
    return sec


def _batch_preview(ctx: Any) -> dict[str, Any] | None:
    """Small JPEG thumbnails of the audited batch with its labels drawn (for the report only:
    the batch itself is not kept). A picture that cannot be drawn never fails the audit."""
    from .preview import batch_preview

    try:
        return batch_preview(ctx)
    except Exception as exc:  # noqa: BLE001
        return {"error": f"{type(exc).__name__}: {str(exc)[:120]}"}


def optimizer_coverage(model: Any, optimizer: Any) -> dict[str, Any]:
    """Which parameters the optimizer holds, against which ones require gradients."""
    if optimizer is None:
        return {}
    held = {id(p) for g in optimizer.param_groups for p in g["params"]}
    names = dict(model.named_parameters())
    trainable = [n for n, p in names.items() if p.requires_grad]
    frozen = [n for n, p in names.items() if not p.requires_grad]
    return {
        "trainable": len(trainable),
        "frozen": len(frozen),
        "trainable_missing": [n for n in trainable if id(names[n]) not in held],
        "frozen_held": [n for n in frozen if id(names[n]) in held],
        "foreign": len(held - {id(p) for p in names.values()}),
        "groups": [
            {k: (v if isinstance(v, (int, float, str, bool, type(None))) else str(v)) for k, v in g.items() if k != "params"}
            | {"params": len(g["params"])}
            for g in optimizer.param_groups
        ],
    }
