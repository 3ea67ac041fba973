"""Pictures for the HTML report: matplotlib plots and cv2 thumbnails, returned as data URIs.

Everything here is presentation. It reads dataset images **read-only** (``cv2.imdecode`` of
the file's bytes, Pillow for masks) and never writes anywhere; plots use matplotlib's
object API on an Agg canvas (no pyplot state, no display). Dataset-controlled text (class
names) reaches a plot only as a label inside a PNG, with mathtext parsing switched off so a
name such as ``$x^2$`` is drawn literally instead of being parsed as mathtext (or failing):
:func:`_literal` escapes the dollar signs of every dataset string handed to matplotlib.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = [
    "THUMB_SIDE",
    "bar_chart",
    "box_scatter",
    "data_uri",
    "line_plot",
    "mask_thumbnail",
    "pathology_sketch",
    "schedule_plot",
    "side_by_side",
    "thumbnail",
]

#: Longest side of a thumbnail in pixels; JPEG at :data:`THUMB_QUALITY` keeps one at 6–15 KB.
THUMB_SIDE = 240
THUMB_QUALITY = 70
#: Height of each picture in a pair (two side by side stay about as wide as one thumbnail).
PAIR_HEIGHT = 150
#: Offending boxes covering less than this share of the image are shown zoomed in, on a
#: region at least :data:`ZOOM_MIN_FRACTION` of the image wide, so a 20 px box on a 1000 px
#: aerial photo is visible; the picture is drawn at :data:`ZOOM_WORK_SIDE` before cropping.
ZOOM_BELOW_AREA = 0.05
ZOOM_MIN_FRACTION = 0.3
ZOOM_WORK_SIDE = 900
#: Images larger than this many bytes are not decoded for a thumbnail (a 50 MB TIFF would
#: stall the report); the example still lists its path.
MAX_THUMB_SOURCE_BYTES = 64 * 1024 * 1024
#: Plot colours: colour-blind safe (Okabe–Ito), one per split / class in order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SKETCH_TRAIN, SKETCH_VAL = "#0072B2", "#D55E00"
SPLIT_COLOURS = {"train": "#0072B2", "val": "#E69F00", "test": "#009E73"}
#: BGR colours for boxes on thumbnails: the offending box, the other boxes of the image.
BAD_BGR = (40, 40, 230)
CONTEXT_BGR = (235, 235, 235)


def data_uri(payload: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(payload).decode("ascii")


# -- matplotlib ------------------------------------------------------------------------------
@contextmanager
def _figure(width: float, height: float, dpi: int = 100):  # type: ignore[no-untyped-def]
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rc = {
        "font.size": 8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#9aa0a6",
        "axes.labelcolor": "#3c4043",
        "xtick.color": "#5f6368",
        "ytick.color": "#5f6368",
        "axes.grid": True,
        "grid.color": "#e8eaed",
        "grid.linewidth": 0.6,
        "svg.fonttype": "none",
    }
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        fig = Figure(figsize=(width, height), dpi=dpi)
        FigureCanvasAgg(fig)
        yield fig


def _literal(text: object) -> str:
    """Dataset text for a matplotlib label: ``$`` escaped so mathtext never parses it."""
    return str(text).replace("$", r"\$")


def _png(fig: Any, dpi: int = 100) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.05, metadata={"Software": None})
    return data_uri(buf.getvalue(), "image/png")


def bar_chart(series: dict[str, dict[str, float]], *, xlabel: str, log: bool = False,
              max_rows: int = 40, percent: bool = False) -> str:
    """Horizontal grouped bars: one row per category (class), one bar per series (split).

    Categories are ordered by their total; past ``max_rows`` the rest are summed into one
    row named ``(N others)`` so an 80-class dataset stays readable.
    """
    totals: dict[str, float] = {}
    for values in series.values():
        for k, v in values.items():
            totals[k] = totals.get(k, 0.0) + float(v)
    cats = sorted(totals, key=lambda k: (-totals[k], k))
    rest = cats[max_rows - 1:] if len(cats) > max_rows else []
    shown = cats[: max_rows - 1] if rest else cats
    rows = list(shown) + ([f"({len(rest)} others)"] if rest else [])
    names = list(series)
    height = 0.6 + 0.18 * len(rows) * max(1.0, len(names) * 0.55)
    with _figure(9.0, min(max(height, 1.6), 12.0)) as fig:
        ax = fig.add_subplot(1, 1, 1)
        n = max(1, len(names))
        bar_h = 0.8 / n
        y = np.arange(len(rows))
        for i, name in enumerate(names):
            vals = [float(series[name].get(c, 0.0)) for c in shown]
            if rest:
                vals.append(sum(float(series[name].get(c, 0.0)) for c in rest))
            colour = SPLIT_COLOURS.get(name, PALETTE[i % len(PALETTE)])
            ax.barh(y + (i - (n - 1) / 2) * bar_h, vals, height=bar_h, label=_literal(name), color=colour)
        ax.set_yticks(y)
        ax.set_yticklabels([_literal(r) for r in rows])
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        if log:
            ax.set_xscale("log")
        if percent:
            from matplotlib.ticker import PercentFormatter

            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(xlabel)
        if len(names) > 1:
            ax.legend(frameon=False, loc="lower right")
        return _png(fig)


def box_scatter(points: dict[str, tuple[np.ndarray, np.ndarray]], *, max_points: int = 4000) -> str:
    """Box size (sqrt of area, px) against aspect (w/h), one colour per class."""
    with _figure(9.0, 4.0) as fig:
        ax = fig.add_subplot(1, 1, 1)
        total = sum(len(x) for x, _ in points.values()) or 1
        rng = np.random.default_rng(0)
        for i, (name, (size, aspect)) in enumerate(points.items()):
            keep = max(1, int(round(max_points * len(size) / total)))
            if len(size) > keep:
                idx = rng.choice(len(size), keep, replace=False)
                size, aspect = size[idx], aspect[idx]
            colour = "#9aa0a6" if name.startswith("(") else PALETTE[i % len(PALETTE)]
            ax.scatter(size, aspect, s=5, alpha=0.55, linewidths=0, color=colour, label=_literal(name))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("box size: √(width × height), pixels")
        ax.set_ylabel("aspect: width / height")
        ax.axhline(1.0, color="#bdc1c6", linewidth=0.8)
        if points:
            ax.legend(frameon=False, fontsize=7, markerscale=2.5, loc="center left", bbox_to_anchor=(1.0, 0.5))
        return _png(fig)


def line_plot(lines: Sequence[tuple[str, Sequence[float], Sequence[float]]], *, xlabel: str, ylabel: str,
              logx: bool = False, logy: bool = False, vlines: Iterable[tuple[float, str, str]] = (),
              vspan: tuple[float, float] | None = None, size: tuple[float, float] = (4.2, 2.4)) -> str | None:
    """Lines (label, x, y) with non-finite points dropped; None when nothing is left to draw."""
    cleaned = []
    for label, xs, ys in lines:
        pairs = [(float(x), float(y)) for x, y in zip(xs, ys, strict=False)
                 if x is not None and y is not None and math.isfinite(float(x)) and math.isfinite(float(y))
                 and (not logy or float(y) > 0) and (not logx or float(x) > 0)]
        if pairs:
            cleaned.append((label, [p[0] for p in pairs], [p[1] for p in pairs]))
    if not cleaned:
        return None
    with _figure(*size) as fig:
        ax = fig.add_subplot(1, 1, 1)
        for i, (label, xs, ys) in enumerate(cleaned):
            ax.plot(xs, ys, label=_literal(label), color=PALETTE[i % len(PALETTE)], linewidth=1.3)
        if vspan is not None and all(v is not None and math.isfinite(v) and v > 0 for v in vspan):
            ax.axvspan(vspan[0], vspan[1], color="#009E73", alpha=0.12, label="suggested range")
        for x, label, colour in vlines:
            if x is not None and math.isfinite(x) and (not logx or x > 0):
                ax.axvline(x, color=colour, linewidth=1.0, linestyle="--", label=label)
        if logx:
            ax.set_xscale("log")
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if len(cleaned) > 1 or vlines or vspan:
            ax.legend(frameon=False, fontsize=7)
        return _png(fig)


def _svg(fig: Any) -> str:
    """The figure as an SVG data URI: vector, sharp at any zoom. Text stays text
    (``svg.fonttype: none``); shown through ``<img>``, so the SVG can run nothing."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.05, metadata={"Date": None, "Creator": None})
    return data_uri(buf.getvalue(), "image/svg+xml")


