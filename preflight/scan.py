"""The parallel, cached scan: files in, facts out.

Files are grouped by kind (image, yolo, voc, coco, mask). For each file the cache is asked
first (by exact file state, see :mod:`preflight.cache`); the rest are read in worker
processes over chunks of files (``--jobs``; in-process for small scans, where starting
workers would cost more than it saves). Workers return pickled facts, which go to the cache
as they are. The scan never writes anywhere but the cache folder.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pickle
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from .cache import ScanCache, file_stamp
from .formats import READERS

__all__ = ["ScanStats", "WorkerPool", "default_jobs", "scan_files"]

#: Below this many uncached files the scan stays in-process: forking workers, importing
#: readers there and shipping results back costs ~50-100 ms, more than reading ~200 files.
MIN_PARALLEL_FILES = 200
#: Files per task sent to a worker: large enough that per-task overhead is noise, small
#: enough that a progress bar moves and work stays balanced between workers.
CHUNK = 64


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class ScanStats:
    files: int = 0
    cached: int = 0
    read: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class WorkerPool:
    """Worker processes shared by every scan of one audit, started on first need only."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool: Any = None

    def get(self) -> Any:
        if self._pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=ctx)
        return self._pool

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_reader_cache: dict[str, Callable[..., Any]] = {}


def _reader(kind: str) -> Callable[..., Any]:
    fn = _reader_cache.get(kind)
    if fn is None:
        module, name = READERS[kind].split(":")
        fn = getattr(importlib.import_module(module), name)
        _reader_cache[kind] = fn
    return fn


def _read_chunk(kind: str, paths: Sequence[str], deep: bool, payloads: dict[str, bytes] | None = None) -> list[tuple[str, bytes]]:
    read = _reader(kind)
    if payloads is None:
        return [(p, pickle.dumps(read(p, deep), protocol=pickle.HIGHEST_PROTOCOL)) for p in paths]
    return [(p, pickle.dumps(read(p, deep, payloads[p]), protocol=pickle.HIGHEST_PROTOCOL)) for p in paths]


_versions: dict[str, str] = {}


def reader_version(kind: str) -> str:
    """A hash of the reader's source and of the facts it returns, part of every cache key: an
    edited reader (a development checkout, a patched install) never reuses facts it would no
    longer produce. Hashes the files without importing them."""
    v = _versions.get(kind)
    if v is None:
        import importlib.util

        h = hashlib.blake2b(digest_size=6)
        for module in (READERS[kind].split(":")[0], "preflight.facts", "preflight.formats._fs"):
            spec = importlib.util.find_spec(module)
            if spec is not None and spec.origin and os.path.isfile(spec.origin):
                with open(spec.origin, "rb") as fh:
                    h.update(fh.read())
        v = _versions[kind] = h.hexdigest()
    return v


def _stat(path: str) -> str | None:
    try:
        return file_stamp(os.stat(path))
    except OSError:
        return None


def scan_files(
    kind: str,
    paths: Sequence[str],
    *,
    deep: bool = False,
    jobs: int = 1,
    cache: ScanCache | None = None,
    progress: Callable[[int], None] | None = None,
    stats: ScanStats | None = None,
    payloads: dict[str, bytes] | None = None,
    pool: WorkerPool | None = None,
) -> dict[str, Any]:
    """Facts for every path (absolute), from the cache or read now (in ``pool``'s workers, or in
    a pool of ``jobs`` started for this call).

    ``payloads`` hands a reader extra input per file (the boxes whose crops it hashes); the
    cache entry is then valid only for that file state *and* that payload.
    """
    t0 = time.perf_counter()
    stats = stats if stats is not None else ScanStats()
    base = f"{kind}@{reader_version(kind)}"
    ckind = f"{base}:deep" if deep else base
    out: dict[str, Any] = {}
    todo: list[str] = []
    stamps: dict[str, str | None] = {}
    cached = {}
    if cache is not None:
        cached = cache.load(ckind)
        if not deep:  # a --deep entry holds everything a default scan needs
            for p, entry in cache.load(f"{base}:deep").items():
                cached.setdefault(p, entry)
    for p in paths:
        stamp = _stat(p)
        if stamp is not None and payloads is not None:
            stamp += ":" + hashlib.blake2b(payloads[p], digest_size=8).hexdigest()
        stamps[p] = stamp
        hit = cached.get(p)
        if hit is not None and stamp is not None and hit[0] == stamp:
            try:
                out[p] = pickle.loads(hit[1])
                continue
            except Exception:  # noqa: BLE001 - a damaged entry is a miss, never a result
                pass
        todo.append(p)
    stats.files += len(paths)
    stats.cached += len(paths) - len(todo)
    stats.read += len(todo)
    if progress is not None and len(paths) > len(todo):
        progress(len(paths) - len(todo))
    fresh: list[tuple[str, bytes]] = []
    if len(todo) < MIN_PARALLEL_FILES or jobs <= 1:
        for i in range(0, len(todo), CHUNK):
            chunk_paths = todo[i : i + CHUNK]
            part = _read_chunk(kind, chunk_paths, deep, None if payloads is None else {p: payloads[p] for p in chunk_paths})
            fresh.extend(part)
            if progress is not None:
                progress(len(part))
    else:
        from concurrent.futures import as_completed

        chunk = max(8, min(CHUNK, len(todo) // (jobs * 4) or 1))
        with (nullcontext(pool) if pool is not None else WorkerPool(jobs)) as workers:
            executor = workers.get()
            futures = [
                executor.submit(_read_chunk, kind, todo[i : i + chunk], deep,
                                None if payloads is None else {p: payloads[p] for p in todo[i : i + chunk]})
                for i in range(0, len(todo), chunk)
            ]
            for fut in as_completed(futures):
                part = fut.result()
                fresh.extend(part)
                if progress is not None:
                    progress(len(part))
    for p, blob in fresh:
        out[p] = pickle.loads(blob)
    if cache is not None and fresh:
        cache.prune(kind, base)
        cache.store(ckind, [(p, stamp, blob) for p, blob in fresh if (stamp := stamps[p]) is not None])
    stats.seconds += time.perf_counter() - t0
    return out
