"""The overfit-one-batch probe on tiny setups: the correct one passes, the seed bugs fail
with the right codes, and the user's objects are left untouched."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from preflight.probe import LR_RANGE_PER_DECADE, lr_range_test, run_probe  # noqa: E402

pytestmark = pytest.mark.torch


def mlp(out=10, softmax=False):
    torch.manual_seed(0)
    layers = [nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, out)]
    if softmax:
        layers.append(nn.Softmax(dim=1))
    return nn.Sequential(*layers)


def setup_of(model, opt, loss=None, task="classify", num_classes=10, step=None):
    return SimpleNamespace(model=model, loss_fn=loss or nn.CrossEntropyLoss(), optimizer=opt,
                           loader=None, task=task, num_classes=num_classes, step=step,
                           cfg=SimpleNamespace(output=None), device="cpu")


def batch(n=16, classes=10):
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, 8, generator=g), torch.randint(0, classes, (n,), generator=g)


def codes(findings, severity=None):
    return sorted({f.code for f in findings if severity is None or f.severity.value == severity})


def probe(setup, b=None, **kw):
    kw.setdefault("device", "cpu")
    return run_probe(setup, b if b is not None else batch(), **kw)


def test_correct_setup_passes():
    m = mlp()
    findings, sec = probe(setup_of(m, torch.optim.Adam(m.parameters(), lr=1e-2)))
    assert codes(findings, "error") == [], [f.message for f in findings]
    assert sec["verdict"] == "pass"
    assert sec["losses"][-1] < 0.1 * sec["losses"][0]
    assert sec["steps_run"] == 100 and len(sec["grad_norms"]) == 100
    assert 1e-5 < sec["update_ratio_median"][-1] < 1e-1
    rr = sec["lr_range"]
    # the configured LR sits in the suggested range, to within one step of the sweep's grid
    step = 10 ** (1 / LR_RANGE_PER_DECADE)
    assert rr["suggested"][0] / step <= 1e-2 * 1.001 and rr["suggested"][1] * 10 > 1e-2
    assert rr["steps"] < 40 and rr["stop"] != "end"


def test_softmax_before_cross_entropy_fails():
    m = mlp(softmax=True)
    findings, sec = probe(setup_of(m, torch.optim.Adam(m.parameters(), lr=1e-2)))
    assert "P101" in codes(findings, "error")
    assert sec["verdict"] == "fail"


def test_missing_ignore_index_with_255_fails():
    torch.manual_seed(0)
    m = nn.Conv2d(3, 4, 1)
    x = torch.randn(2, 3, 8, 8)
    y = torch.randint(0, 4, (2, 8, 8))
    y[:, 0, :] = 255
    findings, sec = probe(setup_of(m, torch.optim.SGD(m.parameters(), lr=0.1),
                                   task="segment", num_classes=4), (x, y))
    assert codes(findings, "error") == ["P100"]
    assert "255" in findings[0].message and "ignore_index" in findings[0].message
    # with the ignore index set, the same setup trains
    findings, _ = probe(setup_of(m, torch.optim.SGD(m.parameters(), lr=0.1),
                                 loss=nn.CrossEntropyLoss(ignore_index=255), task="segment",
                                 num_classes=4), (x, y))
    assert "P100" not in codes(findings)


def test_step_exception_becomes_finding():
    m = mlp(out=3)  # 3 outputs, targets up to 9, num_classes unknown -> CE raises
    s = setup_of(m, torch.optim.SGD(m.parameters(), lr=0.1), num_classes=None)
    findings, sec = probe(s)
    assert codes(findings, "error") == ["P100"]
    assert "IndexError" in findings[0].message or "out of bounds" in findings[0].message


def test_lr_10_fails():
    m = mlp()
    findings, sec = probe(setup_of(m, torch.optim.SGD(m.parameters(), lr=10.0)))
    errs = codes(findings, "error")
    assert {"P103", "P104"} & set(errs), [f.message for f in findings]
    assert sec["verdict"] == "fail"


def test_lr_range_flags_far_too_high_and_far_too_low():
    m = mlp()
    findings, sec = probe(setup_of(m, torch.optim.SGD(m.parameters(), lr=1e3)), steps=20)
    p108 = [f for f in findings if f.code == "P108"]
    assert p108 and "above" in p108[0].message and p108[0].pathology == "divergence"
    findings, sec = probe(setup_of(m, torch.optim.SGD(m.parameters(), lr=1e-8)), steps=20)
    p108 = [f for f in findings if f.code == "P108"]
    assert p108 and "below" in p108[0].message and p108[0].pathology == "underfitting"


def test_params_missing_from_optimizer_fail():
    m = mlp()
    opt = torch.optim.Adam(m[0].parameters(), lr=1e-2)  # the head is not in the optimizer
    findings, sec = probe(setup_of(m, opt))
    p105 = [f for f in findings if f.code == "P105"]
    assert p105 and p105[0].severity.value == "error"
    assert "2.weight" in p105[0].message and "not in the optimizer" in p105[0].message


def test_all_frozen_fails():
    m = mlp()
    for p in m.parameters():
        p.requires_grad_(False)
    findings, sec = probe(setup_of(m, torch.optim.SGD(m.parameters(), lr=0.1)))
    assert {"P101", "P105"} <= set(codes(findings, "error"))
    assert any("every parameter is frozen" in f.message for f in findings)


def test_user_objects_and_rng_untouched():
    m = mlp()
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    x, y = batch()
    # give the optimizer real state first, as a user's mid-training optimizer has
    nn.CrossEntropyLoss()(m(x), y).backward()
    opt.step()
    before_w = {k: v.clone() for k, v in m.state_dict().items()}
    before_opt = {k: {n: t.clone() for n, t in s.items() if torch.is_tensor(t)}
                  for k, s in opt.state_dict()["state"].items()}
    grads = [p.grad.clone() for p in m.parameters()]
    random.seed(5)
    np.random.seed(5)
    torch.manual_seed(5)
    states = (random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state().clone())
    probe(setup_of(m, opt), (x, y))
    for k, v in m.state_dict().items():
        assert torch.equal(v, before_w[k]), k
    for k, s in opt.state_dict()["state"].items():
        for n, t in before_opt[k].items():
            assert torch.equal(s[n], t), (k, n)
    assert all(torch.equal(p.grad, g) for p, g in zip(m.parameters(), grads, strict=True))
    assert random.getstate() == states[0]
    assert (np.random.get_state()[1] == states[1]).all()
    assert torch.equal(torch.get_rng_state(), states[2])
    assert m.training  # mode untouched too


def test_deterministic_with_seed():
    def losses(seed):
        torch.manual_seed(0)
        m = nn.Sequential(nn.Linear(8, 32), nn.Dropout(0.3), nn.ReLU(), nn.Linear(32, 10))
        _, sec = probe(setup_of(m, torch.optim.Adam(m.parameters(), lr=1e-2)), seed=seed,
                       steps=30)
        return sec["losses"], sec["lr_range"]["losses"]

    assert losses(0) == losses(0)
    assert losses(0)[0] != losses(1)[0]  # dropout masks follow the seed


def test_user_step_is_used():
    calls = []

    def step(model, b, loss_fn, optimizer):
        calls.append(1)
        optimizer.zero_grad()
        loss = loss_fn(model(b[0]), b[1])
        loss.backward()
        optimizer.step()
        return loss

    m = mlp()
    findings, sec = probe(setup_of(m, torch.optim.Adam(m.parameters(), lr=1e-2), step=step),
                          steps=50)
    assert len(calls) >= 50 and sec["user_step"] is True
    assert codes(findings, "error") == []


def test_time_budget_and_select():
    m = mlp()
    s = setup_of(m, torch.optim.Adam(m.parameters(), lr=1e-2))
    _, sec = probe(s, steps=10_000, seconds=0.2)
    assert sec["steps_run"] < 10_000
    findings, _ = probe(setup_of(mlp(softmax=True), None), select=["P105"], steps=20)
    assert all(f.code == "P105" for f in findings)


def test_lr_range_test_restores_and_reports_confidence():
    m = mlp()
    opt = torch.optim.SGD(m.parameters(), lr=0.05)
    w = [p.clone() for p in m.parameters()]
    s = setup_of(m, opt)
    rr = lr_range_test(s, batch(), device=torch.device("cpu"))
    assert all(torch.equal(a, b) for a, b in zip(m.parameters(), w, strict=True))
    assert opt.param_groups[0]["lr"] == 0.05
    assert 0 <= rr["confidence"] <= 1 and rr["suggested"][0] < rr["suggested"][1]
    assert rr["lrs"] == sorted(rr["lrs"])


def test_slow_fall_is_a_warning_not_an_error():
    m = mlp()
    findings, sec = probe(setup_of(m, torch.optim.SGD(m.parameters(), lr=0.1)), lr_range=False)
    assert codes(findings) == ["P102"] and codes(findings, "error") == []
    assert 0.1 < min(sec["losses"][-5:]) / sec["losses"][0] <= 0.5


def test_update_ratio_too_low_is_reported():
    m = mlp()
    findings, _ = probe(setup_of(m, torch.optim.SGD(m.parameters(), lr=1e-7)), steps=20)
    p106 = [f for f in findings if f.code == "P106"]
    assert p106 and p106[0].pathology == "underfitting"
    assert "P101" in codes(findings, "error")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_oom_becomes_finding_with_batch_that_fit(monkeypatch):
    m = mlp()
    s = setup_of(m, torch.optim.Adam(m.parameters(), lr=1e-2))
    real = nn.Linear.forward

    def limited(self, x):
        if x.shape[0] > 4:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        return real(self, x)

    monkeypatch.setattr(nn.Linear, "forward", limited)
    findings, sec = probe(s, device="cuda", steps=20)
    p107 = [f for f in findings if f.code == "P107"]
    assert p107 and "batch 4 fits" in p107[0].message
    assert sec["oom"] == {"requested": 16, "fit": 4}


def _good_step(model, b, loss_fn, opt):
    opt.zero_grad()
    loss = loss_fn(model(b[0]), b[1])
    loss.backward()
    opt.step()
    return loss.item()


def _no_zero_grad(model, b, loss_fn, opt):
    loss = loss_fn(model(b[0]), b[1])
    loss.backward()
    opt.step()
    return loss


def _no_optimizer_step(model, b, loss_fn, opt):
    opt.zero_grad()
    loss = loss_fn(model(b[0]), b[1])
    loss.backward()
    return loss


def _rewrapped_loss(model, b, loss_fn, opt):
    opt.zero_grad()
    loss = torch.tensor(loss_fn(model(b[0]), b[1]).item(), requires_grad=True)
    loss.backward()
    opt.step()
    return loss


def _step_then_backward(model, b, loss_fn, opt):
    opt.zero_grad()
    opt.step()
    loss = loss_fn(model(b[0]), b[1])
    loss.backward()
    return loss


def _accumulates_within_call(model, b, loss_fn, opt):
    opt.zero_grad()
    for half in (slice(0, 8), slice(8, 16)):       # deliberate accumulation inside one step
        (loss_fn(model(b[0][half]), b[1][half]) / 2).backward()
    opt.step()
    return loss_fn(model(b[0]), b[1]).detach()


@pytest.mark.parametrize(("step", "expected"), [
    (_good_step, set()), (_accumulates_within_call, set()), (_no_zero_grad, {"P110"}),
    (_no_optimizer_step, {"P109"}), (_rewrapped_loss, {"P109", "P111"}),
    (_step_then_backward, {"P109", "P112"}),
])
def test_user_step_bugs_are_named(step, expected):
    m = mlp()
    findings, sec = probe(setup_of(m, torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9),
                                   step=step), steps=30, lr_range=False)
    user_codes = {f.code for f in findings if f.code in ("P109", "P110", "P111", "P112")}
    assert user_codes == expected, [f.message for f in findings]
    assert len(sec["user_step_calls"]) == 3
    # the instrumentation is gone after the watched calls: no hooks left on the user's model
    assert all(not p._backward_hooks for p in m.parameters())


def test_channels_last_copy_and_fallback():
    class Flat(nn.Module):
        """Needs NCHW-contiguous conv output: .view fails on a channels-last tensor."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.fc = nn.Linear(4 * 8 * 8, 3)

        def forward(self, x):
            y = self.conv(x)
            return self.fc(y.view(y.shape[0], -1))

    torch.manual_seed(0)
    x, y = torch.randn(4, 3, 8, 8), torch.tensor([0, 1, 2, 0])
    plain = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(4, 3))
    for model, fast in ((plain, True), (Flat(), False)):
        findings, sec = probe(setup_of(model, torch.optim.Adam(model.parameters(), lr=1e-2),
                                       num_classes=3), (x, y), steps=20, lr_range=False)
        assert sec["channels_last"] is fast
        assert "P100" not in codes(findings), [f.message for f in findings]
        assert sec["steps_run"] == 20
        assert model.conv.weight.is_contiguous() if hasattr(model, "conv") else model[0].weight.is_contiguous()


