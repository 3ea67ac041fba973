"""Build a :class:`TrainingSetup` from model.yaml (+ data.yaml), or from live Python objects.

Everything the user's code can get wrong while *building* (an import error, a factory that
raises, a checkpoint with the wrong keys, a pickle that ``weights_only`` refuses, a loader that
yields the wrong types) becomes a one-line :class:`~preflight.errors.ConfigError`, never a
traceback. Everything it can get wrong while *training* is left to the checks.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .config import ModelConfig, load_model_config, resolve_callable

__all__ = ["TrainingSetup", "build_setup", "clone_setup", "first_batch", "resolve_device"]


@dataclass
class TrainingSetup:
    model: Any
    loss_fn: Any
    optimizer: Any
    loader: Any
    task: str
    num_classes: int | None
    step: Callable[..., Any] | None
    cfg: ModelConfig
    device: Any
    #: the parsed data.yaml (preflight.config.DataConfig) when one was given
    data: Any = None
    #: freeze prefixes from the config and how many parameters each matched
    freeze_matches: dict[str, int] = field(default_factory=dict)
    #: one-line notes for the result (e.g. "no data.yaml: synthetic batch")
    notes: list[str] = field(default_factory=list)
    #: the loss's ignore index (CE ``ignore_index`` or the data.yaml one), when meaningful
    ignore_index: int | None = None
    #: num_classes comes from the data (or the caller), not from the model itself
    classes_declared: bool = False


def resolve_device(device: str | Any = "auto") -> Any:
    import torch

    if isinstance(device, torch.device):
        return device
    text = str(device or "auto").lower()
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if text.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"--device {device}: CUDA is not available on this machine")
    try:
        return torch.device(text)
    except RuntimeError:
        raise ConfigError(f"--device {device}: expected auto, cpu, cuda or cuda:N") from None


def _call(fn: Callable[..., Any], what: str, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - user code: any error is a one-line config error
        text = str(exc).strip().splitlines()
        raise ConfigError(f"{what} raised {type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")) from None


def _load_checkpoint(model: Any, cfg: ModelConfig) -> None:
    import pickle

    import torch

    where = f"{cfg.where('model.checkpoint')}: model.checkpoint"
    path = Path(cfg.checkpoint or "").expanduser()
    path = path if path.is_absolute() else cfg.base / path
    if not path.is_file():
        raise ConfigError(f"{where} {cfg.checkpoint!r}: file not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ConfigError(
            f"{where} {path.name}: refused by torch.load(weights_only=True) (it pickles code, not only "
            f"tensors: {first[:160]}); save model.state_dict() instead"
        ) from None
    except Exception as exc:  # noqa: BLE001
        raise ConfigError(f"{where} {path.name}: cannot be read: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
        state = state["model"]
    if not isinstance(state, dict):
        raise ConfigError(f"{where} {path.name}: holds a {type(state).__name__}, not a state_dict")
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shape = [k for k in own if k in state and hasattr(state[k], "shape") and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shape:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing (e.g. {missing[0]})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {unexpected[0]})")
        if shape:
            k = shape[0]
            parts.append(f"{len(shape)} with another shape (e.g. {k}: {tuple(state[k].shape)} vs {tuple(own[k].shape)})")
        hint = " (a 'module.' prefix from DataParallel?)" if unexpected and unexpected[0].startswith("module.") else ""
        raise ConfigError(f"{where} {path.name}: keys do not match the model: {'; '.join(parts)}{hint}")
    model.load_state_dict(state)


def _apply_freeze(model: Any, prefixes: list[str]) -> dict[str, int]:
    matches = {p: 0 for p in prefixes}
    for name, param in model.named_parameters():
        for p in prefixes:
            if name.startswith(p):
                matches[p] += 1
                param.requires_grad_(False)
    return matches


def _default_num_classes(cfg: ModelConfig, data: Any, model: Any, task: str) -> int | None:
    if data is not None and data.names:
        return len(data.names)
    if cfg.model is not None:
        nc = cfg.model.kwargs.get("num_classes")
        if isinstance(nc, int):
            return nc - 1 if task == "detect" else nc
    return None


def _guess_task(cfg: ModelConfig, data: Any, model: Any) -> str:
    if cfg.task:
        return cfg.task
    if data is not None and data.task:
        return str(data.task)
    mod = type(model).__module__ if model is not None else ""
    if ".detection" in mod:
        return "detect"
    if ".segmentation" in mod:
        return "segment"
    return "classify"


def build_setup(model_yaml: Path | str | ModelConfig, data_yaml: Path | str | None = None, *, device: str = "auto") -> TrainingSetup:
    """Build model, loss, optimizer, loader and step from the config files."""
    import torch

    cfg = model_yaml if isinstance(model_yaml, ModelConfig) else load_model_config(Path(model_yaml))
    dev = resolve_device(device)
    data = None
    if data_yaml is not None:
        from ..config import load_data_config

        data = load_data_config(data_yaml)
    given: dict[str, Any] = {}
    if cfg.setup:
        fn = resolve_callable(cfg.setup, cfg.base, what=f"{cfg.where('setup')}: setup")
        given = _call(fn, f"{cfg.where('setup')}: setup {cfg.setup!r}", cfg) or {}
        if not isinstance(given, dict):
            raise ConfigError(f"{cfg.where('setup')}: setup {cfg.setup!r} returned {type(given).__name__}, expected a dict(model=, loss_fn=, optimizer=, loader=)")
    model = given.get("model")
    if model is None:
        if cfg.model is None:
            raise ConfigError(f"{cfg.file}: model.factory is missing and setup gave no model")
        fn = resolve_callable(cfg.model.factory, cfg.base, what=f"{cfg.where('model.factory')}: model.factory")
        model = _call(fn, f"{cfg.where('model.factory')}: model.factory {cfg.model.factory!r}", **cfg.model.kwargs)
    if not isinstance(model, torch.nn.Module):
        raise ConfigError(f"{cfg.where('model.factory')}: model.factory returned {type(model).__name__}, not a torch.nn.Module")
    if cfg.checkpoint:
        _load_checkpoint(model, cfg)
    freeze_matches = _apply_freeze(model, cfg.freeze)
    task = _guess_task(cfg, data, model)
    notes: list[str] = []

    loss_fn = given.get("loss_fn")
    if loss_fn is None and cfg.loss is not None:
        fn = resolve_callable(cfg.loss.factory, cfg.base, what=f"{cfg.where('loss.factory')}: loss.factory")
        loss_fn = _call(fn, f"{cfg.where('loss.factory')}: loss.factory {cfg.loss.factory!r}", **cfg.loss.kwargs)
    if loss_fn is None and task != "detect":
        notes.append("model.yaml has no loss: the audit used CrossEntropyLoss")
        loss_fn = torch.nn.CrossEntropyLoss(ignore_index=data.ignore_index if data is not None and task == "segment" else -100)
    optimizer = given.get("optimizer")
    if optimizer is None and cfg.optimizer is not None:
        fn = resolve_callable(cfg.optimizer.factory, cfg.base, what=f"{cfg.where('optimizer.factory')}: optimizer.factory")
        params = [p for p in model.parameters() if p.requires_grad]
        if params:
            optimizer = _call(fn, f"{cfg.where('optimizer.factory')}: optimizer.factory {cfg.optimizer.factory!r}", params, **cfg.optimizer.kwargs)
        else:  # torch refuses an empty list; B105 reports "everything frozen" as a finding
            notes.append("no trainable parameters: the optimizer was not built")
    step = None
    if cfg.step:
        step = resolve_callable(cfg.step, cfg.base, what=f"{cfg.where('step')}: step")
    loader = given.get("loader")
    if loader is None and cfg.loader:
        fn = resolve_callable(cfg.loader, cfg.base, what=f"{cfg.where('loader')}: loader")
        loader = _call(fn, f"{cfg.where('loader')}: loader {cfg.loader!r}", data, cfg)
    if loader is None and data is not None:
        from .batch import DefaultLoader

        loader = DefaultLoader(cfg, data, task)
    if loader is None:
        notes.append("no data.yaml and no loader: the model was audited on a synthetic batch, input (N) checks skipped")
    ignore = getattr(loss_fn, "ignore_index", None)
    if ignore is None and data is not None and task == "segment":
        ignore = data.ignore_index
    return TrainingSetup(
        model=model, loss_fn=loss_fn, optimizer=optimizer, loader=loader, task=task,
        num_classes=_default_num_classes(cfg, data, model, task), step=step, cfg=cfg,
        device=dev, data=data, freeze_matches=freeze_matches, notes=notes, ignore_index=ignore,
        classes_declared=data is not None,
    )


def synthetic_batch(setup: TrainingSetup) -> tuple[Any, Any]:
    """A batch of normalized noise and random targets, for an audit without data."""
    import torch

    cfg = setup.cfg
    h, w = cfg.input.size or (224, 224)
    b = min(cfg.batch_size or 2, 4)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(b, 3, h, w, generator=g)
    c = setup.num_classes or 2
    if setup.task == "segment":
        return x, torch.randint(0, c, (b, h, w), generator=g)
    if setup.task == "detect":
        boxes = torch.tensor([[w * 0.2, h * 0.2, w * 0.6, h * 0.7]])
        return x.clamp(-2, 2).add(2).div(4), [{"boxes": boxes.clone(), "labels": torch.tensor([1])} for _ in range(b)]
    return x, torch.randint(0, c, (b,), generator=g)


def first_batch(setup: TrainingSetup) -> tuple[tuple[Any, Any], bool]:
    """One real batch (inputs, targets) from the loader; (batch, synthetic?)."""
    if setup.loader is None:
        return synthetic_batch(setup), True
    where = f"{setup.cfg.where('loader')}: loader" if setup.cfg.loader else "loader"
    try:
        it = iter(setup.loader)
    except TypeError:
        raise ConfigError(f"{where} is a {type(setup.loader).__name__}, not an iterable of (inputs, targets)") from None
    try:
        batch = next(it)
    except StopIteration:
        raise ConfigError(f"{where} yielded no batch") from None
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ConfigError(f"{where} raised {type(exc).__name__} on the first batch: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") from None
    if isinstance(batch, dict):
        for xk, yk in (("image", "mask"), ("image", "label"), ("images", "targets"), ("inputs", "targets"), ("input", "target")):
            if xk in batch and yk in batch:
                batch = (batch[xk], batch[yk])
                break
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise ConfigError(f"{where} must yield (inputs, targets) pairs, got {type(batch).__name__}")
    inputs, targets = batch[0], batch[1]
    import torch

    if isinstance(inputs, (list, tuple)) and inputs and all(isinstance(t, torch.Tensor) for t in inputs) and setup.task != "detect":
        shapes = {tuple(t.shape) for t in inputs}
        if len(shapes) == 1:
            inputs = torch.stack(list(inputs))
    if not isinstance(inputs, torch.Tensor) and not (
        isinstance(inputs, (list, tuple)) and inputs and all(isinstance(t, torch.Tensor) for t in inputs)
    ):
        raise ConfigError(f"{where} yields inputs of type {type(inputs).__name__}; expected a torch.Tensor [B, C, H, W] (or a list of [C, H, W] tensors for detection)")
    if isinstance(targets, (list, tuple)) and setup.task != "detect" and targets and all(isinstance(t, (int,)) for t in targets):
        targets = torch.tensor(list(targets))
    if setup.task != "detect" and not isinstance(targets, torch.Tensor):
        raise ConfigError(f"{where} yields targets of type {type(targets).__name__}; expected a torch.Tensor")
    if setup.task == "detect" and not (isinstance(targets, (list, tuple)) and all(isinstance(t, dict) for t in targets)):
        raise ConfigError(f"{where} yields detection targets of type {type(targets).__name__}; expected a list of dicts with boxes and labels")
    return (inputs, targets), False


def clone_setup(setup: TrainingSetup) -> TrainingSetup:
    """A deep copy of model and loss, with an optimizer of the same kind over the copy.

    The probe trains on this; the user's model and optimizer are never touched.
    """
    model = copy.deepcopy(setup.model)
    optimizer = None
    if setup.optimizer is not None:
        index = {id(p): n for n, p in setup.model.named_parameters()}
        new = dict(model.named_parameters())
        groups = []
        for g in setup.optimizer.param_groups:
            opts = {k: v for k, v in g.items() if k != "params"}
            groups.append({"params": [new[index[id(p)]] for p in g["params"] if id(p) in index], **opts})
        groups = [g for g in groups if g["params"]]
        if groups:
            try:
                optimizer = type(setup.optimizer)(groups, **setup.optimizer.defaults)
            except Exception:  # noqa: BLE001 - an optimizer whose signature we cannot rebuild
                optimizer = None
    return TrainingSetup(
        model=model, loss_fn=copy.deepcopy(setup.loss_fn), optimizer=optimizer, loader=setup.loader,
        task=setup.task, num_classes=setup.num_classes, step=setup.step, cfg=setup.cfg,
        device=setup.device, data=setup.data, freeze_matches=dict(setup.freeze_matches),
        notes=list(setup.notes), ignore_index=setup.ignore_index,
        classes_declared=setup.classes_declared,
    )
