"""The scan cache: facts per file, outside the dataset, in the user's cache folder.

One SQLite file per dataset root (``$PREFLIGHT_CACHE_DIR`` or the platform's user cache dir,
e.g. ``~/.cache/preflight``). An entry is valid only for the exact file state it was read
from: size, mtime and ctime in nanoseconds and inode, plus the reader kind, its options and the
preflight version. So an edited label is re-read even when its size did not change (the
weakness of a size-keyed cache), a touched file is re-read, and an upgrade starts afresh.

Beside the facts, the same file keeps the last few *results* of whole audits, keyed by a digest
of everything a result depends on (every file's state, the layout, data.yaml, the options, the
code): a re-run over an unchanged dataset stats every file, finds the digest and skips reading
the facts and running the checks (see :mod:`preflight.memo`).
SQLite gives atomic commits: a run killed mid-write leaves the previous state, and two runs
at once serialize their writes. A cache that cannot be opened or written is skipped (with a
note), never trusted half-way.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from . import __version__

__all__ = ["ScanCache", "cache_dir", "file_stamp"]

#: bump when the facts a reader returns change shape or meaning (old entries are then dropped)
SCHEMA = 2
#: whole-audit results kept per dataset: one per combination of options in recent use (data,
#: --deep, a --select while fixing one check, ...); each is a few kB to a few MB of findings
RESULTS_KEPT = 4


def cache_dir() -> Path:
    env = os.environ.get("PREFLIGHT_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "preflight"


def file_stamp(st: os.stat_result) -> str:
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


class ScanCache:
    """Read the entries of one kind in batches; write new entries in one transaction per call."""

    def __init__(self, root: Path, directory: Path | None = None) -> None:
        self.directory = directory or cache_dir()
        key = hashlib.blake2b(str(root).encode(), digest_size=10).hexdigest()
        self.path = self.directory / f"{key}.sqlite"
        self.problem: str | None = None
        self._conn: sqlite3.Connection | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            try:
                self._conn = self._open()
            except sqlite3.DatabaseError:
                # a damaged or foreign file: start afresh rather than trust any of it
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                self._conn = self._open()
        except (sqlite3.Error, OSError) as exc:
            self._conn = None
            self.problem = f"scan cache disabled ({self.path}: {exc})"

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS facts (path TEXT, kind TEXT, stamp TEXT, blob BLOB,"
                " PRIMARY KEY (path, kind))"
            )
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            conn.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, used REAL, blob BLOB)")
            row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None or row[0] != f"{SCHEMA}/{__version__}":
                with conn:
                    conn.execute("DELETE FROM facts")
                    conn.execute("DELETE FROM results")
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (f"{SCHEMA}/{__version__}",))
            conn.execute("SELECT count(*) FROM facts").fetchone()  # reads the pages: corruption shows here
        except BaseException:
            conn.close()
            raise
        return conn

    @property
    def usable(self) -> bool:
        return self._conn is not None

    def load(self, kind: str) -> dict[str, tuple[str, bytes]]:
        if self._conn is None:
            return {}
        try:
            rows = self._conn.execute("SELECT path, stamp, blob FROM facts WHERE kind=?", (kind,)).fetchall()
        except sqlite3.Error as exc:
            self.problem = f"scan cache unreadable, rescanning ({exc})"
            return {}
        return {p: (s, b) for p, s, b in rows}

    def rows(self, kind: str, batch: int = 4096) -> Iterator[tuple[str, str, bytes]]:
        """Every (path, stamp, blob) of one kind, fetched in batches (flat memory on huge datasets)."""
        if self._conn is None:
            return
        try:
            cur = self._conn.execute("SELECT path, stamp, blob FROM facts WHERE kind=?", (kind,))
            while rows := cur.fetchmany(batch):
                yield from rows
        except sqlite3.Error as exc:
            self.problem = f"scan cache unreadable, rescanning ({exc})"

    def store(self, kind: str, entries: Iterable[tuple[str, str, bytes]]) -> None:
        if self._conn is None:
            return
        try:
            with self._conn:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO facts (path, kind, stamp, blob) VALUES (?, ?, ?, ?)",
                    ((p, kind, s, b) for p, s, b in entries),
                )
        except sqlite3.Error as exc:
            self.problem = f"scan cache not written ({exc})"

    def prune(self, family: str, current: str) -> None:
        """Drop the entries an older reader version wrote for this kind of file."""
        if self._conn is None:
            return
        try:
            with self._conn:
                self._conn.execute("DELETE FROM facts WHERE kind GLOB ? AND NOT kind GLOB ?", (f"{family}@*", f"{current}*"))
        except sqlite3.Error as exc:
            self.problem = f"scan cache not written ({exc})"

    def has_results(self) -> bool:
        """Whether any whole-audit result is stored for this dataset."""
        if self._conn is None:
            return False
        try:
            return self._conn.execute("SELECT 1 FROM results LIMIT 1").fetchone() is not None
        except sqlite3.Error:
            return False

    def result(self, key: str) -> bytes | None:
        """The stored result of an audit with this digest, or None."""
        if self._conn is None:
            return None
        try:
            row = self._conn.execute("SELECT blob FROM results WHERE key=?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else bytes(row[0])

    def store_result(self, key: str, blob: bytes) -> None:
        """Keep this result, and the RESULTS_KEPT most recently stored ones before it."""
        if self._conn is None:
            return
        try:
            with self._conn:
                self._conn.execute("INSERT OR REPLACE INTO results VALUES (?, julianday('now'), ?)", (key, blob))
                self._conn.execute("DELETE FROM results WHERE key NOT IN "
                                   "(SELECT key FROM results ORDER BY used DESC LIMIT ?)", (RESULTS_KEPT,))
        except sqlite3.Error as exc:
            self.problem = f"scan cache not written ({exc})"

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