def test_slow_but_correct_sgd_is_a_warning_pointing_at_the_lr():
    # plain SGD at 0.01 on the MLP: 2.30 -> 1.97 in 100 steps and still falling; the LR range
    # test says, with confidence, that 0.01 is below its range: a warning about the LR
    m = mlp()
    findings, sec = probe(setup_of(m, torch.optim.SGD(m.parameters(), lr=0.01)))
    p101 = [f for f in findings if f.code == "P101"]
    assert p101 and p101[0].severity.value == "warning", [f.message for f in findings]
    assert "still falling" in p101[0].message and "below the LR range" in p101[0].message
    assert p101[0].pathology == "underfitting" and sec["verdict"] == "pass"
    # without the LR range test there is no evidence about the LR: an error, as before
    findings, _ = probe(setup_of(m, torch.optim.SGD(m.parameters(), lr=0.01)), lr_range=False)
    assert "P101" in codes(findings, "error")


def test_softmax_before_ce_still_falling_stays_an_error():
    # a bounded loss also falls for a while at a high SGD LR; the LR range is not confident
    # there, so nothing downgrades it
    m = mlp(softmax=True)
    findings, _ = probe(setup_of(m, torch.optim.SGD(m.parameters(), lr=0.5)))
    assert "P101" in codes(findings, "error")