#: Colours of the schedule plot: LR, momentum, and the marks of the O findings.
SCHEDULE_LR, SCHEDULE_MOMENTUM, SCHEDULE_MARK = "#0072B2", "#E69F00", "#D55E00"


def schedule_plot(points: Sequence[dict[str, Any]], *, marks: Sequence[dict[str, Any]] = ()) -> str | None:
    """The configured LR schedule over the planned run (left axis, log when it spans more than
    a factor 20) and the momentum (right axis, when the optimizer has one), with the O105-O107
    findings marked: ``marks`` are dicts with ``code``, ``label`` and one of ``at`` (an epoch:
    a dashed line), ``span`` (two epochs: a shaded band) or ``beyond`` (epochs past the end of
    the run: dotted lines, the x axis stretched to show them). None when nothing is plottable.
    """
    rows = [p for p in points if isinstance(p, dict)]
    xs = [float(p["epoch"]) for p in rows if _finite(p.get("epoch")) and _finite(p.get("lr"))]
    lrs = [float(p["lr"]) for p in rows if _finite(p.get("epoch")) and _finite(p.get("lr"))]
    if len(xs) < 2:
        return None
    moms = [(float(p["epoch"]), float(p["momentum"])) for p in rows
            if _finite(p.get("epoch")) and _finite(p.get("momentum"))]
    positive = [v for v in lrs if v > 0]
    logy = bool(positive) and max(positive) / min(positive) > 20
    end = max(xs)
    with _figure(6.4, 2.5) as fig:
        ax = fig.add_subplot(1, 1, 1)
        if logy:
            floor = min(positive) / 2
            ax.plot(xs, [max(v, floor) for v in lrs], color=SCHEDULE_LR, linewidth=1.5, label="learning rate")
            ax.set_yscale("log")
        else:
            ax.plot(xs, lrs, color=SCHEDULE_LR, linewidth=1.5, label="learning rate")
            ax.set_ylim(bottom=0)
        ax.set_xlabel("epoch")
        ax.set_ylabel("learning rate", color=SCHEDULE_LR)
        ax.axvline(end, color="#5f6368", linewidth=0.9, label=f"end of run (epoch {end:g})")
        right = end
        for m in marks:
            label = _literal(f"{m.get('code', '')}: {m.get('label', '')}")
            if _finite(m.get("at")):
                ax.axvline(float(m["at"]), color=SCHEDULE_MARK, linewidth=1.2, linestyle="--", label=label)
            elif isinstance(m.get("span"), (list, tuple)) and len(m["span"]) == 2 and all(_finite(v) for v in m["span"]):
                ax.axvspan(float(m["span"][0]), float(m["span"][1]), color=SCHEDULE_MARK, alpha=0.12, label=label)
            elif isinstance(m.get("beyond"), (list, tuple)):
                beyond = [float(v) for v in m["beyond"] if _finite(v)]
                for i, v in enumerate(beyond):
                    ax.axvline(v, color=SCHEDULE_MARK, linewidth=1.2, linestyle=":", label=label if i == 0 else None)
                right = max([right, *beyond])
        if right > end:
            ax.set_xlim(min(xs), right * 1.04)
        handles, labels = ax.get_legend_handles_labels()
        if moms:
            ax2 = ax.twinx()
            ax2.plot([m[0] for m in moms], [m[1] for m in moms], color=SCHEDULE_MOMENTUM, linewidth=1.2,
                     linestyle="-.", label="momentum (Adam: β1)")
            ax2.set_ylabel("momentum", color=SCHEDULE_MOMENTUM)
            lo, hi = min(m[1] for m in moms), max(m[1] for m in moms)
            ax2.set_ylim(max(0.0, lo - 0.1), min(1.0, hi + 0.05) if hi <= 1 else hi * 1.05)
            ax2.grid(False)
            ax2.spines["right"].set_visible(True)
            h2, l2 = ax2.get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
        ax.legend(handles, labels, frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                  ncol=min(3, len(handles)))
        return _svg(fig)


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


