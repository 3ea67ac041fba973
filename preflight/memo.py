"""Whole-audit results, reused when nothing they depend on changed.

``preflight data`` run twice over an unchanged dataset gives the same findings; the second run
need not read any facts or run any check. :func:`result_key` digests everything a result
depends on: preflight's version and sources, the reader versions and size caps, data.yaml as
parsed, the layout found on disk, the options, and the state (size, mtime, ctime, inode) of
every file the scan reads, as an order-free sum (:func:`preflight.scan.stamp_sum`). A lookup
stats every file now; a stored result is keyed by the states the scan read the files in (the
scan sums them as facts arrive), so a file edited during a scan never lends its new state to
facts read from the old one. Results live beside the facts in the dataset's scan cache
(:meth:`preflight.cache.ScanCache.store_result`); only callers that need no more than the
findings and statistics use them (the HTML report and the exports need the facts).
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from . import __version__, limits
from .cache import SCHEMA, ScanCache, file_stamp
from .config import DataConfig
from .dataset import Layout
from .result import AuditResult
from .scan import CODEC, READERS, reader_version, stamp_sum

__all__ = ["has_results", "keep", "result_key", "reused", "stamp_digests"]


def _stamp(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return file_stamp(st)


def code_stamps() -> list[str]:
    """Size and times of every source file of preflight and of its built-in checks, and the
    modification times of the folders on sys.path (installing or removing a package changes
    its site-packages folder): a result is reused only by the code that computed it."""
    import importlib.util

    spec = importlib.util.find_spec("preflight.checks")
    dirs = [os.path.dirname(os.path.abspath(__file__)), *(spec.submodule_search_locations or [] if spec else [])]
    out: list[str] = []
    for top in dirs:
        for folder, subdirs, names in os.walk(top):
            subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
            out.extend(f"{folder}/{n}={_stamp(os.path.join(folder, n))}" for n in sorted(names) if n.endswith(".py"))
    out.extend(f"{entry}={_stamp(entry)}" for entry in sys.path if entry)
    return out


def stamp_digests(plan: dict[str, list[str]]) -> dict[str, int]:
    """Per reader kind of a :meth:`preflight.dataset.Layout.scan_plan`, the :func:`preflight.scan.stamp_sum` of its files
    as they are now (the states a scan starting now would read them in)."""
    return {kind: stamp_sum((p, _stamp(p)) for p in paths) for kind, paths in plan.items()}


def result_key(cfg: DataConfig, layout: Layout, *, deep: bool, scopes: Sequence[str],
               select: Sequence[str] | None, ignore: Sequence[str] | None,
               model_yaml: str | Path | None, digests: dict[str, int] | None = None) -> str:
    """A digest of everything a data audit's result depends on: preflight's version and
    sources, the reader versions and size caps, data.yaml as parsed, the layout found on disk
    (every sample, orphan label, missing entry and folder searched), the state (size, mtime,
    ctime, inode) of every file the scan reads (``digests``: as the scan read them; by default
    as they are now) and of data.yaml / model.yaml, and the options."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)

    def put(parts: Iterable[str]) -> None:
        h.update("\0".join(parts).encode("utf-8", "surrogateescape"))
        h.update(b"\1")

    put([__version__, str(SCHEMA), CODEC, f"deep={deep}", f"scopes={sorted(scopes)}",
         f"select={sorted(select or [])}", f"ignore={sorted(ignore or [])}", repr(cfg)])
    put(f"{kind}@{reader_version(kind)}{limits.cache_tag(kind)}" for kind in sorted(READERS))
    put(code_stamps())
    put([repr((layout.format, layout.missing, layout.missing_listed, layout.orphan_labels,
               sorted(layout.coco_files.items()), sorted(layout.image_dirs.items())))])
    samples = layout.samples
    for i in range(0, len(samples), 4096):  # in slices: flat memory at 10^6 samples
        put(f"{smp.split}|{smp.image}|{smp.label}|{smp.coco_id}|{smp.expected_label}" for smp in samples[i:i + 4096])
    configs = [str(cfg.file)] + ([os.path.abspath(model_yaml)] if model_yaml is not None else [])
    put(f"{p}={_stamp(p)}" for p in configs)
    plan = layout.scan_plan()
    digests = stamp_digests(plan) if digests is None else digests
    put(f"{kind}:{digests.get(kind, 0):032x}" for kind in sorted(plan))
    return h.hexdigest()


def has_results(cfg: DataConfig) -> bool:
    cache = ScanCache(cfg.root)
    try:
        return cache.has_results()
    finally:
        cache.close()


def reused(cfg: DataConfig, key: str) -> AuditResult | None:
    cache = ScanCache(cfg.root)
    try:
        blob = cache.result(key)
    finally:
        cache.close()
    if blob is None:
        return None
    try:
        result = pickle.loads(blob)
    except Exception:  # noqa: BLE001 - a damaged entry is a miss, never a result
        return None
    return result if isinstance(result, AuditResult) else None


def keep(cfg: DataConfig, key: str, result: AuditResult) -> None:
    kept = AuditResult(inputs=result.inputs, findings=result.findings, predictions=result.predictions,
                       stats=result.stats, notes=list(result.notes))
    cache = ScanCache(cfg.root)
    try:
        cache.store_result(key, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        cache.close()
