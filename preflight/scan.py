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
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from typing import Any, Protocol

from .cache import ScanCache, file_stamp
from .formats import READERS

__all__ = ["ChunkExecutor", "ScanStats", "WorkerPool", "default_jobs", "read_chunk", "scan_files"]

#: Below this many uncached files the scan stays in-process: forking workers, importing
#: readers there and shipping results back costs ~50-100 ms, more than reading ~200 files.
MIN_PARALLEL_FILES = 200
#: Files per task sent to a worker: large enough that per-task overhead is noise, small
#: enough that a progress bar moves and work stays balanced between workers.
CHUNK = 64
#: Fresh facts are committed to the cache at least this often (files): an interrupted scan of
#: a huge dataset keeps all but the last few seconds of its work.
COMMIT_EVERY = 2048


class ChunkExecutor(Protocol):
    """Runs scan tasks elsewhere (see :mod:`preflight.distributed`): ``map`` takes
    ``(kind, paths, deep, payloads)`` tuples, runs :func:`read_chunk` on each and yields their
    results in any order, as they complete."""

    def map(self, tasks: list[tuple[str, list[str], bool, dict[str, bytes] | None]]) -> Iterable[list[tuple[str, bytes]]]: ...


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


#: the task function executors run (public name for :mod:`preflight.distributed`)
read_chunk = _read_chunk


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
    executor: ChunkExecutor | None = None,
) -> dict[str, Any]:
    """Facts for every path (absolute), in the order of ``paths``, from the cache or read now (in
    ``executor``'s workers, e.g. a Dask cluster; in ``pool``'s; or in a pool of ``jobs`` started
    for this call).

    ``payloads`` hands a reader extra input per file (the boxes whose crops it hashes); the
    cache entry is then valid only for that file state *and* that payload. Fresh facts are
    committed to the cache every :data:`COMMIT_EVERY` files, so a killed scan resumes from there.
    """
    t0 = time.perf_counter()
    stats = stats if stats is not None else ScanStats()
    base = f"{kind}@{reader_version(kind)}"
    ckind = f"{base}:deep" if deep else base

    def key(p: str) -> str | None:
        stamp = _stat(p)
        if stamp is not None and payloads is not None:
            stamp += ":" + hashlib.blake2b(payloads[p], digest_size=8).hexdigest()
        return stamp

    out: dict[str, Any] = {}
    if cache is not None:
        # streamed row by row: a dict of every row of a 10^6-file dataset would cost ~1 GB
        wanted = set(paths)
        kinds = [ckind] if deep else [ckind, f"{base}:deep"]  # a --deep entry holds all a default scan needs
        for k in kinds:
            for p, stamp, blob in cache.rows(k):
                if p in wanted and p not in out and stamp == key(p):
                    with suppress(Exception):  # a damaged entry is a miss, never a result
                        out[p] = pickle.loads(blob)
        del wanted
    todo = [p for p in paths if p not in out]
    stats.files += len(paths)
    stats.cached += len(paths) - len(todo)
    stats.read += len(todo)
    if progress is not None and len(paths) > len(todo):
        progress(len(paths) - len(todo))
    stamps = {p: key(p) for p in todo}  # taken before the read: a file edited meanwhile is read again next time
    pending: list[tuple[str, bytes]] = []
    if cache is not None and todo:
        cache.prune(kind, base)

    def take(part: list[tuple[str, bytes]], final: bool = False) -> None:
        for p, blob in part:
            out[p] = pickle.loads(blob)
        if cache is not None:
            pending.extend(part)
            if pending and (final or len(pending) >= COMMIT_EVERY):
                cache.store(ckind, [(p, stamp, blob) for p, blob in pending if (stamp := stamps[p]) is not None])
                pending.clear()
        if progress is not None and part:
            progress(len(part))

    def tasks(size: int) -> list[tuple[str, list[str], bool, dict[str, bytes] | None]]:
        return [(kind, c, deep, None if payloads is None else {p: payloads[p] for p in c})
                for c in (todo[i : i + size] for i in range(0, len(todo), size))]

    if executor is not None and todo:
        for part in executor.map(tasks(CHUNK)):
            take(part)
    elif len(todo) < MIN_PARALLEL_FILES or jobs <= 1:
        for task in tasks(CHUNK):
            take(_read_chunk(*task))
    else:
        from concurrent.futures import as_completed

        chunk = max(8, min(CHUNK, len(todo) // (jobs * 4) or 1))
        with (nullcontext(pool) if pool is not None else WorkerPool(jobs)) as workers:
            submit = workers.get().submit
            for fut in as_completed([submit(_read_chunk, *task) for task in tasks(chunk)]):
                take(fut.result())
    take([], final=True)
    stats.seconds += time.perf_counter() - t0
    # the order of ``paths``, whatever order the cache and the workers answered in
    return out if len(out) == len(paths) and list(out) == list(paths) else {p: out[p] for p in paths if p in out}
