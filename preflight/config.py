"""data.yaml: Ultralytics-compatible, plus the contract's extensions.

A YOLO ``data.yaml`` that works with Ultralytics works unchanged: ``path`` (dataset root,
relative to this file; default: this file's folder), ``train``/``val``/``test`` as folders,
list files or lists of those (``validation`` is read as ``val``), ``names`` as a list or a
dict (or ``nc`` alone). Extensions: ``format``, ``task``, ``annotations``, ``masks``,
``ignore_index``. Wrong types are a :class:`ConfigError` (exit code 2); things that are legal
but suspicious (whitespace in names, nc disagreeing with names, missing split paths) are
left to the checks, which report them as findings.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .yamlio import load_yaml

__all__ = ["FORMATS", "SPLITS", "TASKS", "DataConfig", "load_data_config"]

SPLITS = ("train", "val", "test")


def _short(value: Any) -> str:
    """A bounded repr for error messages: YAML aliases can make a value of 10**9 items."""
    import reprlib

    r = reprlib.Repr()
    r.maxlist = r.maxdict = r.maxtuple = 4
    r.maxlevel, r.maxstring, r.maxother = 3, 60, 60
    return r.repr(value)
FORMATS = ("yolo", "coco", "voc", "mask")
TASKS = ("detect", "segment", "classify")


@dataclass
class DataConfig:
    file: Path
    root: Path
    #: class id -> name, as declared (ids need not be contiguous: COCO category ids)
    names: dict[int, str]
    #: ``nc`` as written, or None
    nc: int | None
    #: split -> the entries as written (strings), in order
    splits: dict[str, list[str]]
    format: str | None
    task: str | None
    annotations: dict[str, str] = field(default_factory=dict)
    masks: dict[str, str] = field(default_factory=dict)
    ignore_index: int = 255
    ignore_index_declared: bool = False
    #: dotted key -> line in the YAML, for findings about the config itself
    lines: dict[str, int] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """A short dataset name for report file names."""
        stem = self.file.stem
        return self.root.name if stem in ("data", "dataset") else stem

    @property
    def num_classes(self) -> int:
        return len(self.names)

    def rel(self, path: Path | str) -> str:
        """A path relative to the dataset root (with ``..`` when outside), POSIX style."""
        import os

        text = os.fspath(path)
        prefix = self.__dict__.get("_root_prefix")
        if prefix is None:
            prefix = self.__dict__["_root_prefix"] = os.path.join(str(self.root), "")
        if text.startswith(prefix):  # the common case, without relpath's normalisation cost
            return text[len(prefix):].replace(os.sep, "/")
        return Path(os.path.relpath(text, self.root)).as_posix()

    def fingerprint(self) -> str:
        """A stable key of everything that changes what a reader extracts from a file."""
        blob = json.dumps(
            {"format": self.format, "task": self.task, "ignore": self.ignore_index},
            sort_keys=True,
        )
        return hashlib.blake2b(blob.encode(), digest_size=8).hexdigest()


def _names(data: dict[str, Any], file: Path, lines: dict[str, int]) -> tuple[dict[int, str], int | None]:
    nc_raw = data.get("nc")
    nc: int | None = None
    if nc_raw is not None:
        if isinstance(nc_raw, bool) or not isinstance(nc_raw, int) or nc_raw < 0:
            raise ConfigError(f"{file}:{lines.get('nc', '?')}: nc must be a whole number ≥ 0, got {_short(nc_raw)}")
        nc = nc_raw
    names_raw = data.get("names")
    where = f"{file}:{lines.get('names', '?')}"
    if names_raw is None:
        if nc is None:
            raise ConfigError(f"{file}: neither names nor nc is given: the classes are unknown")
        return {i: f"class{i}" for i in range(nc)}, nc
    if isinstance(names_raw, list):
        out = {}
        for i, n in enumerate(names_raw):
            if isinstance(n, (dict, list)) or n is None:
                raise ConfigError(f"{file}:{lines.get(f'names.{i}', '?')}: names[{i}] must be a name, got {_short(n)}")
            out[i] = str(n)
        return out, nc
    if isinstance(names_raw, dict):
        out = {}
        for k, v in names_raw.items():
            try:
                key = int(k)
            except (TypeError, ValueError):
                raise ConfigError(f"{where}: names keys must be class ids (integers), got {_short(k)}") from None
            if isinstance(v, (dict, list)) or v is None:
                raise ConfigError(f"{file}:{lines.get(f'names.{k}', '?')}: names[{k}] must be a name, got {_short(v)}")
            out[key] = str(v)
        return dict(sorted(out.items())), nc
    raise ConfigError(f"{where}: names must be a list or a mapping of id: name, got {type(names_raw).__name__}")


def _str_map(data: dict[str, Any], key: str, file: Path, lines: dict[str, int]) -> dict[str, str]:
    value = data.get(key)
    if value is None:
        return {}
    if isinstance(value, str):  # one folder for every split
        return {s: value for s in SPLITS}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{file}:{lines.get(key, '?')}: {key} must map split names to paths, e.g. {{train: ...}}")
    return {str(k): v for k, v in value.items()}


def load_data_config(path: str | Path) -> DataConfig:
    file = Path(path)
    data, lines = load_yaml(file, "data.yaml")
    file = file.resolve()
    if "validation" in data and "val" not in data:
        data["val"] = data.pop("validation")
        lines["val"] = lines.get("validation", 0)
    root_raw = data.get("path")
    if root_raw is None or root_raw == "":
        root = file.parent
    elif isinstance(root_raw, str):
        root = Path(root_raw).expanduser()
        root = root if root.is_absolute() else (file.parent / root)
    else:
        raise ConfigError(f"{file}:{lines.get('path', '?')}: path must be a folder path, got {_short(root_raw)}")
    root = Path(_normpath(root))
    names, nc = _names(data, file, lines)
    splits: dict[str, list[str]] = {}
    for split in SPLITS:
        value = data.get(split)
        if value is None or value == "":
            continue
        if isinstance(value, str):
            splits[split] = [value]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            splits[split] = list(value)
        else:
            raise ConfigError(f"{file}:{lines.get(split, '?')}: {split} must be a path or a list of paths, got {_short(value)}")
    if "train" not in splits and "val" not in splits:
        raise ConfigError(f"{file}: no train or val split: add e.g. `train: images/train`")
    fmt = data.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise ConfigError(f"{file}:{lines.get('format', '?')}: format must be one of {', '.join(FORMATS)}, got {_short(fmt)}")
    task = data.get("task")
    if task is not None and task not in TASKS:
        raise ConfigError(f"{file}:{lines.get('task', '?')}: task must be one of {', '.join(TASKS)}, got {_short(task)}")
    ignore = data.get("ignore_index", 255)
    if isinstance(ignore, bool) or not isinstance(ignore, int):
        raise ConfigError(f"{file}:{lines.get('ignore_index', '?')}: ignore_index must be an integer, got {_short(ignore)}")
    return DataConfig(
        file=file, root=root, names=names, nc=nc, splits=splits, format=fmt, task=task,
        annotations=_str_map(data, "annotations", file, lines),
        masks=_str_map(data, "masks", file, lines),
        ignore_index=ignore, ignore_index_declared="ignore_index" in data,
        lines=lines, raw=data,
    )


def _normpath(p: Path) -> str:
    import os

    return os.path.normpath(os.path.abspath(p))