class _IgnoresInput(nn.Module):
    """The bug P113 is for: forward uses a tensor fixed in __init__, not its argument."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.register_buffer("features", torch.randn(16, 8))
        self.net = mlp()

    def forward(self, x):
        return self.net(self.features[: x.shape[0]])


def test_zero_input_baseline_flags_a_model_that_ignores_its_input():
    m = _IgnoresInput()
    findings, sec = probe(setup_of(m, torch.optim.Adam(m.parameters(), lr=1e-2)))
    zb = sec["zero_baseline"]
    assert zb["steps"] == 10 and zb["losses"] == zb["real_losses"]  # step for step the same
    assert "P113" in codes(findings, "error") and "P101" not in codes(findings)
    assert sec["verdict"] == "fail"


def test_zero_input_baseline_is_clearly_worse_for_a_correct_setup():
    m = mlp()
    findings, sec = probe(setup_of(m, torch.optim.Adam(m.parameters(), lr=1e-2)), lr_range=False)
    zb = sec["zero_baseline"]
    assert "P113" not in codes(findings)
    assert min(zb["losses"][-3:]) > min(zb["real_losses"][-3:]) + 0.3
    assert zb["real_losses"] == sec["losses"][:10]


def test_zero_input_baseline_needs_enough_probe_steps():
    m = mlp()
    findings, sec = probe(setup_of(m, torch.optim.Adam(m.parameters(), lr=1e-2)), steps=3,
                          lr_range=False)
    assert "too few steps" in sec["zero_baseline"]["skipped"] and "P113" not in codes(findings)


class _Atrous(nn.Module):
    """An ASPP-like head: atrous 3x3 convolutions of rate 2 and 12 side by side."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.small = nn.Conv2d(8, 4, 3, padding=2, dilation=2)
        self.wide = nn.Conv2d(8, 4, 3, padding=12, dilation=12)
        self.head = nn.Conv2d(8, 3, 1)

    def forward(self, x):
        y = self.stem(x)
        return self.head(torch.cat([self.small(y), self.wide(y)], 1))


