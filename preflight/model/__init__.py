"""The training-setup auditor (``preflight model``): model, loss, optimizer, input pipeline.

Importing this package does not import torch; :mod:`preflight.model.config` is plain YAML.
The torch-using parts load on first use: ``audit_model_file`` (model.yaml + data.yaml),
``audit`` (live Python objects), ``build_setup`` (the :class:`TrainingSetup`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["TrainingSetup", "audit", "audit_model_file", "build_setup"]

_LAZY = {
    "audit": ("api", "audit"),
    "audit_model_file": ("audit", "audit_model_file"),
    "build_setup": ("setup", "build_setup"),
    "TrainingSetup": ("setup", "TrainingSetup"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
