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
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from operator import attrgetter
from typing import Any, Protocol

import numpy as np

from . import limits
from .cache import ScanCache, file_stamp
from .facts import Annotations, ImageFacts, LabelFacts
from .formats import READERS

__all__ = ["ChunkExecutor", "ScanStats", "WorkerPool", "default_jobs", "read_chunk", "read_chunk_under", "scan_files",
           "stamp_sum"]

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
    results (``(path, pickled facts, stamp)`` per file) in any order, as they complete."""

    def map(self, tasks: list[tuple[str, list[str], bool, dict[str, bytes] | None]]) -> Iterable[list[tuple[str, bytes, str | None]]]: ...


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
    #: files read but not cacheable (over their time budget): a result built on them is not
    #: reused either
    uncacheable: int = 0
    #: per reader kind, the :func:`stamp_sum` of the files read, under the states they were
    #: read in (the whole-audit cache keys results by these)
    digests: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _worker_init() -> None:
    """Set up a scan worker process.

    A terminal's Ctrl-C reaches the whole process group: the parent stops the scan and says
    how far it got; a worker must not print a KeyboardInterrupt traceback of its own meanwhile
    (it finishes its chunk, at most CHUNK files, and the pool shuts down).

    The workers are the parallelism: OpenCV's own thread pool (one thread per core by default)
    would put jobs × cores threads on the cores. One thread each: on the mask benchmark's
    512² masks, 11.8 ms of CPU a mask instead of 12.3 (the second thread mostly waits).

    Only through the environment, read when OpenCV is first imported here, which is the CLI's
    case (it forks before importing cv2). Where the parent had already imported cv2 and run its
    thread pool (a library caller, the test suite), cv2.setNumThreads in the forked child waits
    forever on pool threads that were not copied by the fork; such workers keep the inherited
    pool, which OpenCV itself re-creates after a fork."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if "cv2" not in sys.modules:
        os.environ["OPENCV_FOR_THREADS_NUM"] = "1"


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
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=ctx, initializer=_worker_init)
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


def _read_chunk(kind: str, paths: Sequence[str], deep: bool,
                payloads: dict[str, bytes] | None = None) -> list[tuple[str, bytes, str | None]]:
    """(path, pickled facts, file stamp) per path. The stamp (the cache key's file state) is
    taken here, before the read, so that a file edited meanwhile is read again next time; taking
    it in the worker also keeps a million stats off the parent's serial path."""
    read = limits.guard(kind, _reader(kind), deep)  # per-file size and time caps (preflight.limits)
    if payloads is None:
        return [_one(read, p, deep, None) for p in paths]
    return [_one(read, p, deep, payloads[p]) for p in paths]


def _one(read: Callable[..., Any], path: str, deep: bool, payload: bytes | None) -> tuple[str, bytes, str | None]:
    stamp = _stat(path)
    facts = read(path, deep) if payload is None else read(path, deep, payload)
    return path, pickle.dumps(encode(facts), protocol=pickle.HIGHEST_PROTOCOL), stamp


# -- how facts travel and are cached -------------------------------------------------------------
#: Image and label-file facts are pickled as plain tuples (their annotation rows as raw bytes),
#: not as the dataclasses: a tuple unpickles ~3x faster, and unpickling is most of a warm re-scan.
#: Part of every cache key: another encoding never reads these entries.
CODEC = "t1"
_IMAGE_FIELDS = tuple(f.name for f in dataclass_fields(ImageFacts))
_image_values = attrgetter(*_IMAGE_FIELDS)


def encode(facts: Any) -> Any:
    """Facts as they are pickled (workers, cache): images and label files as tuples."""
    kind = type(facts)
    if kind is ImageFacts:
        return ("I", *_image_values(facts))
    if kind is LabelFacts:
        ann = facts.annotations
        rows = None if ann is None else (ann.box_format, len(ann), np.ascontiguousarray(ann.data, np.float64).tobytes(),
                                         ann.names, ann.ids)
        return ("L", facts.bytes, rows, facts.issues or None, facts.error, facts.declared_size,
                facts.declared_filename, facts.lines)
    return facts


def decode(obj: Any) -> Any:
    """The facts object of :func:`encode`'s output (anything else as it is)."""
    if type(obj) is not tuple or not obj:
        return obj
    if obj[0] == "I":
        f = ImageFacts(*obj[1:])
        if f.format is not None:
            f.format = sys.intern(f.format)
        if f.mode is not None:
            f.mode = sys.intern(f.mode)
        return f
    if obj[0] == "L":
        _, nbytes, rows, issues, error, declared_size, declared_filename, lines = obj
        ann = None
        if rows is not None:
            fmt, n, raw, names, ids = rows
            ann = Annotations.from_data(sys.intern(fmt), np.frombuffer(raw, np.float64).reshape(n, 8), names, ids)
        return LabelFacts(nbytes, ann, issues or [], error, declared_size, declared_filename, lines)
    return obj


#: the task function executors run (public name for :mod:`preflight.distributed`)
read_chunk = _read_chunk