#: Idealized curves per pathology (epochs 0..1): train loss, val loss. Shapes follow the
#: contract's table of what each pathology looks like; they are sketches, not data.
def _sketch_curves(key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.linspace(0, 1, 60)
    wobble = np.sin(t * 37) * 0.5 + np.sin(t * 83) * 0.5
    if key == "normal":
        train = 0.25 + 0.75 * np.exp(-5 * t)
        val = 0.32 + 0.7 * np.exp(-4.5 * t)
    elif key == "underfitting":
        train = 1.0 - 0.45 * t
        val = 1.05 - 0.42 * t
    elif key == "overfitting":
        train = 0.1 + 0.9 * np.exp(-5 * t)
        val = 0.45 + 0.6 * np.exp(-7 * t) + 0.5 * np.clip(t - 0.35, 0, None) ** 1.3
    elif key == "premature_convergence":
        train = 0.55 + 0.45 * np.exp(-25 * t)
        val = 0.6 + 0.45 * np.exp(-25 * t)
    elif key == "training_failure":
        train = 0.95 + 0.04 * wobble
        val = 1.0 + 0.05 * np.roll(wobble, 7)
    elif key == "oscillation":
        train = 0.25 + 0.75 * np.exp(-5 * t)
        val = 0.4 + 0.6 * np.exp(-5 * t) + 0.18 * wobble
    elif key == "divergence":
        train = np.where(t < 0.55, 0.3 + 0.7 * np.exp(-5 * t), 0.3 + 0.7 * np.exp(-5 * t) + 18 * (t - 0.55) ** 2)
        val = np.where(t < 0.55, 0.4 + 0.6 * np.exp(-5 * t), 0.4 + 0.6 * np.exp(-5 * t) + 20 * (t - 0.55) ** 2)
    elif key == "both_rising":
        train = 0.5 + 0.5 * np.exp(-10 * t) + 0.6 * t ** 1.5
        val = 0.6 + 0.5 * np.exp(-10 * t) + 0.7 * t ** 1.5
    else:
        raise KeyError(key)
    return t, train, val


def pathology_sketch(key: str) -> str | None:
    """A small picture of the curves a pathology produces; None for an unknown key."""
    try:
        t, train, val = _sketch_curves(key)
    except KeyError:
        return None
    with _figure(2.2, 1.15) as fig:
        ax = fig.add_subplot(1, 1, 1)
        # colours match the legend in the page's predictions header
        ax.plot(t, train, color=SKETCH_TRAIN, linewidth=1.5)
        ax.plot(t, val, color=SKETCH_VAL, linewidth=1.5)
        if key == "divergence":
            ax.set_ylim(0, 2.2)
            ax.annotate("NaN", xy=(0.86, 2.0), fontsize=7, color=SKETCH_VAL)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("epochs", fontsize=7)
        ax.set_ylabel("loss", fontsize=7)
        ax.grid(False)
        return _png(fig, dpi=90)


# -- thumbnails ------------------------------------------------------------------------------
def _read_bgr(path: str, size_hint: tuple[int, int] | None) -> np.ndarray | None:
    """Decode an image file for a thumbnail (read-only), reduced at decode time when large."""
    import cv2

    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_THUMB_SOURCE_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_THUMB_SOURCE_BYTES or not data:
        return None
    flag = cv2.IMREAD_COLOR
    if size_hint and max(size_hint) >= 8 * THUMB_SIDE:
        flag = cv2.IMREAD_REDUCED_COLOR_4
    elif size_hint and max(size_hint) >= 4 * THUMB_SIDE:
        flag = cv2.IMREAD_REDUCED_COLOR_2
    try:
        img = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    except cv2.error:
        img = None
    if img is None:  # cv2 cannot read it (e.g. some GIFs): Pillow's view of the first frame
        try:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as im:
                img = cv2.cvtColor(np.asarray(im.convert("RGB")), cv2.COLOR_RGB2BGR)
        except Exception:  # noqa: BLE001 - an undecodable image is a finding elsewhere, not a crash here
            return None
    return img


def _encode_jpeg(img: np.ndarray) -> str:
    import cv2

    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, THUMB_QUALITY])
    if not ok:  # pragma: no cover - cv2 encodes any uint8 BGR image
        raise ValueError("jpeg encoding failed")
    return data_uri(buf.tobytes(), "image/jpeg")


