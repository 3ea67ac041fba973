"""model.yaml: parse and validate the training-setup config of the contract.

Only YAML and plain Python here (no torch): wrong types and unknown tasks are a
:class:`~preflight.errors.ConfigError` with one line naming the file, the line and the key.
Things that are legal but suspicious (a freeze prefix that matches nothing, an odd learning
rate) are left to the checks, which report them as findings.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..yamlio import load_yaml

__all__ = ["TASKS", "FactorySpec", "InputSpec", "ModelConfig", "SchedulerSpec", "load_model_config",
           "resolve_callable"]

TASKS = ("detect", "segment", "classify")
CHANNELS = ("RGB", "BGR")
#: the statistics torchvision's ImageNet weights were trained with (RGB order)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass
class FactorySpec:
    """``module:callable`` or ``path/to/file.py:callable`` with keyword arguments."""

    factory: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: dotted key in model.yaml ("model", "loss", "optimizer") for messages
    key: str = ""


#: schedulers people step once per batch; every other one is stepped once per epoch
PER_STEP_SCHEDULERS = ("OneCycleLR", "CyclicLR")


@dataclass
class SchedulerSpec:
    """The optional ``scheduler:`` key: a factory called as ``factory(optimizer, **kwargs)``,
    the planned run (``epochs`` x ``steps_per_epoch``) and how often it is stepped."""

    factory: FactorySpec
    epochs: int
    steps_per_epoch: int = 1
    #: "epoch" or "step"; default "step" for OneCycleLR/CyclicLR, else "epoch"
    interval: str = "epoch"


@dataclass
class InputSpec:
    size: tuple[int, int] | None = None  # H, W
    scale: float = 255.0
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None
    channels: str = "RGB"
    pretrained: str | None = None
    #: which of the keys were written in the file (defaults are not evidence of intent)
    given: frozenset[str] = frozenset()


@dataclass
class ModelConfig:
    file: Path | None
    task: str | None
    model: FactorySpec | None
    checkpoint: str | None = None
    output: str | int | None = None
    input: InputSpec = field(default_factory=InputSpec)
    loss: FactorySpec | None = None
    optimizer: FactorySpec | None = None
    batch_size: int | None = None
    freeze: list[str] = field(default_factory=list)
    freeze_bn: bool = False
    loader: str | None = None
    setup: str | None = None
    step: str | None = None
    scheduler: SchedulerSpec | None = None
    lines: dict[str, int] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def base(self) -> Path:
        return self.file.parent if self.file is not None else Path.cwd()

    @property
    def name(self) -> str:
        return self.file.name if self.file is not None else "model.yaml"

    def where(self, key: str) -> str:
        """``model.yaml:12`` for messages (the line of the key when known)."""
        line = self.lines.get(key)
        return f"{self.name}:{line}" if line else self.name


def _err(file: Path, lines: dict[str, int], key: str, problem: str) -> ConfigError:
    line = lines.get(key)
    return ConfigError(f"{file}{':' + str(line) if line else ''}: {key}: {problem}")


def _factory(data: dict[str, Any], key: str, file: Path, lines: dict[str, int], *, required: bool) -> FactorySpec | None:
    node = data.get(key)
    if node is None:
        if required:
            raise ConfigError(f"{file}: {key}.factory is missing: e.g. `{key}: {{factory: module:callable}}`")
        return None
    if isinstance(node, str):  # shorthand: `loss: torch.nn:CrossEntropyLoss`
        node = {"factory": node}
    if not isinstance(node, dict):
        raise _err(file, lines, key, f"must be a mapping with factory/kwargs, got {type(node).__name__}")
    factory = node.get("factory")
    if not isinstance(factory, str) or ":" not in factory:
        raise _err(file, lines, f"{key}.factory", f"must be 'module:callable' or 'path/to/file.py:callable', got {factory!r}")
    kwargs = node.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise _err(file, lines, f"{key}.kwargs", f"must be a mapping of keyword arguments, got {type(kwargs).__name__}")
    return FactorySpec(factory=factory, kwargs=dict(kwargs), key=key)


def _floats(value: Any, file: Path, lines: dict[str, int], key: str, n: int | None = None) -> tuple[float, ...]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not value or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        raise _err(file, lines, key, f"must be a number or a list of numbers, got {value!r}")
    if n is not None and len(value) != n:
        raise _err(file, lines, key, f"must have {n} values, got {len(value)}")
    return tuple(float(v) for v in value)


def _input(data: dict[str, Any], file: Path, lines: dict[str, int]) -> InputSpec:
    node = data.get("input") or {}
    if not isinstance(node, dict):
        raise _err(file, lines, "input", f"must be a mapping (size, scale, mean, std, channels), got {type(node).__name__}")
    spec = InputSpec(given=frozenset(node))
    if "size" in node:
        size = node["size"]
        if isinstance(size, int) and not isinstance(size, bool):
            size = [size, size]
        if not (isinstance(size, list) and len(size) == 2 and all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in size)):
            raise _err(file, lines, "input.size", f"must be [H, W] in pixels, got {node['size']!r}")
        spec.size = (size[0], size[1])
    if "scale" in node and node["scale"] is not None:
        (spec.scale,) = _floats(node["scale"], file, lines, "input.scale", 1)
        if spec.scale <= 0:
            raise _err(file, lines, "input.scale", f"must be > 0, got {node['scale']!r}")
    for key in ("mean", "std"):
        if node.get(key) is not None:
            setattr(spec, key, _floats(node[key], file, lines, f"input.{key}"))
    if spec.std is not None and any(s <= 0 for s in spec.std):
        raise _err(file, lines, "input.std", f"must be > 0, got {list(spec.std)}")
    channels = node.get("channels", "RGB")
    if not isinstance(channels, str) or channels.upper() not in CHANNELS:
        raise _err(file, lines, "input.channels", f"must be RGB or BGR, got {channels!r}")
    spec.channels = channels.upper()
    pre = node.get("pretrained")
    if pre is not None and not isinstance(pre, str):
        raise _err(file, lines, "input.pretrained", f"must be a name such as imagenet, got {pre!r}")
    spec.pretrained = pre.lower() if isinstance(pre, str) else None
    return spec


def _hook(data: dict[str, Any], key: str, file: Path, lines: dict[str, int]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or ":" not in value:
        raise _err(file, lines, key, f"must be 'path/to/file.py:callable' or 'module:callable', got {value!r}")
    return value


def _whole(node: dict[str, Any], key: str, file: Path, lines: dict[str, int], default: int | None) -> int:
    value = node.get(key.rsplit(".", 1)[1], default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _err(file, lines, key, f"must be a whole number ≥ 1, got {value!r}")
    return value


def _scheduler(data: dict[str, Any], file: Path, lines: dict[str, int]) -> SchedulerSpec | None:
    spec = _factory(data, "scheduler", file, lines, required=False)
    if spec is None:
        return None
    node: dict[str, Any] = data["scheduler"] if isinstance(data.get("scheduler"), dict) else {}
    epochs = _whole(node, "scheduler.epochs", file, lines, None)
    steps = _whole(node, "scheduler.steps_per_epoch", file, lines, 1)
    name = spec.factory.rpartition(":")[2]
    interval = node.get("interval", "step" if name in PER_STEP_SCHEDULERS else "epoch")
    if interval not in ("epoch", "step"):
        raise _err(file, lines, "scheduler.interval", f"must be epoch or step, got {interval!r}")
    return SchedulerSpec(factory=spec, epochs=epochs, steps_per_epoch=steps, interval=interval)


def parse_model_config(data: dict[str, Any], file: Path, lines: dict[str, int]) -> ModelConfig:
    task = data.get("task")
    if task is not None and task not in TASKS:
        raise _err(file, lines, "task", f"must be one of {', '.join(TASKS)}, got {task!r}")
    has_setup = data.get("setup") is not None
    model = _factory(data, "model", file, lines, required=not has_setup)
    node: dict[str, Any] = data["model"] if isinstance(data.get("model"), dict) else {}
    checkpoint = node.get("checkpoint")
    if checkpoint is not None and not isinstance(checkpoint, str):
        raise _err(file, lines, "model.checkpoint", f"must be a file path, got {checkpoint!r}")
    output = node.get("output")
    if output is not None and (isinstance(output, bool) or not isinstance(output, (str, int))):
        raise _err(file, lines, "model.output", f"must be a key or an index, got {output!r}")
    batch = data.get("batch_size")
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise _err(file, lines, "batch_size", f"must be a whole number ≥ 1, got {batch!r}")
    freeze = data.get("freeze") or []
    if isinstance(freeze, str):
        freeze = [freeze]
    if not isinstance(freeze, list) or not all(isinstance(p, str) and p for p in freeze):
        raise _err(file, lines, "freeze", f"must be a list of parameter-name prefixes, got {data.get('freeze')!r}")
    freeze_bn = data.get("freeze_bn", False)
    if not isinstance(freeze_bn, bool):
        raise _err(file, lines, "freeze_bn", f"must be true or false, got {freeze_bn!r}")
    return ModelConfig(
        file=file, task=task, model=model, checkpoint=checkpoint, output=output,
        input=_input(data, file, lines),
        loss=_factory(data, "loss", file, lines, required=False),
        optimizer=_factory(data, "optimizer", file, lines, required=False),
        batch_size=batch, freeze=list(freeze), freeze_bn=freeze_bn,
        loader=_hook(data, "loader", file, lines), setup=_hook(data, "setup", file, lines),
        step=_hook(data, "step", file, lines), scheduler=_scheduler(data, file, lines),
        lines=lines, raw=data,
    )


def load_model_config(path: str | Path) -> ModelConfig:
    file = Path(path)
    data, lines = load_yaml(file, "model.yaml")
    return parse_model_config(data, file.resolve(), lines)


def resolve_callable(spec: str, base: Path, *, what: str) -> Callable[..., Any]:
    """Import ``module:callable`` or ``path/to/file.py:callable`` (relative to ``base``).

    ``what`` names the key for the one-line error, e.g. ``"model.yaml: model.factory"``.
    """
    target, _, attr = spec.rpartition(":")
    if not target or not attr:
        raise ConfigError(f"{what} {spec!r} must be 'module:callable' or 'path/to/file.py:callable'")
    if target.endswith(".py") or "/" in target or "\\" in target:
        file = Path(target).expanduser()
        file = file if file.is_absolute() else (base / file)
        if not file.is_file():
            raise ConfigError(f"{what} {spec!r}: file {file} not found")
        name = f"_preflight_user_{abs(hash(str(file.resolve())))}"
        module = sys.modules.get(name)
        if module is None:
            module_spec = importlib.util.spec_from_file_location(name, file)
            if module_spec is None or module_spec.loader is None:  # pragma: no cover
                raise ConfigError(f"{what} {spec!r}: cannot load {file}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            # the user's file may import its neighbours (a models.py beside build.py)
            sys.path.insert(0, str(file.parent))
            try:
                module_spec.loader.exec_module(module)
            except Exception as exc:  # noqa: BLE001 - any error in user code is a config error
                sys.modules.pop(name, None)
                raise ConfigError(f"{what} {spec!r}: {file.name} failed to import: {type(exc).__name__}: {_one_line(exc)}") from None
            finally:
                sys.path.remove(str(file.parent))
    else:
        try:
            module = importlib.import_module(target)
        except Exception as exc:  # noqa: BLE001
            raise ConfigError(f"{what} {spec!r} could not be imported: {_one_line(exc)}") from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ConfigError(f"{what} {spec!r}: {target} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ConfigError(f"{what} {spec!r} is not callable")
    return obj  # type: ignore[no-any-return]


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