def read_chunk_under(caps: str, kind: str, paths: Sequence[str], deep: bool,
                     payloads: dict[str, bytes] | None = None) -> list[tuple[str, bytes, str | None]]:
    """:func:`read_chunk` under the caps ``caps`` (``Limits.to_env()`` of the run that sent the
    task): what a Dask worker runs, whatever its own environment holds."""
    with limits.using(limits.Limits.from_env(caps)):
        return _read_chunk(kind, paths, deep, payloads)


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


def stamp_sum(pairs: Iterable[tuple[str, str | None]]) -> int:
    """An order-free digest of (path, file stamp) pairs: the sum of their 128-bit hashes, mod
    2^128. A scan adds its files as they arrive, in any order; a lookup adds the same files as
    they are now; the two agree exactly when every file is in the state it was read in."""
    total = 0
    for path, stamp in pairs:
        h = hashlib.blake2b(f"{path}\0{stamp or '-'}".encode("utf-8", "surrogateescape"), digest_size=16)
        total += int.from_bytes(h.digest(), "little")
    return total % (1 << 128)


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
    into: Any = None,
    while_waiting: Callable[[], None] | None = None,
) -> Any:
    """Facts for every path (absolute), in the order of ``paths``, from the cache or read now (in
    ``executor``'s workers, e.g. a Dask cluster; in ``pool``'s; or in a pool of ``jobs`` started
    for this call).

    ``payloads`` hands a reader extra input per file (the boxes whose crops it hashes); the
    cache entry is then valid only for that file state *and* that payload. Fresh facts are
    committed to the cache every :data:`COMMIT_EVERY` files, so a killed scan resumes from there.

    ``into`` (a :class:`preflight.tables.ImageTable` or ``LabelTable`` over ``paths``) receives
    each file's facts as they arrive and is returned instead of a dict: the facts objects are
    dropped as soon as their columns are filled.

    ``while_waiting`` is called once: in this process, after the workers were started and
    given their tasks (so it may import modules without a fork copying a half-done import),
    or after the files were read when no worker process was needed.
    """
    t0 = time.perf_counter()
    stats = stats if stats is not None else ScanStats()
    base = f"{kind}@{reader_version(kind)}{CODEC}{limits.cache_tag(kind)}"  # a changed size cap: other entries
    ckind = f"{base}:deep" if deep else base

    def key(p: str, stamp: str | None) -> str | None:
        if stamp is not None and payloads is not None:
            stamp += ":" + hashlib.blake2b(payloads[p], digest_size=8).hexdigest()
        return stamp

    digest = 0  # stamp_sum of (path, stamp) of every file's facts, for stats.digests
    out: Any = {} if into is None else into
    if cache is not None:
        # streamed row by row: a dict of every row of a 10^6-file dataset would cost ~1 GB
        wanted = set(paths)
        kinds = [ckind] if deep else [ckind, f"{base}:deep"]  # a --deep entry holds all a default scan needs
        for k in kinds:
            for p, stamp, blob in cache.rows(k):
                if p in wanted and p not in out and stamp == key(p, now := _stat(p)):
                    with suppress(Exception):  # a damaged entry is a miss, never a result
                        out[p] = decode(pickle.loads(blob))
                        digest += stamp_sum([(p, now)])
        del wanted
    todo = [p for p in paths if p not in out]
    stats.files += len(paths)
    stats.cached += len(paths) - len(todo)
    stats.read += len(todo)
    if progress is not None and len(paths) > len(todo):
        progress(len(paths) - len(todo))
    pending: list[tuple[str, str, bytes]] = []
    if cache is not None and todo:
        cache.prune(kind, base)

    # a cluster's workers may see other inode numbers on their mounts: their files are stamped
    # here, before they are sent out; the local workers stamp theirs before reading them
    stamps = {p: _stat(p) for p in todo} if executor is not None else None

    def take(part: list[tuple[Any, ...]], final: bool = False) -> None:
        nonlocal digest
        for row in part:
            p, blob = row[0], row[1]
            out[p] = decode(pickle.loads(blob))
            raw = stamps[p] if stamps is not None else (row[2] if len(row) > 2 else _stat(p))
            digest += stamp_sum([(p, raw)])
            if limits.timed_out(blob):
                stats.uncacheable += 1
            elif cache is not None and (stamp := key(p, raw)) is not None:
                pending.append((p, stamp, blob))
        if cache is not None and pending and (final or len(pending) >= COMMIT_EVERY):
            cache.store(ckind, pending)
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
            futures = [submit(_read_chunk, *task) for task in tasks(chunk)]
            if while_waiting is not None:
                while_waiting()
                while_waiting = None
            for fut in as_completed(futures):
                take(fut.result())
    if while_waiting is not None:
        while_waiting()
    take([], final=True)
    stats.digests[kind] = (stats.digests.get(kind, 0) + digest) % (1 << 128)
    stats.seconds += time.perf_counter() - t0
    if into is not None:
        return into
    # the order of ``paths``, whatever order the cache and the workers answered in
    return out if len(out) == len(paths) and list(out) == list(paths) else {p: out[p] for p in paths if p in out}