def test_padding_only_taps_run_as_the_centre_tap_exactly():
    from preflight.probe import skip_padding_taps

    for size, wide_reduced in ((16, True), (40, False)):  # feature maps 8x8 / 20x20 vs rate 12
        full = _Atrous().double()
        fast = _Atrous().double()
        assert skip_padding_taps(fast) == ["small", "wide"]
        calls = []
        fast.wide.register_forward_hook(lambda m, i, o, calls=calls: calls.append(o.shape))
        x = torch.randn(2, 3, size, size, dtype=torch.double, generator=torch.Generator().manual_seed(2))
        a, b = full(x), fast(x)
        assert a.shape == b.shape and torch.allclose(a, b, rtol=0, atol=1e-12)
        a.square().sum().backward()
        b.square().sum().backward()
        for (name, p), q in zip(full.named_parameters(), fast.parameters(), strict=True):
            assert torch.allclose(p.grad, q.grad, rtol=0, atol=1e-10), name
        # the reduction is real on a small map: the rate-12 conv's off-centre taps get exactly 0
        off_centre = fast.wide.weight.grad.clone()
        off_centre[:, :, 1, 1] = 0
        assert bool((off_centre == 0).all()) is wide_reduced
        assert calls  # the user's forward hooks still fire


def test_padding_only_taps_leave_other_convolutions_alone():
    from preflight.probe import skip_padding_taps

    class Standardized(nn.Conv2d):  # a subclass with its own forward is never rewritten
        def forward(self, x):
            w = self.weight - self.weight.mean(dim=(1, 2, 3), keepdim=True)
            return nn.functional.conv2d(x, w, self.bias, self.stride, self.padding, self.dilation)

    model = nn.Sequential(Standardized(3, 3, 3, padding=6, dilation=6),
                          nn.Conv2d(3, 3, 3, padding=1, dilation=6),  # not a "same" conv
                          nn.Conv2d(3, 3, 3, padding=6, dilation=6, padding_mode="reflect"),
                          nn.Conv2d(3, 3, 3, padding=1))  # not atrous
    assert skip_padding_taps(model) == []


def test_probe_reports_the_centre_tap_convolutions_and_leaves_the_user_model_alone():
    m = _Atrous()
    x, y = torch.randn(4, 3, 16, 16), torch.randint(0, 3, (4, 8, 8))
    findings, sec = probe(setup_of(m, torch.optim.Adam(m.parameters(), lr=1e-2), num_classes=3),
                          (x, y), steps=20, lr_range=False)
    assert sec["centre_tap_convs"] == ["small", "wide"]
    assert "P100" not in codes(findings), [f.message for f in findings]
    assert "forward" not in vars(m.wide)  # only the probe's copy is rewritten
