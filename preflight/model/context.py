"""The training context the model checks read: one pass of measurements, many cheap checks.

Following the Deepchecks/Datumaro pattern, the measurement is kept apart from the judgement:
:meth:`ModelContext.measure` runs the model once on a real batch (a deep copy, train mode,
forward hooks on every leaf module), computes the loss and one backward pass, and stores
plain numbers. Checks read those numbers and compare them with their thresholds; they never
run the model themselves.

This module is the only one in the model audit that needs torch at import time of its
functions; it is imported by ``preflight.model.audit`` only, never by ``preflight data``.
"""

from __future__ import annotations

import copy
import math
import random
from dataclasses import dataclass
from typing import Any

from .setup import TrainingSetup

__all__ = ["LayerStat", "ModelContext", "WeightStat", "select_output"]

#: cap on distinct target values kept (for messages and the report)
MAX_VALUES = 64
#: LR schedule preview: at most this many scheduler steps are simulated (300 epochs x 1000
#: batches at ~20 us a step is 6 s) and this many points kept for the report's plot
MAX_SCHEDULE_STEPS = 300_000
MAX_SCHEDULE_POINTS = 500


@dataclass
class LayerStat:
    """Statistics of one call of one leaf module's output, in execution order."""

    name: str
    kind: str
    shape: tuple[int, ...]
    mean: float
    std: float
    absmax: float
    finite: bool
    #: ReLU: fraction of channels that are zero for every sample and position of the batch
    dead: float | None = None
    #: Sigmoid/Tanh: fraction of outputs in the flat tails (|tanh| > 0.99, sigmoid < 0.01 or > 0.99)
    saturated: float | None = None
    #: index of this module's output among weight layers (Conv/Linear) or None
    weight_layer: bool = False


@dataclass
class WeightStat:
    name: str
    kind: str
    shape: tuple[int, ...]
    fan_in: int
    fan_out: int
    std: float
    mean: float
    constant: bool
    #: the band spanned by the usual schemes for this fan-in/fan-out (see W101)
    band: tuple[float, float] = (0.0, 0.0)
    trainable: bool = True


def select_output(out: Any, key: str | int | None) -> Any:
    """The tensor the loss sees when a model returns a dict, tuple or namedtuple."""
    if isinstance(out, dict):
        if key is not None:
            return out[key]
        if "out" in out:
            return out["out"]
        return next(iter(out.values()))
    if isinstance(out, (tuple, list)):
        return out[key if isinstance(key, int) else 0]
    return out


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


class SavedRNG:
    """Save and restore every random state the audit could advance."""

    def __enter__(self) -> SavedRNG:
        import numpy as np
        import torch

        self.py = random.getstate()
        self.np = np.random.get_state()
        self.torch = torch.get_rng_state()
        self.cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else None
        return self

    def __exit__(self, *exc: Any) -> None:
        import numpy as np
        import torch

        random.setstate(self.py)
        np.random.set_state(self.np)
        torch.set_rng_state(self.torch)
        if self.cuda is not None:
            torch.cuda.set_rng_state_all(self.cuda)


