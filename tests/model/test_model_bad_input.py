"""Setups that cannot be built: one-line ConfigError (exit 2), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.errors import ConfigError

pytestmark = pytest.mark.torch


def write(tmp: Path, yaml_text: str, build: str | None = None) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    if build is not None:
        (tmp / "build.py").write_text(build)
    f = tmp / "model.yaml"
    f.write_text(yaml_text)
    return f


def audit_error(model_yaml: Path, data: Path | None = None) -> str:
    from preflight.model.audit import audit_model_file

    with pytest.raises(ConfigError) as info:
        audit_model_file(model_yaml, data, device="cpu", probe=False)
    msg = str(info.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


def test_missing_module(tmp_path: Path) -> None:
    f = write(tmp_path, "model: {factory: 'nosuchpkg.models:make'}\n")
    msg = audit_error(f)
    assert "model.factory 'nosuchpkg.models:make' could not be imported: No module named 'nosuchpkg'" in msg
    assert "model.yaml:1" in msg


def test_missing_attribute(tmp_path: Path) -> None:
    msg = audit_error(write(tmp_path, "model: {factory: 'torchvision.models:resnet999'}\n"))
    assert "has no attribute 'resnet999'" in msg


def test_missing_factory_key(tmp_path: Path) -> None:
    msg = audit_error(write(tmp_path, "task: classify\nloss: {factory: 'torch.nn:CrossEntropyLoss'}\n"))
    assert "model.factory is missing" in msg


def test_missing_build_file(tmp_path: Path) -> None:
    msg = audit_error(write(tmp_path, "model: {factory: 'nothere.py:make'}\n"))
    assert "nothere.py" in msg and "not found" in msg


def test_factory_that_raises(tmp_path: Path) -> None:
    build = "def make(num_classes=3):\n    raise ValueError('num_classes must be even')\n"
    msg = audit_error(write(tmp_path, "model: {factory: 'build.py:make', kwargs: {num_classes: 3}}\n", build))
    assert "raised ValueError: num_classes must be even" in msg


def test_build_file_with_syntax_error(tmp_path: Path) -> None:
    msg = audit_error(write(tmp_path, "model: {factory: 'build.py:make'}\n", "def make(:\n"))
    assert "failed to import: SyntaxError" in msg


def test_factory_returning_non_module(tmp_path: Path) -> None:
    msg = audit_error(write(tmp_path, "model: {factory: 'build.py:make'}\n", "def make():\n    return 42\n"))
    assert "returned int, not a torch.nn.Module" in msg


def test_wrong_kwarg_type(tmp_path: Path) -> None:
    msg = audit_error(write(tmp_path, "model: {factory: 'torchvision.models:resnet18', kwargs: {num_classes: 3, bogus: 1}}\n"))
    assert "raised TypeError" in msg


def test_checkpoint_with_mismatched_keys(tmp_path: Path) -> None:
    import torch
    import torchvision

    torch.save(torchvision.models.resnet18(num_classes=10).state_dict(), tmp_path / "ckpt.pt")
    f = write(tmp_path, "model: {factory: 'torchvision.models:resnet18', kwargs: {num_classes: 3}, checkpoint: ckpt.pt}\n")
    msg = audit_error(f)
    assert "keys do not match the model" in msg and "fc.weight" in msg


def test_checkpoint_with_dataparallel_prefix(tmp_path: Path) -> None:
    import torch
    from torch import nn

    torch.save({"module." + k: v for k, v in nn.Linear(4, 2).state_dict().items()}, tmp_path / "ckpt.pt")
    f = write(tmp_path, "model: {factory: 'torch.nn:Linear', kwargs: {in_features: 4, out_features: 2}, checkpoint: ckpt.pt}\n")
    assert "'module.' prefix" in audit_error(f)


class _Pickled:  # a class torch.load(weights_only=True) must refuse
    def __init__(self) -> None:
        self.x = 1


def test_pickle_checkpoint_refused(tmp_path: Path) -> None:
    import torch

    torch.save({"obj": _Pickled()}, tmp_path / "ckpt.pt")
    f = write(tmp_path, "model: {factory: 'torch.nn:Linear', kwargs: {in_features: 4, out_features: 2}, checkpoint: ckpt.pt}\n")
    msg = audit_error(f)
    assert "refused by torch.load(weights_only=True)" in msg


def test_missing_checkpoint(tmp_path: Path) -> None:
    f = write(tmp_path, "model: {factory: 'torch.nn:Linear', kwargs: {in_features: 4, out_features: 2}, checkpoint: gone.pt}\n")
    assert "file not found" in audit_error(f)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("return 42", "not an iterable"),
        ("return []", "yielded no batch"),
        ("return [('a', 'b')]", "inputs of type str"),
        ("return [torch.zeros(2, 3, 8, 8)]", "must yield (inputs, targets)"),
        ("return [(torch.zeros(2, 3, 8, 8), 'cat')]", "targets of type str"),
        ("raise RuntimeError('disk gone')", "raised RuntimeError: disk gone"),
        ("return (1 / 0 for _ in range(2))", "raised ZeroDivisionError"),
    ],
)
def test_loader_yielding_wrong_types(tmp_path: Path, body: str, expected: str) -> None:
    build = f"import torch\n\ndef loader(data, cfg):\n    {body}\n"
    f = write(tmp_path, "task: classify\nmodel: {factory: 'torchvision.models:resnet18', kwargs: {num_classes: 3}}\nloader: build.py:loader\n", build)
    assert expected in audit_error(f)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("task: detection\nmodel: {factory: 'a:b'}\n", "task: must be one of detect, segment, classify"),
        ("model: {factory: resnet18}\n", "model.factory: must be 'module:callable'"),
        ("model: {factory: 'a:b', kwargs: [1]}\n", "model.kwargs: must be a mapping"),
        ("model: {factory: 'a:b'}\nbatch_size: 0\n", "batch_size: must be a whole number"),
        ("model: {factory: 'a:b'}\nfreeze: backbone.\nfreeze_bn: 'yes'\n", "freeze_bn: must be true or false"),
        ("model: {factory: 'a:b'}\ninput: {size: [224]}\n", "input.size: must be [H, W]"),
        ("model: {factory: 'a:b'}\ninput: {std: [0.2, 0, 0.2]}\n", "input.std: must be > 0"),
        ("model: {factory: 'a:b'}\ninput: {channels: RGBA}\n", "input.channels: must be RGB or BGR"),
        ("model: [1, 2]\n", "model: must be a mapping"),
        ("model: {factory: 'a:b'\n", "invalid YAML"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    from preflight.model.config import load_model_config

    f = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_model_config(f)
    msg = str(info.value)
    assert expected in msg and str(f) in msg and "\n" not in msg


def test_missing_model_yaml(tmp_path: Path) -> None:
    assert "not found" in audit_error(tmp_path / "none.yaml")


def test_bad_device(tmp_path: Path) -> None:
    from preflight.model.setup import resolve_device

    with pytest.raises(ConfigError):
        resolve_device("tpu")


SCHED_BASE = ("task: classify\nmodel: {factory: 'torchvision.models:resnet18', kwargs: {num_classes: 3}}\n"
              "optimizer: {factory: 'torch.optim:SGD', kwargs: {lr: 0.01}}\n")


def test_scheduler_without_epochs(tmp_path: Path) -> None:
    msg = audit_error(write(tmp_path, SCHED_BASE + "scheduler: {factory: 'torch.optim.lr_scheduler:StepLR', kwargs: {step_size: 3}}\n"))
    assert "scheduler.epochs: must be a whole number" in msg


def test_scheduler_factory_that_raises(tmp_path: Path) -> None:
    msg = audit_error(write(tmp_path, SCHED_BASE + "scheduler: {factory: 'torch.optim.lr_scheduler:StepLR', epochs: 5}\n"))
    assert "scheduler:" in msg and "step_size" in msg
