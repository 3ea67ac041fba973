"""model.yaml read as data, for the setup-scope checks (M2xx): no torch, no import of the factories."""

from __future__ import annotations

from typing import Any

__all__ = ["LOSS_IGNORE_DEFAULTS", "LossSpec", "loss_spec", "model_classes"]

#: Losses that can skip a target value, and what they skip when ``ignore_index`` is not given
#: (torch.nn: -100; segmentation_models_pytorch: None = nothing skipped).
LOSS_IGNORE_DEFAULTS: dict[str, int | None] = {
    "CrossEntropyLoss": -100,
    "NLLLoss": -100,
    "SoftCrossEntropyLoss": -100,
    "DiceLoss": None,
    "FocalLoss": None,
    "JaccardLoss": None,
    "LovaszLoss": None,
    "TverskyLoss": None,
}

#: kwargs names under which model factories take the number of output classes.
CLASS_KWARGS = ("num_classes", "classes", "n_classes", "out_channels", "num_labels", "nclass", "nc")


class LossSpec:
    def __init__(self, factory: str, name: str, kwargs: dict[str, Any]) -> None:
        self.factory = factory
        self.name = name
        self.kwargs = kwargs

    @property
    def explicit(self) -> bool:
        return "ignore_index" in self.kwargs

    @property
    def ignore_index(self) -> int | None:
        """The value the loss skips (its default when not given); None = skips nothing."""
        if self.explicit:
            v = self.kwargs["ignore_index"]
            return int(v) if isinstance(v, int) and not isinstance(v, bool) else None
        return LOSS_IGNORE_DEFAULTS.get(self.name)

    @property
    def can_ignore(self) -> bool:
        return self.name in LOSS_IGNORE_DEFAULTS


def loss_spec(ctx: Any) -> LossSpec | None:
    cfg = ctx.model_cfg
    if not isinstance(cfg, dict):
        return None
    loss = cfg.get("loss")
    if not isinstance(loss, dict) or not isinstance(loss.get("factory"), str):
        return None
    factory = loss["factory"]
    name = factory.replace(":", ".").rsplit(".", 1)[-1]
    kwargs = loss.get("kwargs") if isinstance(loss.get("kwargs"), dict) else {}
    return LossSpec(factory, name, kwargs)


def model_classes(ctx: Any) -> tuple[str, int] | None:
    """(kwarg name, value) of the model's class count as written in model.yaml."""
    cfg = ctx.model_cfg
    model = cfg.get("model") if isinstance(cfg, dict) else None
    kwargs = model.get("kwargs") if isinstance(model, dict) else None
    if not isinstance(kwargs, dict):
        return None
    for key in CLASS_KWARGS:
        v = kwargs.get(key)
        if isinstance(v, int) and not isinstance(v, bool):
            return key, v
    return None


def model_path(ctx: Any) -> str | None:
    return str(ctx.model_file) if ctx.model_file else None


def model_line(ctx: Any, *keys: str) -> int | None:
    """The line in model.yaml of the first of ``keys`` (dotted) that is written there."""
    lines = getattr(ctx, "model_lines", None) or {}
    return next((lines[k] for k in keys if k in lines), None)


def input_size(ctx: Any) -> tuple[int, int] | None:
    """model.yaml's ``input.size`` as (H, W) in pixels (an int means a square), or None."""
    cfg = ctx.model_cfg
    node = cfg.get("input") if isinstance(cfg, dict) else None
    size = node.get("size") if isinstance(node, dict) else None
    if isinstance(size, int) and not isinstance(size, bool):
        size = [size, size]
    if isinstance(size, list) and len(size) == 2 and all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in size):
        return int(size[0]), int(size[1])
    return None
