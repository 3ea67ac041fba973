"""The data audit: data.yaml → layout → scan (cached, parallel) → context → checks → result."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from . import memo
from .cache import ScanCache
from .config import DataConfig, load_data_config
from .context import DataContext
from .dataset import Layout, discover
from .errors import ConfigError
from .registry import outside_packs, select_checks
from .result import AuditResult
from .runner import run_checks
from .scan import ScanStats, WorkerPool, default_jobs, scan_files
from .tables import ImageTable, LabelTable

__all__ = ["Interrupted", "audit_data", "build_context"]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during the scan; the message says how far it got. Nothing half-read reaches the
    cache: a kind's entries are stored in one SQLite transaction after its scan completes."""

ProgressFactory = Callable[[int, str], AbstractContextManager[Callable[[int], None]]]


def _no_progress(total: int, label: str) -> AbstractContextManager[Callable[[int], None]]:
    return nullcontext(lambda n: None)


@contextmanager
def _counting(progress: ProgressFactory, total: int, label: str, done: list[int]) -> Iterator[Callable[[int], None]]:
    """The progress callback, also counting the files scanned (for the Ctrl-C message)."""
    with progress(total, label) as shown:
        def advance(n: int) -> None:
            done[0] += n
            shown(n)

        yield advance


def _restrict(layout: Layout, files: Sequence[str]) -> None:
    """Pre-commit mode: keep only the samples the given files belong to."""
    wanted = {os.path.normpath(os.path.abspath(f)) for f in files}
    layout.samples = [s for s in layout.samples if s.image in wanted or (s.label in wanted)]
    layout.orphan_labels = [(sp, p) for sp, p in layout.orphan_labels if p in wanted]


def _match_coco(ctx: DataContext) -> None:
    """Pair each image file with its COCO entry by file_name (path under the split folder or name)."""
    for split in ctx.coco:
        facts = ctx.coco[split]
        if facts is None or facts.error:
            continue
        by_name: dict[str, int] = {}
        for img in facts.images:
            by_name.setdefault(img.file_name.replace("\\", "/"), img.id)
            by_name.setdefault(os.path.basename(img.file_name), img.id)
        dirs = ctx.layout.image_dirs.get(split, [])
        seen: set[int] = set()
        for s in ctx.samples:
            if s.split != split:
                continue
            keys = [os.path.relpath(s.image, d).replace(os.sep, "/") for d in dirs] + [os.path.basename(s.image)]
            iid = next((by_name[k] for k in keys if k in by_name), None)
            if iid is None:
                s.expected_label, s.label = s.label, None
            else:
                s.coco_id = iid
                seen.add(iid)
        ctx.__dict__.setdefault("coco_missing_files", {})[split] = [img for img in facts.images if img.id not in seen]


def _crop_payloads(ctx: DataContext) -> dict[str, bytes]:
    """--deep: each image's boxes as written, so one decode also hashes the objects' crops (D125)."""
    from .formats.crops import boxes_payload

    out: dict[str, bytes] = {}
    for src in ctx.sources:
        if src.image and src.image not in out:
            ann = ctx.annotations(src)
            out[src.image] = boxes_payload(ann.box_format, ann.box) if ann is not None and len(ann) else b""
    return out


def _attach_crops(ctx: DataContext) -> None:
    import numpy as np

    b = ctx.boxes
    hashes = np.zeros(len(b), np.uint64)
    valid = np.zeros(len(b), bool)
    done: set[str] = set()
    for src, rows in ctx.rows_by_source.items():
        image = ctx.sources[src].image
        facts = ctx.images.get(image) if image else None
        if image is None or image in done or facts is None or facts.crop_hashes is None or len(facts.crop_hashes) != len(rows):
            continue
        done.add(image)
        if facts.orientation in (5, 6, 7, 8):  # the decode is not rotated; the labels may be
            continue
        hashes[rows], valid[rows] = facts.crop_hashes, facts.crop_valid
    ctx.crop_hashes, ctx.crop_valid = hashes, valid


