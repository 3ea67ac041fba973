"""The overfit-one-batch probe and a short LR range test.

"Can this setup overfit one batch?" is the sanity check practitioners trust most
(Karpathy, *A recipe for training neural networks*, 2019: "overfit a single batch").
:func:`run_probe` trains a **deep copy** of the setup on one real batch for a bounded number
of steps and records, per step, the loss, the gradient norm, the update-to-weight ratio of
every parameter tensor and the time (and peak CUDA memory). The P checks
(``checks/p1xx_*.py``) then judge those plain numbers; this module never decides a verdict
itself. The user's model, optimizer state and every RNG state are left as they were.

torch is imported inside the functions: the registry imports the P checks during
``preflight data``, and they import nothing from here.
"""

from __future__ import annotations

import copy
import math
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .findings import Finding
from .model.context import SavedRNG

__all__ = ["ProbeContext", "lr_range_test", "run_probe", "skip_padding_taps"]

#: LR range test: LRs from 1e-6 .. 10 (wider when the configured LR is near an end), in two
#: densities. While the loss has not moved yet, 2 points a decade: on one batch nothing
#: happens for decades (SGD 0.01 on the bench model: the loss stays within its dropout noise,
#: 0.3 %, from 1e-6 to 1e-4), and those points only set the starting loss. From the last LR
#: where it had not moved, LR_RANGE_PER_DECADE points a decade up to the cliff: a step of
#: 1.78x, finer than the suggestion itself ("minimum / 10", fastai, claimed to a decade).
#: Against the earlier sweep (5 a decade from 1e-6) on 26 setups built like the probe tests'
#: (MLP and BN CNN, with and without dropout, Adam 1e-2/1e-4, SGD 0.05/10/1e-6, SGD+momentum,
#: softmax before CE): 623 steps instead of 989 (-37 %), the confidence on the same side of
#: P108's 0.5 gate in 26/26, both ends of the range within 0.45 decade in 25/26 (docs/curves.md).
LR_RANGE_PER_DECADE = 4
LR_RANGE_COARSE_PER_DECADE = 2
#: the loss "moves" once a raw loss differs from the first by more than this fraction and by
#: more than 3x the spread of the first three losses (the noise at LRs too low to train).
#: 0.5 % is above the bench model's dropout noise; 1 % gave the same agreement, 12 fewer steps
LR_RANGE_MOVED = 0.005
#: the sweep starts at min(LR_RANGE_FLOOR, configured / 100): below 1e-6 one step on one
#: batch moves no loss visibly (the first sweep's 5 steps from 1e-7 to 1e-6 never did on the
#: probe tests' setups or the bench model), so lower LRs are swept only when configured
LR_RANGE_FLOOR = 1e-6
#: ... and at most LR_RANGE_START_BELOW below the configured LR: three decades of flat loss
#: under a sane LR are enough to measure the starting loss and its noise. On the 26 setups
#: above: 564 steps instead of 643, P108's verdict and the confidence's side of its 0.5 gate
#: unchanged in 26/26 (100 below: 521 steps, but one P108 verdict changed); the bench model's
#: sweep (SGD 0.01) starts at 1e-5 instead of 1e-6
LR_RANGE_START_BELOW = 1000.0
#: at most this many sweep steps (the first version's whole sweep was 40)
LR_RANGE_MAX_STEPS = 40


#: the input-independent baseline (Karpathy, "A recipe for training neural networks", 2019:
#: "train an input-independent baseline, e.g. set all your inputs to zero; this should
#: perform worse than when you plug in your data"): a fresh copy trains on the zeroed batch
#: for this share of the probe's steps, at least ZERO_BASELINE_MIN and at most
#: ZERO_BASELINE_MAX, with the probe's seed (same dropout masks), and P113 compares its losses
#: with the probe's own over the same first steps. A tenth keeps its cost at a tenth of the
#: probe's; a model that ignores its input follows the real run exactly, step for step, so a
#: few steps suffice to see it
ZERO_BASELINE_SHARE = 0.1
ZERO_BASELINE_MIN = 5
ZERO_BASELINE_MAX = 20


