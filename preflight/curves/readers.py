"""Readers for the training logs people already have; each turns a file into a :class:`Run`.

Formats: YOLOv5/v7 ``results.txt`` (headerless, whitespace), Ultralytics / YOLOv5
``results.csv`` (headers space-padded in older versions), Lightning ``metrics.csv`` (epoch and
step rows interleaved, blank cells), Keras ``CSVLogger``, and any CSV with an ``epoch`` column
and at least one loss column. A reader never raises anything but :class:`ConfigError`.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

__all__ = ["Run", "read_run", "run_from_columns"]

NAN = float("nan")


@dataclass
class Run:
    """One finished (or running) training run, one value per epoch for each series."""

    path: str
    format: str
    epochs: list[int]
    #: every numeric column, by its (stripped) name; NaN where the log has no value
    columns: dict[str, list[float]] = field(default_factory=dict)
    #: names of the columns summed into ``train_loss`` / ``val_loss``; the metric column
    train_loss_cols: list[str] = field(default_factory=list)
    val_loss_cols: list[str] = field(default_factory=list)
    metric_col: str | None = None
    #: a second, looser metric (mAP50 when the main one is mAP50-95) for "near zero" tests
    metric50_col: str | None = None
    #: row indices (0-based, into ``epochs``) where a column's cell literally says nan / inf;
    #: kept apart from blank cells, which only mean "not logged in this row"
    nonfinite: dict[str, list[int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.epochs)

    def _sum(self, cols: list[str]) -> list[float] | None:
        if not cols:
            return None
        out = []
        for i in range(len(self.epochs)):
            vals = [self.columns[c][i] for c in cols]
            # a component that is missing in this row makes the sum missing, not smaller
            out.append(sum(vals) if all(not math.isnan(v) for v in vals) else NAN)
            if any(math.isinf(v) for v in vals):
                out[-1] = math.inf
        return out

    @property
    def train_loss(self) -> list[float] | None:
        return self._sum(self.train_loss_cols)

    @property
    def val_loss(self) -> list[float] | None:
        return self._sum(self.val_loss_cols)

    @property
    def metric(self) -> list[float] | None:
        return self.columns.get(self.metric_col) if self.metric_col else None

    @property
    def metric50(self) -> list[float] | None:
        col = self.metric50_col or self.metric_col
        return self.columns.get(col) if col else None

    def head(self, n: int) -> Run:
        """The run as it looked after its first ``n`` epochs (for ``--at-epoch``)."""
        n = max(0, n)
        return Run(
            path=self.path, format=self.format, epochs=self.epochs[:n],
            columns={k: v[:n] for k, v in self.columns.items()},
            train_loss_cols=list(self.train_loss_cols), val_loss_cols=list(self.val_loss_cols),
            metric_col=self.metric_col, metric50_col=self.metric50_col,
            nonfinite={k: [i for i in v if i < n] for k, v in self.nonfinite.items()},
        )


def _num(cell: str) -> float:
    cell = cell.strip()
    if not cell:
        return NAN
    try:
        return float(cell)
    except ValueError:
        low = cell.lower()
        if low in {"nan", "-nan", "none", "null"}:
            return NAN
        if low in {"inf", "+inf", "infinity"}:
            return math.inf
        if low in {"-inf", "-infinity"}:
            return -math.inf
        # tensor(0.1234) as some loggers write it
        m = re.fullmatch(r"tensor\(([-+0-9.eE]+).*\)", cell)
        return float(m.group(1)) if m else NAN


# --- choosing the series ---------------------------------------------------------------

_METRIC_PRIORITY = (
    # main metric, higher is better, first match wins
    r"metrics/mAP50-95\(M\)", r"metrics/mAP50-95\(P\)", r"metrics/mAP50-95\(B\)",
    r"metrics/mAP_0\.5:0\.95", r"metrics/mAP50-95", r"metrics/accuracy_top1",
    r"val[_/]?(acc|accuracy|top1)(_epoch)?", r"val[_/]?(miou|iou|dice|f1|map)(_epoch)?",
    r"(acc|accuracy)(_epoch)?",
)
_METRIC50_PRIORITY = (
    r"metrics/mAP50\(M\)", r"metrics/mAP50\(P\)", r"metrics/mAP50\(B\)", r"metrics/mAP_0\.5",
)


def _pick(names: list[str], patterns: tuple[str, ...]) -> str | None:
    for pat in patterns:
        for n in names:
            if re.fullmatch(pat, n, flags=re.IGNORECASE):
                return n
    return None


def _loss_columns(names: list[str]) -> tuple[list[str], list[str]]:
    """Train and val loss columns. Components are summed (YOLO box+cls+dfl); an explicit
    total wins over its components; Lightning's ``*_epoch`` aggregate wins over ``*_step``."""
    losses = [n for n in names if "loss" in n.lower()]
    has_epoch = {n[: -len("_epoch")] for n in losses if n.endswith("_epoch")}
    losses = [n for n in losses if not (n.endswith("_step") and n[: -len("_step")] in has_epoch)]
    val = [n for n in losses if re.match(r"^(val|valid|validation)[_/ ]", n, re.I)]
    train = [n for n in losses if n not in val and not re.match(r"^(test)[_/ ]", n, re.I)]

    def prefer_total(cols: list[str]) -> list[str]:
        totals = [c for c in cols if re.search(r"(^|[_/])(total[_/]?)?loss(_epoch)?$", c, re.I)
                  and not re.search(r"(box|cls|dfl|obj|seg|pose|kobj)", c, re.I)]
        # exactly one plain "loss" / "train_loss" / "val_loss": that is the total
        return totals[:1] if totals else cols

    return prefer_total(train), prefer_total(val)