class ModelContext:
    """Everything a model-scope check may read."""

    def __init__(self, setup: TrainingSetup, batch: tuple[Any, Any], *, synthetic: bool = False) -> None:
        self.setup = setup
        self.cfg = setup.cfg
        self.task = setup.task
        self.num_classes = setup.num_classes
        self.loss_fn = setup.loss_fn
        self.inputs, self.targets = batch
        self.synthetic = synthetic
        #: path of the config file for findings (relative: its own name)
        self.path = setup.cfg.name if setup.cfg.file is not None else None
        self.layers: list[LayerStat] = []
        self.leaf_order: list[tuple[str, str]] = []
        self.weights: list[WeightStat] = []
        self.output: Any = None
        self.output_error: str | None = None
        self.loss: float | None = None
        self.loss_error: str | None = None
        self.loss_parts: dict[str, float] = {}
        #: parameter name -> (grad norm or None when no gradient reached it, param norm)
        self.grads: dict[str, tuple[float | None, float]] = {}
        self.nonfinite_params: list[str] = []
        self.seconds: dict[str, float] = {}
        self._measured = False
        self._input_stats: dict[str, Any] | None = None
        self._target_stats: dict[str, Any] | None = None
        self._modes_after_train: dict[str, bool] | None = None
        self._mixing: dict[str, Any] | None = None
        self._schedule: list[dict[str, float]] | None = None
        #: the throwaway scheduler the preview stepped (O107 reads its milestones)
        self.schedule_scheduler: Any = None

    # -- where ----------------------------------------------------------------------------
    def line(self, key: str) -> int | None:
        return self.cfg.lines.get(key) if self.cfg.file is not None else None

    @property
    def batch_size(self) -> int:
        """The batch size training uses: model.yaml's, else the loader's."""
        if self.cfg.batch_size:
            return self.cfg.batch_size
        return self.observed_batch

    @property
    def observed_batch(self) -> int:
        x = self.inputs
        return len(x) if isinstance(x, (list, tuple)) else int(x.shape[0])

    @property
    def is_ce(self) -> bool:
        import torch

        return isinstance(self.loss_fn, torch.nn.CrossEntropyLoss)

    @property
    def loss_name(self) -> str:
        return type(self.loss_fn).__name__ if self.loss_fn is not None else "none"

    # -- input and target statistics (no model needed) -------------------------------------
    def input_tensor(self) -> Any:
        import torch

        x = self.inputs
        if isinstance(x, (list, tuple)):
            shapes = {tuple(t.shape) for t in x}
            return torch.stack(list(x)) if len(shapes) == 1 else torch.cat([t.flatten(1) if t.dim() > 1 else t[None] for t in x], -1)[None]
        return x

    def input_stats(self) -> dict[str, Any]:
        if self._input_stats is not None:
            return self._input_stats
        import torch

        x = self.input_tensor().detach().cpu()
        out: dict[str, Any] = {"dtype": str(x.dtype).replace("torch.", ""), "shape": list(x.shape)}
        xf = x.float()
        finite = torch.isfinite(xf)
        out["nonfinite"] = int((~finite).sum())
        xs = xf[finite] if out["nonfinite"] else xf
        if xs.numel() == 0:
            out.update(min=math.nan, max=math.nan, mean=math.nan, std=math.nan, channel_mean=[], channel_std=[], constant_samples=0)
            self._input_stats = out
            return out
        out.update(min=float(xs.min()), max=float(xs.max()), mean=float(xs.mean()), std=float(xs.std()) if xs.numel() > 1 else 0.0)
        if xf.dim() == 4 and xf.shape[1] <= 4 and not out["nonfinite"]:
            out["channel_mean"] = [round(float(v), 4) for v in xf.mean(dim=(0, 2, 3))]
            out["channel_std"] = [round(float(v), 4) for v in xf.std(dim=(0, 2, 3))]
        else:
            out["channel_mean"], out["channel_std"] = [], []
        if xf.dim() >= 2 and not out["nonfinite"]:
            flat = xf.flatten(1)
            out["constant_samples"] = int(((flat.max(1).values - flat.min(1).values) == 0).sum())
        else:
            out["constant_samples"] = 0
        self._input_stats = out
        return out

    def target_stats(self) -> dict[str, Any]:
        if self._target_stats is not None:
            return self._target_stats
        import torch

        y = self.targets
        out: dict[str, Any] = {}
        if isinstance(y, torch.Tensor):
            out["dtype"] = str(y.dtype).replace("torch.", "")
            out["shape"] = list(y.shape)
            out["floating"] = bool(y.is_floating_point())
            yc = y.detach().cpu()
            if yc.numel():
                if y.is_floating_point():
                    out["min"], out["max"] = float(yc.min()), float(yc.max())
                    out["integral"] = bool(torch.equal(yc, yc.round())) if torch.isfinite(yc).all() else False
                else:
                    out["min"], out["max"] = int(yc.min()), int(yc.max())
                    out["integral"] = True
                if out["integral"] and y.numel() <= 50_000_000:
                    vals = torch.unique(yc.long() if y.is_floating_point() else yc)
                    out["values"] = [int(v) for v in vals[:MAX_VALUES]]
                    out["n_values"] = int(vals.numel())
        elif isinstance(y, (list, tuple)):
            out["dtype"] = "list"
            out["shape"] = [len(y)]
            labels = [int(v) for t in y if isinstance(t, dict) and "labels" in t for v in t["labels"].flatten().tolist()]
            boxes = sum(int(t["boxes"].shape[0]) for t in y if isinstance(t, dict) and "boxes" in t)
            out["boxes"] = boxes
            if labels:
                out["min"], out["max"] = min(labels), max(labels)
                out["values"] = sorted(set(labels))[:MAX_VALUES]
        self._target_stats = out
        return out

    # -- the one pass ------------------------------------------------------------------------
    def measure(self) -> None:
        """Run the deep copy once: forward (hooks), loss, backward. Idempotent."""
        if self._measured:
            return
        self._measured = True
        import time

        import torch

        t0 = time.perf_counter()
        with SavedRNG():
            work = copy.deepcopy(self.setup.model)
            self.weights = _weight_stats(work)
            self.nonfinite_params = [n for n, p in work.named_parameters() if not torch.isfinite(p).all()]
            dev = self.setup.device
            work.to(dev)
            work.train()
            if self.cfg.freeze_bn:
                for m in work.modules():
                    if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and all(not p.requires_grad for p in m.parameters(recurse=False)):
                        m.eval()
            handles = _install_hooks(work, self)
            self.seconds["prepare"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            loss = None
            try:
                loss = self._forward_loss(work, dev)
            finally:
                for h in handles:
                    h.remove()
            self.seconds["forward"] = time.perf_counter() - t1
            t2 = time.perf_counter()
            if loss is not None and loss.requires_grad:
                try:
                    loss.backward()
                except Exception as exc:  # noqa: BLE001
                    self.loss_error = self.loss_error or f"backward failed: {_one_line(exc)}"
                for name, p in work.named_parameters():
                    if p.requires_grad:
                        g = None if p.grad is None else float(p.grad.detach().float().norm())
                        self.grads[name] = (g, float(p.detach().float().norm()))
            self.seconds["backward"] = time.perf_counter() - t2
            del work

    def _forward_loss(self, work: Any, dev: Any) -> Any:
        import torch

        x = self.inputs
        y = self.targets
        try:
            if self.task == "detect":
                images = [t.to(dev).float() if not t.is_floating_point() else t.to(dev) for t in (list(x) if isinstance(x, (list, tuple)) else list(x.unbind(0)))]
                tgts = [{k: (v.to(dev) if isinstance(v, torch.Tensor) else v) for k, v in t.items()} for t in y]
                out = work(images, tgts)
            else:
                xin = x.to(dev)
                if not xin.is_floating_point():
                    # a uint8 batch cannot enter a float conv at all; feed it as floats so the other
                    # checks still see the model (N101 reports the dtype)
                    xin = xin.float()
                out = work(xin)
        except Exception as exc:  # noqa: BLE001
            self.output_error = _one_line(exc)
            return None
        if isinstance(out, dict) and self.task == "detect":
            parts = {k: v for k, v in out.items() if isinstance(v, torch.Tensor) and v.dim() == 0}
            if parts:
                self.loss_parts = {k: float(v.detach()) for k, v in parts.items()}
                loss = torch.stack(list(parts.values())).sum()
                self.loss = float(loss.detach())
                return loss
            self.output_error = "the detection model returned no loss dict in train mode (does it take targets?)"
            return None
        try:
            out = select_output(out, self.cfg.output)
        except (KeyError, IndexError) as exc:
            self.output_error = f"model.output {self.cfg.output!r} not in the model's output ({_one_line(exc)})"
            return None
        if not isinstance(out, torch.Tensor):
            self.output_error = f"the model returned {type(out).__name__}; set model.output to the key or index of the logits"
            return None
        self.output = out.detach().float().cpu()
        if self.loss_fn is None:
            return None
        yt = y.to(dev) if isinstance(y, torch.Tensor) else y
        if getattr(dev, "type", str(dev)) == "cuda" and _targets_outside_classes(self.loss_fn, out, y):
            # CUDA's NLL kernel meets such targets with a device-side assert that poisons the
            # whole process; the same call on the CPU raises an ordinary error, which is what
            # the checks read (A107, N108). The output stays on the graph through .cpu()
            out, yt = out.cpu(), y
        try:
            loss = self.loss_fn(out, yt)
        except Exception as exc:  # noqa: BLE001
            self.loss_error = _one_line(exc)
            return None
        if isinstance(loss, torch.Tensor) and loss.dim() > 0:
            loss = loss.mean()
        if not isinstance(loss, torch.Tensor):
            self.loss_error = f"the loss returned {type(loss).__name__}, not a tensor"
            return None
        self.loss = float(loss.detach())
        return loss

    # -- helpers for checks --------------------------------------------------------------------
    def modules(self) -> dict[str, Any]:
        return dict(self.setup.model.named_modules())

    def last_leaf(self) -> tuple[str, str] | None:
        """The last leaf module the forward pass ran (name, class name)."""
        return self.leaf_order[-1] if self.leaf_order else None

    def trailing_leaves(self) -> list[tuple[str, str]]:
        """The shape-keeping modules at the end of the forward pass, last first.

        Walks back from the last leaf over dropout/identity/flatten/activations, so that
        ``Linear -> Softmax -> Dropout`` still shows the Softmax.
        """
        passthrough = {"Dropout", "Dropout2d", "Identity", "Flatten", "Upsample", "UpsamplingBilinear2d"}
        out: list[tuple[str, str]] = []
        for name, kind in reversed(self.leaf_order):
            out.append((name, kind))
            if kind not in passthrough:
                break
        return out

    def classes(self) -> int | None:
        """How many classes the loss sees: the output's channel count, else the data's."""
        c = self.output_classes()
        return c if c is not None else self.num_classes

    def ignore_value(self) -> int:
        """The label value that means "no label" in this dataset (data.yaml, default 255)."""
        data = self.setup.data
        return int(data.ignore_index) if data is not None else 255

    def pretrained(self) -> str | None:
        """``imagenet`` when the config says so or torchvision weights are requested."""
        if self.cfg.input.pretrained:
            return self.cfg.input.pretrained
        spec = self.cfg.model
        if spec is not None and spec.factory.startswith("torchvision"):
            for key in ("weights", "weights_backbone"):
                if spec.kwargs.get(key) not in (None, False, "", "None"):
                    return "imagenet"
        return None

    def detector_classes(self) -> int | None:
        """The class count of a torchvision detector's head (background included)."""
        m = self.setup.model
        pred = getattr(getattr(m, "roi_heads", None), "box_predictor", None)
        if pred is not None and hasattr(pred, "cls_score"):
            return int(pred.cls_score.out_features)
        head = getattr(getattr(m, "head", None), "classification_head", None)
        if head is not None and hasattr(head, "num_classes"):
            return int(head.num_classes)
        return None

    def class_prior(self, classes: int) -> list[float] | None:
        """Class frequencies of the batch's index targets (labels, or pixels), the loss's
        ``ignore_index`` left out; None for float/one-hot or detection targets."""
        import torch

        y = self.targets
        if not isinstance(y, torch.Tensor) or y.numel() == 0 or y.is_floating_point():
            return None
        ignore = int(getattr(self.loss_fn, "ignore_index", -100))
        v = y.detach().flatten().cpu()
        v = v[(v != ignore) & (v >= 0) & (v < classes)]
        if v.numel() == 0:
            return None
        counts = torch.bincount(v.long(), minlength=classes).float()
        return [float(c) for c in counts / counts.sum()]

    def sample_mixing(self) -> dict[str, Any] | None:
        """Karpathy's batch-independence test: the gradient of sample 0's output with respect
        to the *other* samples' inputs, on a deep copy in eval mode (BatchNorm in train mode
        mixes samples on purpose). None when it does not apply (detection, a non-tensor or
        single-sample batch, a forward that fails)."""
        if self._mixing is not None or self.task == "detect":
            return self._mixing or None
        import torch

        x = self.inputs
        if not isinstance(x, torch.Tensor) or x.dim() < 2 or int(x.shape[0]) < 2:
            return None
        self._mixing = {}
        with SavedRNG():
            work = copy.deepcopy(self.setup.model).to(self.setup.device).eval()
            xin = x.detach().to(self.setup.device).float().requires_grad_(True)
            try:
                out = select_output(work(xin), self.cfg.output)
                if not isinstance(out, torch.Tensor) or out.dim() < 1 or out.shape[0] != x.shape[0]:
                    return None
                (grad,) = torch.autograd.grad(out[0].float().sum(), xin, allow_unused=True)
            except Exception:  # noqa: BLE001 - the main pass reports a failing forward
                return None
            finally:
                del work
        if grad is None:
            return None
        per_sample = grad.detach().abs().flatten(1).amax(1).cpu()
        own = float(per_sample[0])
        others = per_sample[1:]
        self._mixing = {"own": own, "others_max": float(others.max()),
                        "mixed": [int(i) + 1 for i in torch.nonzero(others > 0).flatten()[:20]]}
        return self._mixing

    def lr_schedule(self) -> list[dict[str, float]]:
        """The configured scheduler (model.yaml ``scheduler:``) stepped over the planned run on
        a throwaway optimizer of the user's kind and settings: one point per scheduler step
        (at most ``MAX_SCHEDULE_POINTS``, evenly thinned), each with the epoch, the LR of the
        first param group and its momentum (``momentum`` or ``betas[0]``). A factory that
        fails is a one-line ConfigError naming the key."""
        if self._schedule is not None:
            return self._schedule
        self._schedule = []
        spec = self.cfg.scheduler
        opt0 = self.setup.optimizer
        if spec is None or opt0 is None:
            return self._schedule
        import warnings

        import torch

        from .config import resolve_callable

        factory = resolve_callable(spec.factory.factory, self.cfg.base, what=f"{self.cfg.where('scheduler')}: scheduler.factory")
        group = {k: v for k, v in opt0.param_groups[0].items() if k not in ("params", "initial_lr")}
        opt = type(opt0)([torch.nn.Parameter(torch.zeros(1))], **group)
        try:
            sched = factory(opt, **spec.factory.kwargs)
        except Exception as exc:  # noqa: BLE001
            from ..errors import ConfigError

            raise ConfigError(f"{self.cfg.where('scheduler')}: scheduler: {_one_line(exc)}") from None
        per_epoch = spec.steps_per_epoch if spec.interval == "step" else 1
        total = min(spec.epochs * per_epoch, MAX_SCHEDULE_STEPS)
        stride = max(1, total // MAX_SCHEDULE_POINTS)
        self.schedule_scheduler = sched

        def point(i: int) -> dict[str, float]:
            g = opt.param_groups[0]
            mom = g.get("momentum", (g.get("betas") or (None,))[0])
            out = {"epoch": round(i / per_epoch, 4), "lr": float(g["lr"])}
            if mom is not None:
                out["momentum"] = float(mom)
            return out

        points = [point(0)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. OneCycleLR stepped past total_steps
            for i in range(1, total + 1):
                opt.step()  # no gradients: a no-op that keeps the step order PyTorch expects
                try:
                    sched.step()
                except (ValueError, ZeroDivisionError):
                    break  # OneCycleLR past its total_steps: the schedule ends here
                if i % stride == 0 or i == total:
                    points.append(point(i))
        self._schedule = points
        return points

    def modes_after_train(self) -> dict[str, bool]:
        """Each module's ``training`` flag right after ``model.train()``, the first thing a
        training loop does: a model may override ``train()`` (e.g. to keep frozen BatchNorm in
        eval mode, as mmcv's ``norm_eval`` does). The user's modes are restored afterwards."""
        if self._modes_after_train is None:
            model = self.setup.model
            saved = [(m, m.training) for m in model.modules()]
            try:
                model.train()
                self._modes_after_train = {n: bool(m.training) for n, m in model.named_modules()}
            finally:
                for m, mode in saved:
                    m.training = mode
        return self._modes_after_train

    def batchnorms(self) -> list[tuple[str, Any]]:
        import torch

        return [(n, m) for n, m in self.setup.model.named_modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]

    def output_classes(self) -> int | None:
        if self.output is None or self.output.dim() < 2:
            return None
        return int(self.output.shape[1])


def _fans(w: Any) -> tuple[int, int]:
    receptive = 1
    for s in w.shape[2:]:
        receptive *= int(s)
    return int(w.shape[1]) * receptive, int(w.shape[0]) * receptive


def _weight_stats(model: Any) -> list[WeightStat]:
    """Per Conv/Linear layer: std of the weights against the usual init schemes."""
    import torch

    out = []
    kinds = (torch.nn.Linear, torch.nn.modules.conv._ConvNd)
    for name, m in model.named_modules():
        if not isinstance(m, kinds) or getattr(m, "weight", None) is None or m.weight.dim() < 2:
            continue
        w = m.weight.detach().float()
        if isinstance(m, torch.nn.modules.conv._ConvTransposeNd):
            w = w.transpose(0, 1)
        fan_in, fan_out = _fans(w)
        if fan_in == 0 or fan_out == 0:
            continue
        schemes = (
            math.sqrt(2.0 / fan_in),  # He / Kaiming, fan_in (He et al. 2015)
            math.sqrt(2.0 / fan_out),  # He, fan_out (torchvision ResNet/MobileNet)
            math.sqrt(2.0 / (fan_in + fan_out)),  # Glorot / Xavier (2010)
            math.sqrt(1.0 / fan_in),  # LeCun (1998)
            math.sqrt(1.0 / (3.0 * fan_in)),  # PyTorch default: kaiming_uniform(a=sqrt(5))
        )
        std = float(w.std()) if w.numel() > 1 else 0.0
        out.append(
            WeightStat(
                name=name, kind=type(m).__name__, shape=tuple(m.weight.shape), fan_in=fan_in,
                fan_out=fan_out, std=std, mean=float(w.mean()),
                constant=bool(w.numel() > 1 and float(w.max() - w.min()) == 0.0),
                band=(min(schemes), max(schemes)), trainable=bool(m.weight.requires_grad),
            )
        )
    return out


_RELU = ("ReLU", "ReLU6")
_SAT = ("Sigmoid", "Tanh")


def _install_hooks(model: Any, ctx: ModelContext) -> list[Any]:
    import torch

    weight_kinds = (torch.nn.Linear, torch.nn.modules.conv._ConvNd)
    calls: dict[str, int] = {}
    handles = []

    def make(name: str, module: Any) -> Any:
        kind = type(module).__name__
        is_weight = isinstance(module, weight_kinds)

        def hook(_mod: Any, _inp: Any, out: Any) -> None:
            ctx.leaf_order.append((name, kind))
            t = out[0] if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor) else out
            if not isinstance(t, torch.Tensor) or not t.is_floating_point() or t.numel() == 0:
                return
            with torch.no_grad():
                d = t.detach()
                if d.dtype != torch.float32:
                    d = d.float()
                k = calls.get(name, 0)
                calls[name] = k + 1
                # one pass for every leaf (a NaN/inf anywhere makes the sum non-finite); the
                # second pass (std) only where a check reads it: this keeps the hooks cheap
                total = float(d.sum())
                finite = math.isfinite(total)
                need_std = is_weight or kind in _RELU or kind in _SAT
                std = float(d.std()) if finite and need_std and d.numel() > 1 else math.nan
                stat = LayerStat(
                    name=name if k == 0 else f"{name}#{k + 1}", kind=kind, shape=tuple(d.shape),
                    mean=total / d.numel() if finite else math.nan, std=std,
                    absmax=math.nan if finite else math.inf, finite=finite, weight_layer=is_weight,
                )
                if kind in _RELU and d.dim() >= 2 and finite:
                    per_channel = d.amax(dim=[0, *range(2, d.dim())])
                    stat.dead = float((per_channel <= 0).float().mean())
                elif kind == "Tanh" and finite:
                    stat.saturated = float((d.abs() > 0.99).float().mean())
                elif kind == "Sigmoid" and finite:
                    stat.saturated = float(((d < 0.01) | (d > 0.99)).float().mean())
                ctx.layers.append(stat)

        return hook

    for name, module in model.named_modules():
        if name and not any(True for _ in module.children()):
            handles.append(module.register_forward_hook(make(name, module)))
    return handles


def _targets_outside_classes(loss_fn: Any, out: Any, y: Any) -> bool:
    """Class targets a CrossEntropy/NLL loss would index out of range (255 without
    ignore_index, labels counted from 1): the output's class dimension is dim 1."""
    import torch

    if not isinstance(loss_fn, (torch.nn.CrossEntropyLoss, torch.nn.NLLLoss)):
        return False
    if not isinstance(y, torch.Tensor) or y.is_floating_point() or out.dim() < 2:
        return False
    ignore = int(getattr(loss_fn, "ignore_index", -100))
    n = out.shape[1]
    return bool(((y != ignore) & ((y < 0) | (y >= n))).any())