@dataclass
class ProbeContext:
    """What a P check reads: the section dict of numbers, nothing live."""

    section: dict[str, Any]
    #: the configured learning rate (first param group), when the optimizer has one
    lr: float | None = None
    notes: list[str] = field(default_factory=list)
    #: model.yaml's name and its key -> line map, when the setup came from a file
    path: str | None = None
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, key: str) -> int | None:
        return self.lines.get(key)


# --- RNG and copies --------------------------------------------------------------------


def _seed(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def _copy_training(model: Any, optimizer: Any, device: Any,
                   channels_last: bool = False) -> tuple[Any, Any, list[str], list[str]]:
    """A deep copy of the model on ``device`` and an optimizer of the same kind over the copy,
    with a deep copy of its state (momentum buffers are never shared with the user's); the
    names of the parameters missing from the optimizer and of the convolutions that run as
    their centre tap when their input is small (:func:`skip_padding_taps`)."""
    import torch

    names = {id(p): n for n, p in model.named_parameters()}
    work = copy.deepcopy(model).to(device)
    if channels_last:
        work = work.to(memory_format=torch.channels_last)
    reduced = skip_padding_taps(work)
    new = dict(work.named_parameters())
    missing: list[str] = []
    if optimizer is None:
        return work, None, missing, reduced
    in_opt = {id(p) for g in optimizer.param_groups for p in g["params"]}
    missing = [n for n, p in model.named_parameters() if p.requires_grad and id(p) not in in_opt]
    groups = []
    for g in optimizer.param_groups:
        opts = {k: v for k, v in g.items() if k != "params"}
        groups.append({"params": [new[names[id(p)]] for p in g["params"] if id(p) in names],
                       **opts})
    try:
        opt = type(optimizer)(groups, **optimizer.defaults)
        state = copy.deepcopy(optimizer.state_dict())
        opt.load_state_dict(state)
    except Exception:  # noqa: BLE001 - an exotic optimizer: plain SGD at its LR still probes
        lr = float(optimizer.param_groups[0].get("lr", 1e-3))
        opt = torch.optim.SGD([p for g in groups for p in g["params"]], lr=lr)
    return work, opt, missing, reduced


def _padding_only(conv: Any) -> bool:
    """Whether every off-centre tap of ``conv`` can only ever read its zero padding, given an
    input no larger than its dilation: an exact "same" convolution (zero padding of
    dilation x (k // 2), odd kernel) of the plain ``nn.Conv2d`` class, whatever its stride."""
    import torch

    if type(conv) is not torch.nn.Conv2d or conv.padding_mode != "zeros":
        return False
    if isinstance(conv.padding, str):
        return False
    return all(k % 2 == 1 and p == d * (k // 2)
               for k, p, d in zip(conv.kernel_size, conv.padding, conv.dilation, strict=True))


def skip_padding_taps(model: Any) -> list[str]:
    """On the probe's private copy, run each atrous convolution whose dilation is at least
    its input's height and width as the 1x1 convolution of its centre tap.

    Such a tap offset (dilation x 1 or more) lands outside the input for every output pixel,
    so every off-centre tap multiplies zero padding: the output is the centre tap's 1x1
    convolution, and the off-centre weights get a gradient of exactly zero either way (in
    float64 on the bench model the outputs agree exactly and the gradients to 3e-20).
    DeepLabv3's ASPP rates 24 and 36 on a 16x16 feature map (a 256 px crop at output stride
    16) are such convolutions; on the probe bench they took ~17 % of a CPU training step. The
    size is tested on every call, so a larger input runs the full convolution. Returns the
    names of the modules it watches."""
    import torch.nn.functional as F

    watched = []
    for name, conv in model.named_modules():
        if not _padding_only(conv) or all(d == 1 for d in conv.dilation):
            continue

        def forward(x: Any, conv: Any = conv, full: Any = conv.forward) -> Any:
            h, w = x.shape[-2:]
            (kh, kw), (dh, dw) = conv.kernel_size, conv.dilation
            if (kh == 1 or dh >= h) and (kw == 1 or dw >= w):
                centre = conv.weight[:, :, kh // 2:kh // 2 + 1, kw // 2:kw // 2 + 1]
                return F.conv2d(x, centre, conv.bias, conv.stride, 0, 1, conv.groups)
            return full(x)

        conv.forward = forward
        watched.append(name)
    return watched


# --- one step --------------------------------------------------------------------------


def _use_channels_last(model: Any, batch: tuple[Any, Any], dev: Any) -> bool:
    """Whether the probe's copies run in channels-last memory format: on the CPU, for image
    models (a Conv2d) fed one 4-D float batch. oneDNN's convolutions are faster in NHWC: on
    the bench model (deeplabv3_mobilenet_v3_large, 256 px, batch 4, 2 threads) a training
    step takes ~45 % less CPU time. The maths is the same; results differ only in float
    rounding. A model whose forward needs contiguous NCHW (``x.view`` after a conv) fails on
    the first step, and the probe then reruns in the default format (see ``_measure``)."""
    import torch

    x = batch[0]
    return (dev.type == "cpu" and isinstance(x, torch.Tensor) and x.dim() == 4
            and x.is_floating_point()
            and any(isinstance(m, torch.nn.Conv2d) for m in model.modules()))


def _batch_format(batch: tuple[Any, Any], channels_last: bool) -> tuple[Any, Any]:
    import torch

    if not channels_last:
        return batch
    return batch[0].contiguous(memory_format=torch.channels_last), batch[1]


def _to(obj: Any, device: Any) -> Any:
    import torch

    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, dict):
        return {k: _to(v, device) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to(v, device) for v in obj)
    return obj


def _forward_loss(model: Any, loss_fn: Any, batch: tuple[Any, Any], task: str,
                  output_key: Any) -> Any:
    import torch

    from .model.context import select_output

    x, y = batch
    if task == "detect":
        images = list(x) if isinstance(x, (list, tuple)) else list(x.unbind(0))
        images = [t if t.is_floating_point() else t.float() for t in images]
        out = model(images, list(y))
        if isinstance(out, dict):
            parts = [v for v in out.values() if isinstance(v, torch.Tensor) and v.dim() == 0]
            if parts:
                return sum(parts)
        if loss_fn is None:
            raise RuntimeError("the detection model returned no loss dict in train mode")
        return loss_fn(out, y)
    xin = x if x.is_floating_point() else x.float()
    out = select_output(model(xin), output_key)
    loss = loss_fn(out, y)
    if isinstance(loss, torch.Tensor) and loss.dim() > 0:
        loss = loss.mean()
    return loss


#: the user's own ``step`` is instrumented on its first calls (P109-P112): weight snapshots,
#: gradient hooks and an optimizer step hook. Three calls show a pattern that repeats (the
#: first call alone cannot show gradients left over from a previous one); later calls run bare.
WATCHED_USER_CALLS = 3


class _StepWatch:
    """What one call of the user's step did, in order: backward passes (a gradient reaching a
    trainable parameter), ``optimizer.step()`` calls, whether gradients from an earlier call
    were still there when the first new gradient arrived, and whether the weights changed."""

    def __init__(self, model: Any, opt: Any) -> None:
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.events: list[str] = []
        self.leftover = False
        self._pending: set[int] = set()
        self._handles: list[Any] = []
        for p in self.params:
            self._handles.append(p.register_hook(self._grad_hook(p)))
        if opt is not None and hasattr(opt, "register_step_pre_hook"):
            self._handles.append(opt.register_step_pre_hook(lambda *_a: self.events.append("step")))

    def _grad_hook(self, p: Any) -> Any:
        def hook(grad: Any) -> None:
            if not self.events or self.events[-1] != "backward":
                self.events.append("backward")
            if id(p) in self._pending:
                # the first gradient of this call for p: whatever p.grad holds now is left
                # over from an earlier call unless zero_grad ran in between
                self._pending.discard(id(p))
                if p.grad is not None and bool(p.grad.detach().ne(0).any()):
                    self.leftover = True
            return None

        return hook

    def call(self, fn: Any) -> tuple[Any, dict[str, Any]]:
        self.events = []
        self.leftover = False
        self._pending = {id(p) for p in self.params}
        before = _foreach_clone(self.params)
        loss = fn()
        import torch

        with torch.no_grad():
            changed = any(bool(p.detach().ne(b).any()) for p, b in zip(self.params, before, strict=True))
        is_tensor = isinstance(loss, torch.Tensor)
        record = {
            "changed": changed,
            "events": list(self.events),
            "leftover_grads": self.leftover,
            "loss_type": "tensor" if is_tensor else type(loss).__name__,
            "loss_has_graph": bool(is_tensor and loss.grad_fn is not None),
        }
        return loss, record

    def remove(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []


class _Trainer:
    """One optimisation step on the copy: the built-in one or the user's ``step``."""

    def __init__(self, setup: Any, model: Any, opt: Any, loss_fn: Any, *, watch: int = 0) -> None:
        self.setup, self.model, self.opt, self.loss_fn = setup, model, opt, loss_fn
        cfg = getattr(setup, "cfg", None)
        self.output_key = getattr(cfg, "output", None)
        self.task = getattr(setup, "task", "classify") or "classify"
        self.user_step = getattr(setup, "step", None)
        #: records of the instrumented calls of the user's step
        self.watched: list[dict[str, Any]] = []
        self._watch = watch if self.user_step is not None else 0

    def __call__(self, batch: tuple[Any, Any]) -> float:
        self.model.train()
        if self.user_step is not None:
            if len(self.watched) < self._watch:
                watch = _StepWatch(self.model, self.opt)
                try:
                    loss, record = watch.call(lambda: self.user_step(self.model, batch, self.loss_fn, self.opt))
                finally:
                    watch.remove()
                self.watched.append(record)
            else:
                loss = self.user_step(self.model, batch, self.loss_fn, self.opt)
            return float(loss.detach() if hasattr(loss, "detach") else loss)
        if self.opt is not None:
            self.opt.zero_grad(set_to_none=True)
        loss = _forward_loss(self.model, self.loss_fn, batch, self.task, self.output_key)
        value = float(loss.detach())
        # a loss with no grad (everything frozen) trains nothing; P101/P105 report that
        if math.isfinite(value) and loss.requires_grad:
            loss.backward()
            if self.opt is not None:
                self.opt.step()
        return value


def _is_oom(exc: BaseException) -> bool:
    import torch

    oom = getattr(torch.cuda, "OutOfMemoryError", ())
    return (bool(oom) and isinstance(exc, oom)) or "out of memory" in str(exc).lower()


def _slice_batch(batch: tuple[Any, Any], n: int) -> tuple[Any, Any]:
    x, y = batch
    return x[:n], y[:n]


def _batch_size(batch: tuple[Any, Any]) -> int:
    x = batch[0]
    return len(x) if isinstance(x, (list, tuple)) else int(x.shape[0])


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")[:300]


def _target_problem(setup: Any, loss_fn: Any, batch: tuple[Any, Any]) -> str | None:
    """Class targets a CrossEntropy/NLL loss cannot take (e.g. 255 without ignore_index).
    Found before stepping: on CUDA the same mistake is a device-side assert that poisons the
    whole process instead of an exception."""
    import torch

    y = batch[1]
    if not isinstance(loss_fn, (torch.nn.CrossEntropyLoss, torch.nn.NLLLoss)):
        return None
    if not isinstance(y, torch.Tensor) or y.is_floating_point():
        return None
    ncls = getattr(setup, "num_classes", None)
    if ncls is None:
        return None
    ignore = int(getattr(loss_fn, "ignore_index", -100))
    bad = y[(y != ignore) & ((y < 0) | (y >= ncls))]
    if bad.numel() == 0:
        return None
    vals = sorted({int(v) for v in bad.unique()[:5]})
    # only a void value (one value, or 255 as VOC writes it) is a case for ignore_index; other
    # values are labels outside the classes, which no ignore_index would make right
    void = 255 if 255 in vals else (vals[0] if len(vals) == 1 and vals[0] >= ncls else None)
    hint = (f"; if {void} marks void pixels, set ignore_index={void} on the loss" if void is not None
            else f"; map the targets into 0..{ncls - 1}")
    return (f"targets hold {vals} but the model has {ncls} classes and the loss ignores "
            f"{ignore}{hint}")


# --- the LR range test ----------------------------------------------------------------------


def lr_range_test(setup: Any, batch: tuple[Any, Any], *, device: Any,
                  steps: int = LR_RANGE_MAX_STEPS, seed: int = 0,
                  channels_last: bool = False) -> dict[str, Any]:
    """Exponentially increasing LR on one batch (Smith 2017, "Cyclical learning rates", 3.3;
    fastai ``lr_find``), on its own fresh copy, at most ``steps`` steps. Returns the LRs, the
    raw and smoothed losses, a suggested range and how confident the suggestion is."""
    opt0 = setup.optimizer
    if opt0 is None or "lr" not in opt0.param_groups[0]:
        return {"skipped": "the optimizer has no lr"}
    base = float(opt0.param_groups[0]["lr"]) or 1e-3
    lo, hi = max(min(LR_RANGE_FLOOR, base / 100), base / LR_RANGE_START_BELOW), max(10.0, base * 10)
    coarse = 10 ** (1 / LR_RANGE_COARSE_PER_DECADE)
    fine = 10 ** (1 / LR_RANGE_PER_DECADE)
    # when the loss has not blown up by ``hi``, go on up to 10 more fine steps: without a
    # cliff the minimum (and so the suggestion) is only a lower bound
    top = hi * fine ** 10
    _seed(seed)
    model, opt, _, _ = _copy_training(setup.model, opt0, device, channels_last)
    batch = _batch_format(batch, channels_last)
    loss_fn = copy.deepcopy(setup.loss_fn)
    if hasattr(loss_fn, "to"):
        loss_fn = loss_fn.to(device)
    ratios = [float(g.get("lr", base)) / base for g in opt.param_groups]
    trainer = _Trainer(setup, model, opt, loss_fn)
    lrs: list[float] = []
    raw: list[float] = []
    smooth: list[float] = []
    stop = ""
    moved = False
    avg = None
    beta = 0.7  # EMA; fastai uses 0.98 over 100 steps: ~same memory (3 steps) at 40 steps
    lr = lo
    taken = 0
    while taken < steps and lr <= top:
        taken += 1
        for g, r in zip(opt.param_groups, ratios, strict=True):
            g["lr"] = lr * r
        try:
            loss = trainer(batch)
        except Exception as exc:  # noqa: BLE001
            if _is_oom(exc):
                raise
            loss = math.inf
        lrs.append(lr)
        raw.append(loss)
        if not math.isfinite(loss):
            stop = "nonfinite"
            break
        avg = loss if avg is None else beta * avg + (1 - beta) * loss
        smooth.append(avg)  # seeded with the first loss, so no bias correction is needed
        if not moved:
            first = raw[0]
            noise = 3 * (max(raw[:3]) - min(raw[:3])) if len(raw) >= 3 else 0.0
            if abs(loss - first) > max(LR_RANGE_MOVED * abs(first), noise):
                moved = True
                if len(lrs) > 1:
                    # the loss moves: sweep on densely from the last LR where it had not. The
                    # coarse step that showed the move is left out of the curve (its LR would
                    # run backwards); the weights keep its one step of training
                    lrs.pop()
                    raw.pop()
                    smooth.pop()
                    avg = smooth[-1]
                    lr = lrs[-1] * fine
                    continue
        first, low = raw[0], min(smooth)
        if len(smooth) > 5 and smooth[-1] > 4 * low:
            stop = "smoothed"  # blown up: fastai's stop rule
            break
        if len(smooth) > 5 and min(raw[-2:]) > 4 * low:
            # two raw losses in a row 4x above the smoothed minimum: clearly diverged; the
            # EMA would need a few more (costly) steps to cross the same line
            stop = "raw"
            break
        if low < 0.95 * first and smooth[-1] > first:
            # after a real dip (5 %) the smoothed loss is back above where the sweep started:
            # steps at this LR undo more than the whole sweep gained. Past the minimum for
            # sure; a network with BatchNorm often never reaches 4x (the bench model's worst
            # smoothed loss was 2.2x its minimum)
            stop = "above_start"
            break
        if lr >= hi and len(smooth) > 5 and smooth[-1] > 2 * low:
            stop = "past_top"  # past the planned top and clearly past the minimum
            break
        lr *= fine if moved else coarse
    del model, opt
    out: dict[str, Any] = {"lrs": lrs, "losses": raw, "smoothed": smooth, "configured": base,
                           "steps": taken, "stop": stop or "end"}
    if len(smooth) < 5:
        out.update(suggested=None, confidence=0.0,
                   reason="the loss blew up within the first few steps of the sweep")
        return out
    k = min(range(len(smooth)), key=smooth.__getitem__)
    start = smooth[0]
    drop = (start - smooth[k]) / abs(start) if start else 0.0
    blew_up = bool(stop) or smooth[-1] > 2 * smooth[k]
    # lower bound: where the loss has made the first tenth of its fall ("learning starts");
    # sturdier than fastai's steepest-slope point, which jumps with one noisy step
    lr_min_loss = lrs[k]
    target = start - 0.1 * (start - smooth[k])
    onset = next((lrs[j] for j in range(k + 1) if smooth[j] <= target), lr_min_loss)
    hi_s = lr_min_loss / 10  # fastai's "minimum / 10"
    lo_s = min(onset, hi_s / 10)
    # confidence: a real dip (a 20 % fall earns full marks) and a real cliff after it
    conf = max(0.0, min(1.0, drop / 0.2)) * (1.0 if blew_up else 0.6)
    if k == len(smooth) - 1:
        conf *= 0.5  # still falling at the top of the sweep: the upper bound is a guess
    out.update(suggested=[lo_s, hi_s], lr_at_min_loss=lr_min_loss, onset=onset,
               drop=round(drop, 4), blew_up=blew_up, confidence=round(conf, 2))
    return out


# --- the probe --------------------------------------------------------------------------------


def _resolve_device(device: Any) -> Any:
    import torch

    if isinstance(device, torch.device):
        return device
    text = str(device or "auto").lower()
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(text)


def run_probe(setup: Any, batch: tuple[Any, Any], *, device: Any = "auto", steps: int = 100,
              seconds: float | None = None, seed: int = 0, select: Iterable[str] | None = None,
              ignore: Iterable[str] | None = None,
              lr_range: bool = True) -> tuple[list[Finding], dict[str, Any]]:
    """Overfit one batch on a deep copy; the P findings and the report section."""
    import torch

    from .registry import select_checks
    from .runner import run_checks

    dev = _resolve_device(device)
    section: dict[str, Any] = {"device": str(dev), "steps_planned": steps, "seed": seed,
                               "user_step": getattr(setup, "step", None) is not None}
    t_start = time.perf_counter()
    with SavedRNG():
        _seed(seed)
        _measure(setup, batch, dev, steps, seconds, seed, section, lr_range)
    section["seconds"] = round(time.perf_counter() - t_start, 3)
    opt = getattr(setup, "optimizer", None)
    lr = float(opt.param_groups[0]["lr"]) if opt is not None and "lr" in opt.param_groups[0] else None
    cfg: Any = getattr(setup, "cfg", None)
    path = str(cfg.name) if cfg is not None and getattr(cfg, "file", None) is not None else None
    ctx = ProbeContext(section=section, lr=lr, path=path,
                       lines=dict(getattr(cfg, "lines", None) or {}) if path else {})
    findings = run_checks(select_checks("probe", select, ignore), ctx)
    for f in findings:
        f.path = f.path or path  # the probe judges the setup model.yaml describes
    section["verdict"] = "fail" if any(f.severity.value == "error" for f in findings) else "pass"
    if dev.type == "cuda":
        torch.cuda.empty_cache()
    return findings, section


def _foreach_clone(params: list[Any]) -> list[Any]:
    import torch

    with torch.no_grad():
        return [p.detach().clone() for p in params]


def _total_norm(tensors: list[Any]) -> float:
    """L2 norm over all tensors with one device sync (foreach kernels where available)."""
    import torch

    if not tensors:
        return 0.0
    try:
        norms = torch._foreach_norm([t.float() if not t.is_floating_point() else t for t in tensors])
        return float(torch.linalg.vector_norm(torch.stack([n.float() for n in norms])))
    except (RuntimeError, TypeError, AttributeError):  # pragma: no cover - old/odd tensors
        return math.sqrt(sum(float(t.float().pow(2).sum()) for t in tensors))


def _update_ratios(params: list[Any], before: list[Any]) -> list[float]:
    """||w - w_before|| / ||w_before|| per tensor (a zero-norm tensor is divided by 1)."""
    import torch

    try:
        deltas = torch._foreach_sub([p.detach() for p in params], before)
        dn = torch.stack([n.float() for n in torch._foreach_norm(deltas)])
        wn = torch.stack([n.float() for n in torch._foreach_norm(before)])
        del deltas
    except (RuntimeError, TypeError, AttributeError):  # pragma: no cover
        dn = torch.stack([(p.detach() - b).float().norm() for p, b in zip(params, before, strict=True)])
        wn = torch.stack([b.float().norm() for b in before])
    wn = torch.where(wn > 0, wn, torch.ones_like(wn))
    return (dn / wn).cpu().tolist()


class _OOM(Exception):
    pass


def _measure(setup: Any, batch: tuple[Any, Any], dev: Any, steps: int, seconds: float | None,
             seed: int, section: dict[str, Any], lr_range: bool) -> None:
    import torch

    section["batch_size"] = _batch_size(batch)
    problem = _target_problem(setup, setup.loss_fn, batch)
    if problem:
        section["error"] = problem
        section["error_kind"] = "targets"
        return
    work_batch = batch
    fast = _use_channels_last(setup.model, batch, dev)
    while True:
        try:
            _seed(seed)
            _train(setup, work_batch, dev, steps, seconds, section, fast)
            if fast and section.get("error_kind") == "step" and section.get("error_step") == 0:
                # the model needs NCHW-contiguous tensors: run the probe again as it is
                for key in ("error", "error_kind", "error_step"):
                    section.pop(key, None)
                fast = False
                _seed(seed)
                _train(setup, work_batch, dev, steps, seconds, section, fast)
            break
        except _OOM:
            # out of GPU memory: halve the batch until a whole probe fits
            torch.cuda.empty_cache()
            section.setdefault("oom", {"requested": section["batch_size"]})
            n = _batch_size(work_batch) // 2
            if n < 1:
                section["error"], section["error_kind"] = "out of CUDA memory even for one sample", "oom"
                return
            work_batch = _slice_batch(batch, n)
    if "oom" in section:
        section["oom"]["fit"] = _batch_size(work_batch)
    section["channels_last"] = fast
    if "error" not in section:
        section["zero_baseline"] = _zero_baseline(setup, work_batch, dev, seed, section, fast)
    if lr_range and "error" not in section and setup.optimizer is not None:
        try:
            section["lr_range"] = lr_range_test(setup, _to(work_batch, dev), device=dev, seed=seed,
                                                  channels_last=fast)
        except Exception as exc:  # noqa: BLE001 - the main probe result stands without it
            section["lr_range"] = {"skipped": _one_line(exc)}


def _zeroed(x: Any) -> Any:
    import torch

    if isinstance(x, torch.Tensor):
        return torch.zeros_like(x)  # integer images too: the probe feeds them as floats
    if isinstance(x, dict):
        out = {k: _zeroed(v) for k, v in x.items()}
        return None if any(v is None for v in out.values()) else out
    return None


def _zero_baseline(setup: Any, batch: tuple[Any, Any], dev: Any, seed: int,
                   section: dict[str, Any], channels_last: bool) -> dict[str, Any]:
    """Train a fresh copy on the zeroed batch for a few steps; the losses, for P113."""
    real = section.get("losses") or []
    k = max(ZERO_BASELINE_MIN, min(ZERO_BASELINE_MAX, round(len(real) * ZERO_BASELINE_SHARE)))
    if getattr(setup, "task", None) == "detect":
        return {"skipped": "detection models take the images and their targets together"}
    if len(real) < k or setup.optimizer is None:
        return {"skipped": "the probe ran too few steps" if len(real) < k else "no optimizer"}
    x0 = _zeroed(batch[0])
    if x0 is None:
        return {"skipped": "the input is not a tensor (or a dict of them)"}
    _seed(seed)
    model, opt, _, _ = _copy_training(setup.model, setup.optimizer, dev, channels_last)
    loss_fn = copy.deepcopy(setup.loss_fn)
    if hasattr(loss_fn, "to"):
        loss_fn = loss_fn.to(dev)
    zbatch = _batch_format((_to(x0, dev), _to(batch[1], dev)), channels_last)
    trainer = _Trainer(setup, model, opt, loss_fn)
    losses: list[float] = []
    try:
        for _ in range(k):
            losses.append(trainer(zbatch))
            if not math.isfinite(losses[-1]):
                break
    except Exception as exc:  # noqa: BLE001 - the probe's own result stands without it
        return {"skipped": _one_line(exc)}
    finally:
        del model, opt
        if dev.type == "cuda":
            import torch

            torch.cuda.empty_cache()
    return {"steps": len(losses), "losses": losses, "real_losses": real[:len(losses)]}


def _train(setup: Any, batch: tuple[Any, Any], dev: Any, steps: int, seconds: float | None,
           section: dict[str, Any], channels_last: bool = False) -> None:
    import torch

    try:
        model, opt, missing, reduced = _copy_training(setup.model, setup.optimizer, dev,
                                                      channels_last)
        loss_fn = copy.deepcopy(setup.loss_fn)
        if hasattr(loss_fn, "to"):
            loss_fn = loss_fn.to(dev)
        dev_batch = _batch_format(_to(batch, dev), channels_last)
    except Exception as exc:  # noqa: BLE001
        if dev.type == "cuda" and _is_oom(exc):
            raise _OOM() from None
        raise
    trainer = _Trainer(setup, model, opt, loss_fn, watch=WATCHED_USER_CALLS)
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    names = [n for n, _ in model.named_parameters()]
    params = [p for _, p in model.named_parameters()]
    initial = [p.detach().clone() for p in params]
    section["missing_from_optimizer"] = missing
    #: atrous convolutions the probe may run as their centre tap (exact; see skip_padding_taps)
    section["centre_tap_convs"] = reduced
    section["frozen"] = [n for n, p in zip(names, params, strict=True) if not p.requires_grad]
    section["parameters"] = int(sum(p.numel() for p in params))
    losses: list[float] = []
    gnorms: list[float] = []
    ratio_median: list[float] = []
    ratio_steps: list[int] = []
    ratio_sum = [0.0] * len(params)
    trainable = [p.requires_grad for p in params]
    times: list[float] = []
    # update ratios need a copy of every weight before the step: on the first 5 steps, then
    # ~20 evenly spaced ones (every step would add ~40 % to a CPU probe of a big model)
    stride = max(1, steps // 20)
    t0 = time.perf_counter()
    for i in range(steps):
        sample = i < 5 or i % stride == 0 or i == steps - 1
        before = _foreach_clone(params) if sample else None
        t = time.perf_counter()
        try:
            loss = trainer(dev_batch)
        except Exception as exc:  # noqa: BLE001
            if dev.type == "cuda" and _is_oom(exc):
                raise _OOM() from None
            section["error"] = _one_line(exc)
            section["error_kind"] = "step"
            section["error_step"] = i
            break
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        times.append(time.perf_counter() - t)
        losses.append(loss)
        with torch.no_grad():
            grads = [p.grad.detach() for p in params if p.grad is not None]
            gnorms.append(_total_norm(grads))
            if before is not None:
                rs = _update_ratios(params, before)
                for j, r in enumerate(rs):
                    ratio_sum[j] += r
                live = sorted(r for r, tr in zip(rs, trainable, strict=True) if tr)
                ratio_median.append(live[len(live) // 2] if live else 0.0)
                ratio_steps.append(i)
        del before
        if not math.isfinite(loss):
            break
        if seconds is not None and time.perf_counter() - t0 > seconds:
            break
    n_steps = len(losses)
    n_ratio = len(ratio_steps)
    if trainer.watched:
        section["user_step_calls"] = trainer.watched
    section["steps_run"] = n_steps
    section["losses"] = losses
    section["grad_norms"] = gnorms
    section["update_ratio_median"] = ratio_median
    section["update_ratio_steps"] = ratio_steps
    section["step_seconds"] = times
    section["train_seconds"] = round(sum(times), 3)
    with torch.no_grad():
        changed = [bool((p.detach() != p0).any()) for p, p0 in zip(params, initial, strict=True)]
    section["layers"] = [
        {"name": n, "numel": int(p.numel()), "trainable": bool(p.requires_grad), "changed": c,
         "mean_update_ratio": s / n_ratio if n_ratio else 0.0}
        for n, p, c, s in zip(names, params, changed, ratio_sum, strict=True)]
    if dev.type == "cuda":
        section["peak_cuda_bytes"] = int(torch.cuda.max_memory_allocated(dev))
