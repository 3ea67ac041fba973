"""The Python API on live objects, and the promise that the user's model is never changed."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

pytestmark = pytest.mark.torch


def _batch(n: int = 8, c: int = 3):
    import torch

    g = torch.Generator().manual_seed(1)
    return [(torch.randn(n, 3, 32, 32, generator=g), torch.randint(0, c, (n,), generator=g))]


def test_audit_api_reports_and_leaves_model_untouched() -> None:
    import numpy as np
    import torch
    import torchvision

    import preflight

    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=3)
    model.eval()
    model.layer1.train()  # a mixed mode pattern that must survive
    modes = {n: m.training for n, m in model.named_modules()}
    before = {k: v.clone() for k, v in model.state_dict().items()}
    grads_before = [p.grad for p in model.parameters()]
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)  # O103
    random.seed(5)
    np.random.seed(5)
    torch.manual_seed(5)
    states = (random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state().clone())

    result = preflight.audit(model=model, loss_fn=torch.nn.CrossEntropyLoss(), optimizer=optimizer,
                             loader=_batch(), num_classes=3, probe=False, device="cpu")

    codes = {f.code for f in result.findings}
    assert "O103" in codes
    assert all(f.path is None for f in result.findings)  # no config file: nothing to point at
    after = model.state_dict()
    assert before.keys() == after.keys()
    for k, v in before.items():
        assert torch.equal(v, after[k]), k  # BN running stats included
    assert {n: m.training for n, m in model.named_modules()} == modes
    assert [p.grad for p in model.parameters()] == grads_before
    assert random.getstate() == states[0]
    assert (np.random.get_state()[1] == states[1]).all()
    assert torch.equal(torch.get_rng_state(), states[2])
    sec = result.sections["model"]
    assert sec["optimizer_coverage"]["trainable_missing"] == []
    assert sec["loss_value"] is not None and sec["expected_loss"] == pytest.approx(1.0986, abs=1e-3)
    assert result.stats["parameters"] == sum(p.numel() for p in model.parameters())
    result.to_json()  # serializable


def test_audit_api_finds_softmax_and_missing_params() -> None:
    import torch
    from torch import nn

    import preflight

    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 3), nn.Softmax(1))
    opt = torch.optim.SGD(model[1].parameters(), lr=0.01)
    model.append(nn.Identity())
    extra = nn.Linear(3, 3)
    model.insert(2, extra)  # added after the optimizer: O101
    result = preflight.audit(model=model, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, loader=_batch(), probe=False, device="cpu")
    codes = {f.code for f in result.findings}
    assert {"A101", "O101"} <= codes, codes


def test_audit_api_with_data_yaml(dataset) -> None:
    import torchvision

    import preflight

    data = dataset("segment")
    model = torchvision.models.segmentation.lraspp_mobilenet_v3_large(num_classes=5, weights=None, weights_backbone=None)
    result = preflight.audit(model=model, data=str(data), probe=False, device="cpu")
    # no loss given: CrossEntropyLoss with the data's ignore_index; the 255 border is ignored
    assert not [f for f in result.findings if f.severity.value == "error"], [f.message for f in result.findings]
    assert result.sections["model"]["target"]["values"][-1] == 255
    assert any("CrossEntropyLoss" in n for n in result.notes)


def test_audit_api_rejects_non_module() -> None:
    import preflight
    from preflight.errors import ConfigError

    with pytest.raises(ConfigError):
        preflight.audit(model="resnet18", probe=False)


def test_audit_file_keeps_sections(dataset, tmp_path) -> None:
    from preflight.model.audit import audit_model_file

    f = tmp_path / "model.yaml"
    f.write_text(
        "task: classify\nmodel: {factory: 'torchvision.models:resnet18', kwargs: {num_classes: 3}}\n"
        "input: {size: [32, 32], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}\n"
        "optimizer: {factory: 'torch.optim:SGD', kwargs: {lr: 0.01}}\nbatch_size: 8\nfreeze: [conv1.]\nfreeze_bn: true\n"
    )
    result = audit_model_file(f, dataset("classify"), device="cpu", probe=False, select=["B", "O"])
    assert {f.code[0] for f in result.findings} <= {"B", "O"}
    sec = result.sections["model"]
    assert sec["freeze"] == {"conv1.": 1}
    assert len(sec["layers"]) == 21 and sec["layers"][0]["name"] == "conv1"
    assert sec["batchnorm_count"] == 20
    assert sec["input"]["shape"] == [8, 3, 32, 32]
    assert result.stats["trainable"] < result.stats["parameters"]
    assert result.inputs["model"] == str(f)


def test_check_modules_do_not_import_torch() -> None:
    code = (
        "import sys\nfrom preflight.registry import all_checks\n"
        "codes = [c.code for c in all_checks() if c.scope == 'model']\n"
        "assert len(codes) >= 30, codes\n"
        "import preflight.model, preflight.model.config\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
