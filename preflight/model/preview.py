"""The batch as the model sees it: one real batch decoded back to pictures, labels drawn.

The report shows the first images of the batch the model audit measured (after the user's
own transforms: their loader, their augmentations, their normalization), each as a small JPEG
with its labels on it: boxes and class names for detection, a colour overlay of the mask for
segmentation, the class name for classification. Wrong crops, flipped masks, boxes that no
longer sit on their objects after a resize, a swapped channel order or a normalization applied
twice are visible at a glance, where the N checks only see numbers.

Turning normalized tensors back into pixels (:func:`pixel_decoder`), in this order:

1. ``uint8`` tensors are shown as they are.
2. When model.yaml's ``input`` says how the pixels were scaled (the default loader always
   applies it; with the user's ``loader:`` only keys written in the file count), that is
   undone exactly: ``(x × std + mean) × scale``. If the result is not 0-255 pixels the
   declared numbers do not describe this batch (the N checks say why) and rule 3 decides.
3. Otherwise the value range says it: [0, 1] floats × 255; 0-255 floats as they are; [-1, 1]
   floats as ``(x + 1) × 127.5``; values within ImageNet-normalized bounds ([-2.12, 2.64])
   with ImageNet's mean and std; anything else stretched per image (and said so).

The caption of the block says which rule was used. ``channels: BGR`` is swapped for display.
Only the small JPEGs and their captions are kept (as base64 data URIs in the model section);
the batch itself is not stored.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["MAX_ITEMS", "SIDE", "batch_preview", "pixel_decoder"]

#: Images of the batch shown, longest side of each thumbnail (px) and its JPEG quality:
#: 8 × ~6 KB keeps the block under 60 KB of the report.
MAX_ITEMS = 8
SIDE = 160
QUALITY = 80
#: ImageNet statistics (torchvision's transforms for every pretrained classification model).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: ImageNet-normalized pixels lie within [(0 - 0.485) / 0.229, (1 - 0.406) / 0.225] = [-2.12, 2.64].
IMAGENET_RANGE = (-2.12, 2.64)
#: slack on range tests: JPEG decoding and resampling overshoot by a little
EPS = 0.02
#: Box and label colours (RGB, Okabe-Ito), one per class id modulo their count.
BOX_RGB = [(230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178), (213, 94, 0),
           (204, 121, 167), (255, 255, 255)]


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def _samples(x: Any) -> list[np.ndarray]:
    """The batch's images as float arrays [C, H, W] (a list for detection's varying sizes)."""
    import torch

    items = list(x) if isinstance(x, (list, tuple)) else list(x.unbind(0)) if isinstance(x, torch.Tensor) else []
    out = []
    for t in items[:MAX_ITEMS]:
        if not isinstance(t, torch.Tensor):
            continue
        a = t.detach().cpu()
        if a.dim() == 2:
            a = a[None]
        if a.dim() != 3:
            continue
        out.append(a.numpy() if a.dtype == torch.uint8 else a.float().numpy())
    return out


def _percentiles(samples: list[np.ndarray]) -> tuple[float, float, float, float]:
    flat = np.concatenate([s.ravel()[:: max(1, s.size // 200_000)] for s in samples])
    flat = flat[np.isfinite(flat)]
    if not flat.size:
        return 0.0, 0.0, 0.0, 0.0
    lo, hi = np.percentile(flat, [0.5, 99.5])
    return float(flat.min()), float(flat.max()), float(lo), float(hi)


def _affine(mean: Any, std: Any, scale: float) -> Callable[[np.ndarray], np.ndarray]:
    def f(a: np.ndarray) -> np.ndarray:
        c = a.shape[0]
        m = np.asarray(mean if mean is not None else [0.0], np.float32)
        s = np.asarray(std if std is not None else [1.0], np.float32)
        m = np.resize(m, c)[:, None, None] if m.size in (1, c) else np.zeros((c, 1, 1), np.float32)
        s = np.resize(s, c)[:, None, None] if s.size in (1, c) else np.ones((c, 1, 1), np.float32)
        return (a * s + m) * scale

    return f


def _stretch(a: np.ndarray) -> np.ndarray:
    finite = a[np.isfinite(a)]
    if not finite.size:
        return np.zeros_like(a)
    lo, hi = np.percentile(finite, [0.5, 99.5])
    return (a - lo) / max(float(hi - lo), 1e-12) * 255.0


def pixel_decoder(samples: list[np.ndarray], inp: Any, *, default_loader: bool) -> tuple[Callable[[np.ndarray], np.ndarray], str]:
    """(function from one [C, H, W] sample to 0-255 floats, how it was chosen) for the batch."""
    if samples and samples[0].dtype == np.uint8:
        return (lambda a: a.astype(np.float32)), "uint8 pixels, shown as they are"
    given = set(getattr(inp, "given", ()) or ())
    declared = default_loader or bool(given & {"mean", "std", "scale"})
    mismatch = ""
    if declared:
        scale = float(inp.scale) if (default_loader or "scale" in given) and inp.scale else 255.0
        f = _affine(inp.mean, inp.std, scale)
        decoded = [f(s) for s in samples]
        _, _, lo, hi = _percentiles(decoded)
        parts = [p for p, on in (("× std", inp.std is not None), ("+ mean", inp.mean is not None)) if on]
        how = f"model.yaml's input undone: (x {' '.join(parts)}) × {scale:g}" if parts else f"model.yaml's input undone: x × {scale:g}"
        if lo >= -0.1 * 255 and hi <= 1.1 * 255:
            return f, how
        mismatch = (f"model.yaml's input (mean/std/scale) maps this batch to {lo:.3g}..{hi:.3g}, not to 0-255 "
                    f"pixels (see the N findings); ")
    vmin, vmax, lo, hi = _percentiles(samples)
    if vmin >= -EPS and vmax <= 1 + EPS:
        return (lambda a: a * 255.0), mismatch + "values in [0, 1]: × 255"
    if vmin >= -EPS and vmax <= 255 + EPS:
        return (lambda a: a), mismatch + "values in [0, 255]: shown as they are"
    if vmin >= -1 - EPS and vmax <= 1 + EPS:
        return (lambda a: (a + 1.0) * 127.5), mismatch + "values in [-1, 1]: (x + 1) × 127.5"
    lo_i, hi_i = IMAGENET_RANGE
    if samples and samples[0].shape[0] == 3 and vmin >= lo_i - EPS and vmax <= hi_i + EPS:
        return _affine(IMAGENET_MEAN, IMAGENET_STD, 255.0), (
            mismatch + "values within ImageNet-normalized bounds: × ImageNet std + mean, × 255")
    return _stretch, mismatch + f"values {vmin:.3g}..{vmax:.3g} fit no known scaling: stretched per image"


def _to_rgb(a: np.ndarray, decode: Callable[[np.ndarray], np.ndarray], bgr: bool) -> np.ndarray:
    """One [C, H, W] sample as an H × W × 3 uint8 RGB picture."""
    img = decode(a)
    img = np.nan_to_num(img, nan=0.0, posinf=255.0, neginf=0.0)
    img = np.clip(img, 0, 255).astype(np.uint8)
    c = img.shape[0]
    if c == 1:
        img = np.repeat(img, 3, axis=0)
    elif c == 2:
        img = np.concatenate([img, img[:1]], axis=0)
    else:
        img = img[:3]
        if bgr:
            img = img[::-1]
    return np.ascontiguousarray(img.transpose(1, 2, 0))


def _fit(img: np.ndarray, *, nearest: bool = False) -> tuple[np.ndarray, float]:
    """Resized so its longest side is SIDE; tiny inputs are enlarged with nearest neighbour
    (their pixels stay visible as pixels)."""
    import cv2

    h, w = img.shape[:2]
    k = SIDE / max(h, w, 1)
    size = (max(1, round(w * k)), max(1, round(h * k)))
    interp = cv2.INTER_NEAREST if nearest or k > 1 else cv2.INTER_AREA
    return cv2.resize(img, size, interpolation=interp), k


def _name(names: dict[int, str], cid: int) -> str:
    return str(names.get(cid, f"id {cid}"))


def _overlay_mask(img: np.ndarray, mask: np.ndarray, ignore: int) -> np.ndarray:
    """The mask in VOC colours over the picture (45 %), the ignore value in white, class
    boundaries as thin dark lines."""
    import cv2

    from ..formats.masks import voc_palette

    h, w = img.shape[:2]
    m = cv2.resize(mask.astype(np.int32).astype(np.float32), (w, h), interpolation=cv2.INTER_NEAREST).astype(np.int64)
    colours = voc_palette(256).astype(np.float32)
    colours[255] = (255, 255, 255)
    idx = np.clip(m, 0, 255)
    idx = np.where(m == ignore, 255, idx)
    painted = colours[idx]
    labelled = (m != 0) | (m == ignore)  # background (0) keeps the picture as it is
    out = img.astype(np.float32)
    out[labelled] = 0.55 * out[labelled] + 0.45 * painted[labelled]
    edge = cv2.morphologyEx(np.clip(m, 0, 255).astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    out[edge] = 0.4 * out[edge]
    return np.clip(out, 0, 255).astype(np.uint8)


def _draw_boxes(img: np.ndarray, boxes: np.ndarray, labels: list[int], names: dict[int, str], k: float) -> np.ndarray:
    import cv2

    out = img.copy()
    for (x1, y1, x2, y2), lab in zip(boxes.tolist(), labels, strict=False):
        colour = BOX_RGB[lab % len(BOX_RGB)]
        p1 = (int(round(x1 * k)), int(round(y1 * k)))
        p2 = (int(round(x2 * k)), int(round(y2 * k)))
        cv2.rectangle(out, p1, p2, (20, 20, 20), 3)
        cv2.rectangle(out, p1, p2, colour, 1)
        text = _name(names, lab - 1)[:14]
        # cv2 draws ASCII only: other characters become '?', which is all a thumbnail needs
        text = text.encode("ascii", "replace").decode("ascii")
        org = (p1[0] + 2, max(9, p1[1] - 2) if p1[1] > 10 else p1[1] + 10)
        cv2.putText(out, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.32, (20, 20, 20), 2, cv2.LINE_AA)
        cv2.putText(out, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.32, colour, 1, cv2.LINE_AA)
    return out


def _encode(rgb: np.ndarray) -> str:
    import cv2

    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
    if not ok:  # pragma: no cover - cv2 encodes any uint8 image
        raise ValueError("jpeg encoding failed")
    return _data_uri(buf.tobytes())


def _class_of(y: Any, i: int) -> int | None:
    import torch

    if not isinstance(y, torch.Tensor) or y.dim() == 0 or i >= y.shape[0]:
        return None
    t = y[i].detach().cpu()
    if t.dim() == 0:
        return int(t.round().item()) if t.is_floating_point() else int(t.item())
    if t.dim() == 1 and t.numel() > 1:  # one-hot or soft labels
        return int(t.float().argmax().item())
    return None


def _mask_of(y: Any, i: int) -> np.ndarray | None:
    import torch

    if not isinstance(y, torch.Tensor) or y.dim() < 3 or i >= y.shape[0]:
        return None
    t = y[i].detach().cpu()
    if t.dim() == 3 and t.shape[0] == 1:
        t = t[0]
    elif t.dim() == 3:  # one-hot [C, H, W]
        t = t.float().argmax(0)
    if t.dim() != 2:
        return None
    return (t.round() if t.is_floating_point() else t).long().numpy()


def _boxes_of(y: Any, i: int, h: int, w: int) -> tuple[np.ndarray, list[int]] | None:
    import torch

    if not isinstance(y, (list, tuple)) or i >= len(y) or not isinstance(y[i], dict):
        return None
    b = y[i].get("boxes")
    lab = y[i].get("labels")
    if not isinstance(b, torch.Tensor) or b.dim() != 2 or b.shape[-1] != 4:
        return None
    boxes = b.detach().cpu().float().numpy().reshape(-1, 4)
    if boxes.size and np.nanmax(np.abs(boxes)) <= 1.5:  # normalized corners: to pixels
        boxes = boxes * np.array([w, h, w, h], np.float32)
    labels = [int(v) for v in lab.detach().cpu().flatten().tolist()] if isinstance(lab, torch.Tensor) else [1] * len(boxes)
    return boxes, labels


def batch_preview(ctx: Any) -> dict[str, Any] | None:
    """Thumbnails of the first images of the audited batch with their labels drawn, and how
    the pixels were decoded; None for a synthetic batch or inputs that are not images."""
    if getattr(ctx, "synthetic", False):
        return None
    from .batch import DefaultLoader

    setup = ctx.setup
    samples = _samples(ctx.inputs)
    if not samples or samples[0].shape[0] > 16 or min(samples[0].shape[1:]) < 2:
        return None
    decode, how = pixel_decoder(samples, setup.cfg.input, default_loader=isinstance(setup.loader, DefaultLoader))
    bgr = setup.cfg.input.channels == "BGR"
    names: dict[int, str] = dict(setup.data.names) if setup.data is not None else {}
    ignore = ctx.ignore_value() if ctx.task == "segment" else -1
    y = ctx.targets
    items = []
    for i, a in enumerate(samples):
        rgb = _to_rgb(a, decode, bgr)
        h, w = rgb.shape[:2]
        small, k = _fit(rgb)
        caption = f"#{i}"
        if ctx.task == "segment":
            mask = _mask_of(y, i)
            if mask is not None:
                small = _overlay_mask(small, mask, ignore)
                vals, counts = np.unique(mask, return_counts=True)
                order = np.argsort(-counts)[:3]
                parts = [f"{'ignore' if int(vals[j]) == ignore else _name(names, int(vals[j]))} "
                         f"{_share(counts[j] / mask.size)}" for j in order]
                caption += ": " + ", ".join(parts)
                if mask.shape != (h, w):
                    caption += f" (mask {mask.shape[1]}×{mask.shape[0]}, image {w}×{h})"
        elif ctx.task == "detect":
            found = _boxes_of(y, i, h, w)
            if found is not None:
                boxes, labels = found
                small = _draw_boxes(small, boxes, labels, names, k)
                tally: dict[str, int] = {}
                for lab in labels:
                    tally[_name(names, lab - 1)] = tally.get(_name(names, lab - 1), 0) + 1
                caption += f": {len(labels)} box{'es' if len(labels) != 1 else ''}" + (
                    " (" + ", ".join(f"{n} ×{c}" for n, c in list(tally.items())[:4]) + ")" if tally else "")
        else:
            cid = _class_of(y, i)
            if cid is not None:
                caption += f": {names[cid]} ({cid})" if cid in names else f": class {cid}"
        items.append({"src": _encode(small), "caption": caption, "alt": f"batch image {caption}"})
    drawn = {
        "segment": "mask overlay in Pascal VOC colours (background unpainted, ignore white)",
        "detect": "boxes with class names (label k is names[k-1]: torchvision detectors reserve 0 for background)",
    }.get(ctx.task, "class name under each image")
    return {"items": items, "decode": how, "labels": drawn, "shown": len(items),
            "batch": int(ctx.observed_batch), "channels": "BGR, swapped for display" if bgr else "RGB"}


def _share(x: float) -> str:
    return "<1%" if 0 < x < 0.005 else f"{x:.0%}"
