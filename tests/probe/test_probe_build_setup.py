"""The probe on setups built from model.yaml + data.yaml by preflight.model.setup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
setup_mod = pytest.importorskip("preflight.model.setup")

from preflight.probe import run_probe  # noqa: E402

pytestmark = pytest.mark.torch

MODEL = '''"""A small conv classifier / segmenter for the probe tests."""
from torch import nn


def classifier(num_classes=3, softmax=False):
    layers = [nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
              nn.Linear(16, num_classes)]
    if softmax:
        layers.append(nn.Softmax(dim=1))
    return nn.Sequential(*layers)


def segmenter(num_classes=3):
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, num_classes, 1))
'''


def write_png(path: Path, arr: np.ndarray) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)


def classify_data(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for i in range(8):
        write_png(root / "train" / ["a", "b", "c"][i % 3] / f"{i}.png",
                  rng.integers(0, 256, (24, 24, 3), dtype=np.uint8))
    (root / "data.yaml").write_text(f"path: {root}\ntrain: train\nnames: [a, b, c]\ntask: classify\n")
    return root / "data.yaml"


def segment_data(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for i in range(4):
        write_png(root / "images/train" / f"{i}.png", rng.integers(0, 256, (24, 24, 3), dtype=np.uint8))
        mask = np.zeros((24, 24), np.uint8)
        mask[:12] = 1 + i % 2
        mask[12:14] = 255
        write_png(root / "masks/train" / f"{i}.png", mask)
    (root / "data.yaml").write_text(
        f"path: {root}\ntrain: images/train\nnames: [bg, x, y]\ntask: segment\nformat: mask\n"
        "masks: {train: masks/train}\n")
    return root / "data.yaml"


def model_yaml(root: Path, factory: str, kwargs: str, loss: str, opt: str) -> Path:
    (root / "net.py").write_text(MODEL)
    text = (f"model: {{factory: net.py:{factory}, kwargs: {kwargs}}}\n"
            "input: {size: [24, 24], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}\n"
            f"loss: {loss}\noptimizer: {opt}\nbatch_size: 8\n")
    (root / "model.yaml").write_text(text)
    return root / "model.yaml"


def probe(model_file: Path, data_file: Path):
    setup = setup_mod.build_setup(model_file, data_file, device="cpu")
    batch, synthetic = setup_mod.first_batch(setup)
    assert not synthetic
    return run_probe(setup, batch, device="cpu", steps=60)


ADAM = "{factory: torch.optim:Adam, kwargs: {lr: 0.01}}"
CE = "{factory: torch.nn:CrossEntropyLoss}"


def test_correct_classifier_passes(tmp_path):
    findings, sec = probe(model_yaml(tmp_path, "classifier", "{num_classes: 3}", CE, ADAM),
                          classify_data(tmp_path / "d"))
    assert [f.code for f in findings if f.severity.value == "error"] == []
    assert sec["verdict"] == "pass"


def test_softmax_classifier_fails(tmp_path):
    findings, sec = probe(
        model_yaml(tmp_path, "classifier", "{num_classes: 3, softmax: true}", CE, ADAM),
        classify_data(tmp_path / "d"))
    assert "P101" in {f.code for f in findings if f.severity.value == "error"}


def test_segmenter_255_without_ignore_index_fails_then_passes(tmp_path):
    data = segment_data(tmp_path / "d")
    findings, _ = probe(model_yaml(tmp_path, "segmenter", "{num_classes: 3}", CE, ADAM), data)
    assert [f.code for f in findings if f.severity.value == "error"] == ["P100"]
    fixed = "{factory: torch.nn:CrossEntropyLoss, kwargs: {ignore_index: 255}}"
    findings, sec = probe(model_yaml(tmp_path, "segmenter", "{num_classes: 3}", fixed, ADAM), data)
    assert "P100" not in {f.code for f in findings}
