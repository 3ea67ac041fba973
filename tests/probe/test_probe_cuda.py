"""The probe on a real GPU: device choice, peak memory, a real out-of-memory and the user's
objects left on their device. Skipped without CUDA (CI has none); run on a GPU machine with
``pytest tests/probe -m torch``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from preflight.probe import run_probe  # noqa: E402

pytestmark = [pytest.mark.torch,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]


def _setup(model, opt, loss=None, task="classify", num_classes=10):
    return SimpleNamespace(model=model, loss_fn=loss or nn.CrossEntropyLoss(), optimizer=opt,
                           loader=None, task=task, num_classes=num_classes, step=None,
                           cfg=SimpleNamespace(output=None), device="auto")


def _cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                         nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))


def _batch(n=16):
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, 3, 32, 32, generator=g), torch.randint(0, 10, (n,), generator=g)


def test_auto_picks_cuda_and_records_peak_memory():
    m = _cnn()
    findings, sec = run_probe(_setup(m, torch.optim.Adam(m.parameters(), lr=1e-2)), _batch())
    assert sec["device"].startswith("cuda")
    assert sec["peak_cuda_bytes"] > 0
    assert sec["verdict"] == "pass", [f.message for f in findings]
    assert sec["losses"][-1] < 0.1 * sec["losses"][0]
    assert sec["zero_baseline"]["steps"] == 10 and sec["lr_range"]["suggested"]


def test_cuda_and_cpu_agree_on_the_verdict():
    results = {}
    for dev in ("cpu", "cuda"):
        m = _cnn()
        findings, sec = run_probe(_setup(m, torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)),
                                  _batch(), device=dev, lr_range=False)
        results[dev] = (sec["verdict"], sorted({f.code for f in findings}), sec["losses"])
    assert results["cpu"][:2] == results["cuda"][:2]
    # the same maths on two devices: the first loss agrees closely, the curves stay close
    assert abs(results["cpu"][2][0] - results["cuda"][2][0]) < 1e-3
    assert abs(results["cpu"][2][-1] - results["cuda"][2][-1]) < 0.05 * results["cpu"][2][0]


def test_user_model_stays_on_its_device_and_unchanged():
    m = _cnn()
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    run_probe(_setup(m, opt), _batch(), device="cuda")  # warm-up: cuBLAS keeps its workspace
    held = torch.cuda.memory_allocated()
    run_probe(_setup(m, opt), _batch(), device="cuda")
    assert all(p.device.type == "cpu" for p in m.parameters())
    assert all(torch.equal(v, before[k]) for k, v in m.state_dict().items())
    assert torch.cuda.memory_allocated() <= held + 2**20  # the probe's copies are gone


def test_255_targets_are_caught_before_a_device_assert():
    torch.manual_seed(0)
    m = nn.Conv2d(3, 4, 1)
    x, y = torch.randn(2, 3, 8, 8), torch.randint(0, 4, (2, 8, 8))
    y[:, 0, :] = 255
    findings, sec = run_probe(_setup(m, torch.optim.SGD(m.parameters(), lr=0.1), task="segment",
                                     num_classes=4), (x, y), device="cuda")
    assert [f.code for f in findings if f.severity.value == "error"] == ["P100"]
    # the process's CUDA context still works (a device-side assert would poison it)
    assert float(torch.ones(1, device="cuda").sum()) == 1.0


def test_demo_setup_with_255_and_no_ignore_index_is_findings_on_cuda():
    # the demo's planted bug: CrossEntropyLoss without ignore_index, 255 on every object
    # border. CUDA's loss kernel meets 255 with a device-side assert that kills the process;
    # the model audit and the probe must report it as findings instead
    from pathlib import Path

    from preflight.pipeline import run_model

    root = Path(__file__).resolve().parents[2] / "demo"
    result = run_model(root / "model.yaml", root / "data.yaml", device="cuda")
    codes = {f.code for f in result.findings}
    assert {"A107", "P100"} <= codes, sorted(codes)
    assert result.sections["probe"]["device"].startswith("cuda")
    assert float(torch.ones(1, device="cuda").sum()) == 1.0  # the CUDA context still works


def _free_gib():
    free, _ = torch.cuda.mem_get_info()
    return free / 2**30


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available() and _free_gib() < 40, reason="needs 40 GiB free")
def test_real_out_of_memory_becomes_the_batch_that_fit():
    # a wide first conv at 1024 px: 64 images need ~275 GB of activations and gradients,
    # far beyond any single GPU today; the probe halves the batch until one fits
    free = _free_gib()
    torch.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(3, 512, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                      nn.Flatten(), nn.Linear(512, 10))
    n = 64
    while n * 512 * 1024 * 1024 * 4 * 2 / 2**30 < 2 * free:
        n *= 2  # a bigger GPU than this test expected: ask for more
    x = torch.randn(n, 3, 1024, 1024)
    y = torch.randint(0, 10, (n,))
    findings, sec = run_probe(_setup(m, torch.optim.SGD(m.parameters(), lr=0.01)), (x, y),
                              device="cuda", steps=3, lr_range=False)
    assert sec["oom"]["requested"] == n and 1 <= sec["oom"]["fit"] < n
    p107 = [f for f in findings if f.code == "P107"]
    assert p107 and str(sec["oom"]["fit"]) in p107[0].message