def run_from_columns(path: str, fmt: str, header: list[str], rows: list[list[str]]) -> Run:
    """Build a :class:`Run` from a header and string rows; one row per epoch after merging."""
    header = [h.strip() for h in header]
    lower = [h.lower() for h in header]
    if "epoch" not in lower:
        raise ConfigError(f"{path}: no 'epoch' column (columns: {', '.join(header[:8])})")
    e_idx = lower.index("epoch")
    by_epoch: dict[int, dict[str, float]] = {}
    bad: dict[int, set[str]] = {}
    order: list[int] = []
    for row in rows:
        if not row or all(not c.strip() for c in row):
            continue
        ep = _num(row[e_idx]) if e_idx < len(row) else NAN
        if not math.isfinite(ep):
            continue
        e = int(ep)
        if e not in by_epoch:
            by_epoch[e] = {}
            order.append(e)
        cur = by_epoch[e]
        for name, cell in zip(header, row, strict=False):
            if not name or name.lower() == "epoch" or not cell.strip():
                continue  # blank: not logged in this row (Lightning step/epoch rows)
            v = _num(cell)
            cur[name] = v
            if not math.isfinite(v):
                bad.setdefault(e, set()).add(name)
            else:
                bad.get(e, set()).discard(name)
    skip = {"epoch", "step", "time", "_step"}
    names = [h for h in header if h and h.lower() not in skip
             and not re.match(r"^(lr|x/lr|learning_rate)", h, re.I)]
    epochs = order
    columns = {n: [by_epoch[e].get(n, NAN) for e in epochs] for n in names}
    nonfinite = {n: [i for i, e in enumerate(epochs) if n in bad.get(e, set())] for n in names}
    # keep columns that hold at least one value (drop text and all-blank columns)
    columns = {n: v for n, v in columns.items() if any(math.isfinite(x) for x in v) or nonfinite[n]}
    nonfinite = {n: v for n, v in nonfinite.items() if v and n in columns}
    train, val = _loss_columns(list(columns))
    if not train and not val:
        raise ConfigError(f"{path}: no loss column (columns: {', '.join(header[:10])})")
    metric = _pick(list(columns), _METRIC_PRIORITY)
    metric50 = _pick(list(columns), _METRIC50_PRIORITY)
    return Run(path=path, format=fmt, epochs=epochs, columns=columns, train_loss_cols=train,
               val_loss_cols=val, metric_col=metric, metric50_col=metric50, nonfinite=nonfinite)


_TXT_ROW = re.compile(r"^\s*\d+/\d+\s")


def _read_results_txt(path: str, text: str) -> Run:
    """YOLOv5/v7 ``results.txt``: ``epoch/total mem <train losses> total targets img_size
    P R mAP50 mAP50-95 <val losses>``. The number of train losses varies by fork (3 or 4), so
    the image-size column is found from the data: an integer multiple of 32, the same on every
    row, right after an integer column (targets)."""
    rows = [line.split() for line in text.splitlines() if line.strip()]
    rows = [r for r in rows if _TXT_ROW.match(" ".join(r) + " ")]
    if not rows:
        raise ConfigError(f"{path}: no data rows in results.txt")
    width = min(len(r) for r in rows)
    size_col = None
    for j in range(4, width):
        try:
            vals = [float(r[j]) for r in rows]
            prev = [float(r[j - 1]) for r in rows]
        except ValueError:
            continue
        if (len(set(vals)) == 1 and vals[0] >= 32 and vals[0] % 32 == 0
                and all(p == int(p) for p in prev) and len(set(prev)) > 1 or
                (len(rows) == 1 and vals[0] >= 32 and vals[0] % 32 == 0)):
            size_col = j
            break
    if size_col is None or size_col + 5 > width:
        raise ConfigError(f"{path}: not a YOLOv5/v7 results.txt (no image-size column)")
    n_train = size_col - 1 - 2  # without epoch, mem; minus targets; the last of them is the total
    header = ["epoch"] + [f"train/loss{i}" for i in range(n_train - 1)] + ["train_total"]
    header += ["targets", "img_size", "metrics/precision", "metrics/recall", "metrics/mAP_0.5",
               "metrics/mAP_0.5:0.95"]
    header += [f"val/loss{i}" for i in range(width - size_col - 5)]
    out_rows = []
    for r in rows:
        ep = r[0].split("/")[0]
        out_rows.append([ep] + r[2:width])
    run = run_from_columns(path, "yolov5_results_txt", header, out_rows)
    run.train_loss_cols = [c for c in run.columns if c.startswith("train/loss")]
    run.columns.pop("targets", None)
    run.columns.pop("img_size", None)
    return run


def _sniff_format(header: list[str]) -> str:
    h = {x.strip().lower() for x in header}
    if "step" in h and "epoch" in h:
        return "lightning_metrics_csv"
    if "train/obj_loss" in h:
        return "yolov5_results_csv"
    if any(x.startswith("train/") for x in h) and any(x.startswith("metrics/") for x in h):
        return "ultralytics_results_csv"
    if "loss" in h and "epoch" in h:
        return "keras_csvlogger"
    return "csv"


def read_run(path: str | Path, text: str | None = None) -> Run:
    """Read one log file; :class:`ConfigError` with a one-line message when it cannot be used."""
    p = str(path)
    if text is None:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(f"{p}: cannot read ({exc.strerror or exc})") from None
        text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        raise ConfigError(f"{p}: empty file")
    first = next(line for line in text.splitlines() if line.strip())
    if _TXT_ROW.match(first + " "):
        return _read_results_txt(p, text)
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    rows = [r for r in rows if r]
    header, body = rows[0], rows[1:]
    if not body:
        raise ConfigError(f"{p}: header only, no epochs logged")
    return run_from_columns(p, _sniff_format(header), header, body)
