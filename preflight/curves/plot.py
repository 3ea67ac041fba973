"""A small picture of one run's curves for the HTML report (matplotlib, Agg, no display)."""

from __future__ import annotations

import io
import math
from typing import Any

from .readers import Run

__all__ = ["plot_run"]


def _xy(epochs: list[int], ys: list[float] | None) -> tuple[list[int], list[float]]:
    if not ys:
        return [], []
    pairs = [(e, y) for e, y in zip(epochs, ys, strict=True) if not math.isnan(y) and not math.isinf(y)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def plot_run(run: Run, *, title: str | None = None, fmt: str = "svg",
             size: tuple[float, float] = (4.0, 2.6), verdict: Any = None) -> bytes:
    """Train/val loss (left axis) and the main metric (right axis) against epoch.

    Returns SVG (default) or PNG bytes; the report embeds them as they are.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    for ys, label, color in ((run.train_loss, "train loss", "#1f77b4"),
                             (run.val_loss, "val loss", "#d62728")):
        x, y = _xy(run.epochs, ys)
        if x:
            ax.plot(x, y, label=label, color=color, linewidth=1.2)
    ax.set_xlabel("epoch", fontsize=8)
    ax.set_ylabel("loss", fontsize=8)
    ax.tick_params(labelsize=7)
    handles, labels = ax.get_legend_handles_labels()
    x, y = _xy(run.epochs, run.metric)
    if x:
        ax2 = ax.twinx()
        ax2.plot(x, y, color="#2ca02c", linewidth=1.0, linestyle="--",
                 label=(run.metric_col or "metric").replace("metrics/", ""))
        ax2.set_ylabel("metric", fontsize=8)
        ax2.tick_params(labelsize=7)
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    if handles:
        ax.legend(handles, labels, fontsize=6, loc="upper right", frameon=False)
    head = title if title is not None else run.path.rsplit("/", 1)[-1]
    if verdict is not None:
        head = f"{head}: {getattr(verdict, 'pathology', verdict)}"
    ax.set_title(head, fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    return buf.getvalue()