def _fit(img: np.ndarray, side: int) -> np.ndarray:
    import cv2

    h, w = img.shape[:2]
    scale = side / max(h, w)
    if scale >= 1:
        return img
    return cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def _boxed(path: str, *, size_hint: tuple[int, int] | None, bad: np.ndarray | None,
           context: np.ndarray | None, side: int) -> np.ndarray | None:
    """The picture with its boxes drawn, zoomed onto the offending boxes when they are small.

    Boxes are normalized corners (x1, y1, x2, y2) of the displayed image. When an offending
    box reaches past the image, the picture sits on a grey margin (a thin yellow line marks
    the image edge) so the part outside is visible too.
    """
    import cv2

    img = _read_bgr(path, size_hint)
    if img is None:
        return None
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    img = _fit(img, ZOOM_WORK_SIDE)
    if max(img.shape[:2]) < 2 * THUMB_SIDE // 1.5:  # tiny images (128 px) are enlarged to be seen
        k = (2 * THUMB_SIDE // 1.5) / max(img.shape[:2])
        img = cv2.resize(img, (round(img.shape[1] * k), round(img.shape[0] * k)), interpolation=cv2.INTER_LINEAR)
    h, w = img.shape[:2]
    bad = np.zeros((0, 4)) if bad is None else np.asarray(bad, dtype=np.float64).reshape(-1, 4)
    context = np.zeros((0, 4)) if context is None else np.asarray(context, dtype=np.float64).reshape(-1, 4)
    bad = bad[np.isfinite(bad).all(axis=1)]
    context = context[np.isfinite(context).all(axis=1)]
    # the region to show, in normalized coordinates: the whole image, or around the bad boxes
    x1, y1, x2, y2 = 0.0, 0.0, 1.0, 1.0
    if len(bad):
        bx1, by1 = float(bad[:, 0].min()), float(bad[:, 1].min())
        bx2, by2 = float(bad[:, 2].max()), float(bad[:, 3].max())
        bw, bh = max(bx2 - bx1, 0.0), max(by2 - by1, 0.0)
        if bw * bh < ZOOM_BELOW_AREA:
            half = max(bw, bh, 2 * ZOOM_MIN_FRACTION) / 2 + max(bw, bh) * 0.6
            cx, cy = (bx1 + bx2) / 2, (by1 + by2) / 2
            x1, x2, y1, y2 = cx - half, cx + half, cy - half, cy + half
        x1, y1 = min(x1, bx1 - 0.03), min(y1, by1 - 0.03)
        x2, y2 = max(x2, bx2 + 0.03), max(y2, by2 + 0.03)
        # stay on the picture where the boxes do; past it only as far as the boxes go
        x1, y1 = max(x1, min(0.0, bx1 - 0.03), -0.5), max(y1, min(0.0, by1 - 0.03), -0.5)
        x2, y2 = min(x2, max(1.0, bx2 + 0.03), 1.5), min(y2, max(1.0, by2 + 0.03), 1.5)
    pad_l, pad_t = int(round(max(0.0, -x1) * w)), int(round(max(0.0, -y1) * h))
    pad_r, pad_b = int(round(max(0.0, x2 - 1) * w)), int(round(max(0.0, y2 - 1) * h))
    if pad_l or pad_t or pad_r or pad_b:
        img = cv2.copyMakeBorder(img, pad_t, pad_b, pad_l, pad_r, cv2.BORDER_CONSTANT, value=(70, 70, 70))
        cv2.rectangle(img, (pad_l - 1, pad_t - 1), (pad_l + w, pad_t + h), (0, 215, 255), 1)
    thick = max(1, round(max(h, w) / 400))

    def corners(b: np.ndarray) -> tuple[tuple[int, int], tuple[int, int]]:
        return ((int(round(pad_l + b[0] * w)), int(round(pad_t + b[1] * h))),
                (int(round(pad_l + b[2] * w)), int(round(pad_t + b[3] * h))))

    for b in context:
        p1, p2 = corners(b)
        cv2.rectangle(img, p1, p2, (30, 30, 30), 2 * thick)
        cv2.rectangle(img, p1, p2, CONTEXT_BGR, thick)
    for b in bad:
        p1, p2 = corners(b)
        cv2.rectangle(img, p1, p2, (255, 255, 255), 4 * thick)
        cv2.rectangle(img, p1, p2, BAD_BGR, 2 * thick)
    cx1, cy1 = int(round(pad_l + max(x1, -1) * w)), int(round(pad_t + max(y1, -1) * h))
    cx2, cy2 = int(round(pad_l + x2 * w)), int(round(pad_t + y2 * h))
    crop = img[max(0, cy1):max(cy1 + 1, cy2), max(0, cx1):max(cx1 + 1, cx2)]
    return _fit(crop, side) if crop.size else _fit(img, side)


def thumbnail(path: str, *, size_hint: tuple[int, int] | None = None,
              bad: np.ndarray | None = None, context: np.ndarray | None = None) -> str | None:
    """A JPEG data URI of one image with its boxes: ``bad`` thick red, ``context`` thin white."""
    img = _boxed(path, size_hint=size_hint, bad=bad, context=context, side=THUMB_SIDE)
    return None if img is None else _encode_jpeg(img)


def side_by_side(tiles: Sequence[np.ndarray | None]) -> str | None:
    """Pictures next to each other at one height (for pairs: duplicates, image and mask)."""
    import cv2

    present = [t for t in tiles if t is not None]
    if not present:
        return None
    height = min(PAIR_HEIGHT, max(t.shape[0] for t in present))
    out = []
    for t in present:
        if t.ndim == 2:
            t = cv2.cvtColor(t, cv2.COLOR_GRAY2BGR)
        new_w = min(THUMB_SIDE, max(1, round(t.shape[1] * height / t.shape[0])))
        out.append(cv2.resize(t, (new_w, height), interpolation=cv2.INTER_AREA))
        out.append(np.full((height, 4, 3), 255, np.uint8))
    return _encode_jpeg(np.hstack(out[:-1]))


def boxed_tile(path: str, *, size_hint: tuple[int, int] | None = None, bad: np.ndarray | None = None,
               context: np.ndarray | None = None) -> np.ndarray | None:
    """One picture with boxes as an array, for :func:`side_by_side`."""
    return _boxed(path, size_hint=size_hint, bad=bad, context=context, side=THUMB_SIDE)


def _voc_colours() -> np.ndarray:
    """The Pascal VOC colour map (bit-interleaved), 256 × BGR; 255 (void) drawn white."""
    cmap = np.zeros((256, 3), np.uint8)
    for i in range(256):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        cmap[i] = (b, g, r)
    cmap[255] = (255, 255, 255)
    return cmap


def mask_thumbnail(mask_path: str, image_path: str | None, *, size_hint: tuple[int, int] | None = None) -> str | None:
    """Image and mask side by side at the same height (each at its own aspect), mask in VOC
    colours: a size mismatch or a mask from another picture is visible at a glance."""
    import cv2
    from PIL import Image

    try:
        with open(mask_path, "rb") as fh:
            data = fh.read(MAX_THUMB_SOURCE_BYTES + 1)
        if len(data) > MAX_THUMB_SOURCE_BYTES:
            return None
        with Image.open(io.BytesIO(data)) as im:
            if im.mode in ("P", "L"):
                idx = np.asarray(im)
                if im.mode == "L" and idx.max(initial=0) > 0 and set(np.unique(idx).tolist()) <= {0, 255}:
                    idx = np.where(idx == 255, 1, 0).astype(np.uint8)  # 0/255 binary mask: show as class 1
                mask = _voc_colours()[idx.astype(np.uint8)]
            elif im.mode.startswith("I"):
                arr = np.asarray(im).astype(np.int64)
                mask = _voc_colours()[np.clip(arr, 0, 255).astype(np.uint8)]
            else:
                mask = cv2.cvtColor(np.asarray(im.convert("RGB")), cv2.COLOR_RGB2BGR)
    except Exception:  # noqa: BLE001 - an unreadable mask is a finding elsewhere
        return None
    img = _read_bgr(image_path, size_hint) if image_path else None
    return side_by_side([img, mask])
