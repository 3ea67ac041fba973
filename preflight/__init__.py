"""preflight: audit a computer-vision dataset and a PyTorch training setup before training."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "audit"]


def audit(**kwargs: Any) -> Any:
    """Audit a training setup from Python; see :func:`preflight.model.api.audit`.

    ``preflight.audit(model=..., loss_fn=..., optimizer=..., loader=..., data="data.yaml")``
    returns the findings and can write the report. Imported lazily: torch is only loaded
    when this is called.
    """
    from .model.api import audit as _audit

    return _audit(**kwargs)