def build_context(
    cfg: DataConfig,
    *,
    layout: Layout | None = None,
    files: Sequence[str] | None = None,
    deep: bool = False,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: ProgressFactory = _no_progress,
    stats: ScanStats | None = None,
    dask: str | None = None,
    while_waiting: Callable[[], None] | None = None,
) -> DataContext:
    """Discover (unless given the ``layout``) and scan the dataset: every file's facts, from
    the cache or read now. ``while_waiting`` runs once in this process while the first batch of
    files is being read (the data audit imports its checks then)."""
    if layout is None:
        layout = discover(cfg)
        if files:
            _restrict(layout, files)
    ctx = DataContext(cfg=cfg, layout=layout, deep=deep)
    stats = stats if stats is not None else ScanStats()
    cache = ScanCache(cfg.root) if use_cache else None
    if cache is not None and cache.problem:
        stats.notes.append(cache.problem)
    jobs = jobs or default_jobs()
    plan = layout.scan_plan()
    images = plan["image"]
    label_kind = {"yolo": "yolo", "voc": "voc", "mask": "mask"}.get(layout.format)
    labels = plan.get(label_kind or "", [])
    total = len(images) + len(labels) + len(plan.get("coco", []))
    executor: AbstractContextManager[Any] = nullcontext()
    if dask is not None:  # imported only here: dask is an optional extra
        from .distributed import DaskExecutor

        executor = DaskExecutor(dask, jobs)
    done = [0]
    pending = [while_waiting] if while_waiting is not None else []

    def once() -> None:  # the first scan that reads files calls it; later ones find it done
        if pending:
            pending.pop()()

    try:
        with _counting(progress, total, f"scanning {cfg.name}", done) as advance, WorkerPool(jobs) as pool, executor as remote:
            if label_kind == "mask":
                ctx.masks = scan_files("mask", labels, deep=deep, jobs=jobs, cache=cache, progress=advance, stats=stats, pool=pool,
                                      executor=remote, while_waiting=once)
                # -- masks (M104): a coarse edge map of each image that has a mask, to test that the
                # mask's boundaries follow its picture; a reduced decode, cached like any facts
                ctx.__dict__["image_edges"] = scan_files("edges", plan["edges"], jobs=jobs, cache=cache, stats=stats, pool=pool,
                                                             executor=remote)
            elif label_kind:
                ctx.labels = scan_files(label_kind, labels, deep=deep, jobs=jobs, cache=cache, progress=advance, stats=stats,
                                        pool=pool, executor=remote, into=LabelTable(labels), while_waiting=once)
                ctx.labels.finish()  # one annotation array now, while little else is held (not at the peak, later)
            if layout.coco_files:
                got = scan_files("coco", plan["coco"], jobs=1, cache=cache, progress=advance, stats=stats)
                ctx.coco = {split: got.get(path) for split, path in layout.coco_files.items()}
                _match_coco(ctx)
            # images last: with --deep they get their boxes, to hash the objects' crops in the same decode
            payloads = _crop_payloads(ctx) if deep and label_kind != "mask" else None
            if payloads is not None:
                payloads = {img: payloads.get(img, b"") for img in images}
            ctx.images = scan_files("image", images, deep=deep, jobs=jobs, cache=cache, progress=advance,
                                    stats=stats, pool=pool, payloads=payloads, executor=remote, into=ImageTable(images),
                                    while_waiting=once)
            if payloads is not None:
                _attach_crops(ctx)
        once()  # no scan ran (an empty dataset)
    except KeyboardInterrupt:
        raise Interrupted(f"{done[0]} of {total} files scanned ({stats.cached} from the cache); "
                          "nothing half-read was cached") from None
    finally:
        if cache is not None:
            if cache.problem and cache.problem not in stats.notes:
                stats.notes.append(cache.problem)
            cache.close()
    return ctx


def audit_data(
    data_yaml: str | Path,
    *,
    files: Sequence[str] | None = None,
    deep: bool = False,
    jobs: int | None = None,
    use_cache: bool = True,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    progress: ProgressFactory = _no_progress,
    model_yaml: str | Path | None = None,
    dask: str | None = None,
    reuse: bool = False,
) -> tuple[AuditResult, DataContext | None]:
    """Scan the dataset of ``data_yaml`` and run the data checks (and the setup checks with
    ``model_yaml``). The context is returned for the report; with ``reuse`` (a caller that needs
    only the findings and statistics), a whole-audit cache hit returns ``None`` for it: when
    every file, the layout, the configs, the options and preflight itself are as they were for
    a stored result, that result is returned without reading any facts or running any check."""
    t0 = time.perf_counter()
    cfg = load_data_config(data_yaml)
    stats = ScanStats()
    scopes = ["data"] + (["setup"] if model_yaml is not None else [])
    key = None
    try:
        layout = discover(cfg)
        if files:
            _restrict(layout, files)
        # (an outside check pack's code is not in the digest: a result computed with one loaded
        # is never stored, and installing one changes a sys.path folder's stamp)
        reusable = reuse and use_cache and not files and dask is None
        result = None
        if reusable and memo.has_results(cfg):
            key = memo.result_key(cfg, layout, deep=deep, scopes=scopes, select=select, ignore=ignore,
                             model_yaml=model_yaml)
            result = memo.reused(cfg, key)
    except KeyboardInterrupt:
        raise Interrupted("while listing the dataset's files, before any was scanned") from None
    if result is not None:
        n = result.stats.get("scan", {}).get("files", 0)
        result.stats["scan"] = {"files": n, "cached": n, "read": 0, "seconds": round(time.perf_counter() - t0, 3),
                                "result_reused": True}
        result.sections["data_config"] = cfg
        result.inputs = {"data": str(data_yaml), "model": str(model_yaml) if model_yaml else None}  # as given now
        result.seconds = time.perf_counter() - t0
        return result, None
    chosen: list[list[Any]] = []
    ctx = build_context(cfg, layout=layout, deep=deep, jobs=jobs, use_cache=use_cache, progress=progress, stats=stats,
                        dask=dask, while_waiting=lambda: chosen.append(select_checks(scopes, select, ignore)))
    if model_yaml is not None:
        from .yamlio import load_yaml

        ctx.model_cfg, ctx.model_lines = load_yaml(Path(model_yaml), "model.yaml")
        ctx.model_file = str(model_yaml)
    checks = chosen[0] if chosen else select_checks(scopes, select, ignore)
    if not checks and (select or ignore):
        raise ConfigError(f"--select/--ignore leave no data check to run (select={list(select or [])}, ignore={list(ignore or [])})")
    result = AuditResult(inputs={"data": str(data_yaml), "model": str(model_yaml) if model_yaml else None})
    try:
        result.findings = run_checks(checks, ctx)
    except KeyboardInterrupt:  # the scan is complete and cached; say so, as an interrupted scan does
        raise Interrupted(f"{stats.files} of {stats.files} files scanned ({stats.cached} from the cache); "
                          "interrupted while running the checks") from None
    result.stats = ctx.stats()
    result.stats["scan"] = {"files": stats.files, "cached": stats.cached, "read": stats.read, "seconds": round(stats.seconds, 3)}
    result.notes.extend(stats.notes)
    result.sections["data"] = ctx
    result.sections["data_config"] = cfg
    result.seconds = time.perf_counter() - t0
    result.sort()
    if reusable and not stats.uncacheable and not stats.notes and not outside_packs():
        # keyed by the file states the scan read (not re-stated now: a file edited during the
        # scan must not lend its new state to facts read from the old one)
        key = memo.result_key(cfg, layout, deep=deep, scopes=scopes, select=select, ignore=ignore,
                         model_yaml=model_yaml, digests=stats.digests)
        try:
            memo.keep(cfg, key, result)
        except KeyboardInterrupt:  # SQLite commits whole transactions: nothing half-stored
            raise Interrupted(f"{stats.files} of {stats.files} files scanned and checked; interrupted while "
                              "storing the result in the cache") from None
    return result, ctx

