"""Per-file caps: how large a dataset file may be, and how long reading one may take.

Every reader opens its file through :func:`preflight.formats._fs.read_bounded`, which refuses
a file over its kind's size cap from its ``stat`` alone. The defaults are the readers' own
constants (``MAX_IMAGE_BYTES``, ``MAX_MASK_BYTES``, ...; docs/limits.md says where each comes
from); ``--max-file-mb`` replaces them for one run, for every kind or per kind.

The time cap is a budget per file: ``--file-timeout`` seconds (default
:data:`DEFAULT_FILE_TIMEOUT`) plus :data:`SECONDS_PER_MB` for each MB of the file, so a
legitimately large file is not cut short (a COCO json with polygons parses at ~6.5 MB/s on
one busy core: ~70 s for a file the size of COCO train2017's 448 MB, whose budget is 508 s)
while a small file that explodes into work is. The scan reads each file under :func:`guard`:

- in a process's main thread (the in-process scan and every worker of the local pool) a
  ``SIGALRM`` timer interrupts the reader at the next Python instruction after the budget,
  wherever it is; one C call (a PNG decode, a connected-components pass) is not interrupted,
  and the readers' work caps (pixels, morphology budget) keep each of those short;
- elsewhere (a Dask worker thread) the readers check the budget between their steps
  (:func:`check`).

A file out of time is then read again as *refused*: ``read_bounded`` raises
:class:`~preflight.formats._fs.FileProblem` at once, so every reader returns its usual
"cannot be read" facts, with a message naming the cap, and the file becomes a finding (``I101``
images, ``D101`` labels, ``M106`` masks) instead of a hang. Facts of a file out of time are
never cached (the next run tries again: the budget depends on the machine, the facts must not).

The caps travel to worker processes in the ``PREFLIGHT_LIMITS`` environment variable (set by
:func:`applied`): forked pool workers and a ``--dask local`` cluster inherit it. Each task sent
to a Dask cluster carries the client's caps too (:func:`preflight.scan.read_chunk_under`, which
applies them to its own thread with :func:`using`): a remote worker reads with the caps of the
run that sent the task, whatever its own environment says.

A size cap changes the facts (a file over it has none), so it is part of the scan cache's key
(:func:`cache_tag`); the time cap is not (finished facts do not depend on it, and unfinished
ones are not cached).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_FILE_TIMEOUT",
    "KINDS",
    "SECONDS_PER_MB",
    "TIMED_OUT",
    "FileTimeout",
    "Limits",
    "applied",
    "byte_cap",
    "cache_tag",
    "check",
    "current",
    "guard",
    "parse_max_file_mb",
    "reading",
    "refusal",
    "timed_out",
]

#: Seconds a file may take before its size allowance. The slowest files known: the fuzzing
#: campaign's pathological mask now reads in 0.1 s, the slowest mask the work caps allow (8
#: values of noise over 2048²) in ~0.2 s on one core (1-3 s before region areas were counted
#: on each value's pixels only). 60 s leaves room for a machine 100× slower or busier, and is
#: still a bounded stop for a file that explodes into work where no cap reaches.
DEFAULT_FILE_TIMEOUT = 60.0
#: Seconds added per MB (2**20 bytes) of the file: reading scales with size, so a big file gets
#: a budget in proportion. Measured: a synthetic COCO json (polygons) parses at ~6.5 MB/s on
#: one busy core (0.15 s a MB); 1 s a MB leaves 6× that.
SECONDS_PER_MB = 1.0
#: the kinds of dataset files ``--max-file-mb KIND=MB`` accepts (the scan's reader kinds; the
#: default cap of each is its reader's constant, which the reader passes to read_bounded)
KINDS = ("image", "yolo", "voc", "coco", "mask")
#: every "out of time" message holds this: the scan never caches such facts
TIMED_OUT = "over the per-file time limit"
_ENV = "PREFLIGHT_LIMITS"
#: a budget this long (~3 years) is no budget (and more than a timer can hold)
_FOREVER = 1e8
_MB = 1 << 20
#: reader kinds that share another kind's size cap (M104's edge map decodes the image)
_SAME_AS = {"edges": "image"}


class FileTimeout(BaseException):
    """A file's time budget ran out. A BaseException, so the readers' ``except Exception``
    around decoders (which turn a decoder error into a finding) let it through to the guard."""


@dataclass(frozen=True)
class Limits:
    """One run's caps. ``max_bytes`` maps a kind (or ``"*"``, every kind) to bytes."""

    file_timeout: float = DEFAULT_FILE_TIMEOUT
    max_bytes: Mapping[str, int] = field(default_factory=dict)

    def bytes_for(self, kind: str | None, default: int) -> int:
        """The cap for a file of ``kind``; ``default`` outside a scan (``kind`` None: data.yaml,
        split list files), which keep their own caps."""
        if kind is None:
            return default
        kind = _SAME_AS.get(kind, kind)
        if kind in self.max_bytes:
            return self.max_bytes[kind]  # type: ignore[index]
        return self.max_bytes.get("*", default)

    def to_env(self) -> str:
        return json.dumps({"timeout": self.file_timeout, "bytes": dict(sorted(self.max_bytes.items()))},
                          sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_env(cls, text: str) -> Limits:
        try:
            doc = json.loads(text)
            return cls(file_timeout=float(doc.get("timeout", DEFAULT_FILE_TIMEOUT)),
                       max_bytes={str(k): int(v) for k, v in dict(doc.get("bytes", {})).items()})
        except (ValueError, TypeError, AttributeError):
            return cls()  # a damaged variable: the defaults, never a crash in a worker


_parsed: tuple[str | None, Limits] = (None, Limits())


_thread = threading.local()


def current() -> Limits:
    """The caps in force in this thread (:func:`using`), else in this process (from
    ``PREFLIGHT_LIMITS``; the defaults without it)."""
    global _parsed
    mine = getattr(_thread, "limits", None)
    if mine is not None:
        return mine
    text = os.environ.get(_ENV)
    if text != _parsed[0]:
        _parsed = (text, Limits.from_env(text) if text else Limits())
    return _parsed[1]


@contextmanager
def applied(limits: Limits) -> Iterator[Limits]:
    """Run the enclosed scan under ``limits`` (and the worker processes it starts)."""
    before = os.environ.get(_ENV)
    os.environ[_ENV] = limits.to_env()
    try:
        yield limits
    finally:
        if before is None:
            os.environ.pop(_ENV, None)
        else:
            os.environ[_ENV] = before


@contextmanager
def using(limits: Limits) -> Iterator[Limits]:
    """Run the enclosed reads, in this thread only, under ``limits`` (a Dask worker runs tasks
    of several runs side by side in its threads)."""
    before = getattr(_thread, "limits", None)
    _thread.limits = limits
    try:
        yield limits
    finally:
        _thread.limits = before


def parse_max_file_mb(values: tuple[str, ...] | list[str]) -> dict[str, int]:
    """``--max-file-mb`` values (``MB`` for every kind, ``KIND=MB`` for one) to bytes per kind;
    ValueError with a one-line reason on a bad value."""
    out: dict[str, int] = {}
    for raw in values:
        for item in str(raw).split(","):
            item = item.strip()
            if not item:
                continue
            kind, _, number = item.rpartition("=")
            kind = kind.strip().lower() or "*"
            if kind != "*" and kind not in KINDS:
                raise ValueError(f"--max-file-mb: unknown kind {kind!r} in {item!r} (one of {', '.join(KINDS)})")
            try:
                mb = float(number)
            except ValueError:
                raise ValueError(f"--max-file-mb: {item!r} is not a number of MB (e.g. 100 or coco=2000)") from None
            if not mb > 0 or mb == float("inf"):
                raise ValueError(f"--max-file-mb: {item!r} must be a positive number of MB")
            out[kind] = int(mb * _MB)
    return out


def cache_tag(kind: str) -> str:
    """A suffix for the scan cache's kind key: empty with the default size cap, else the cap in
    force (GLOB-safe characters only)."""
    lim = current()
    k = _SAME_AS.get(kind, kind)
    if k in lim.max_bytes:
        return f"~{lim.max_bytes[k]}"
    if "*" in lim.max_bytes:
        return f"~{lim.max_bytes['*']}"
    return ""


def timed_out(blob: bytes | str | None) -> bool:
    """Whether facts (their pickle, or their error message) come from a file out of time."""
    if isinstance(blob, bytes):
        return TIMED_OUT.encode() in blob
    return blob is not None and TIMED_OUT in blob


# -- the file being read ---------------------------------------------------------------------


class _File(threading.local):
    kind: str | None = None
    deadline: float | None = None
    refuse: str | None = None
    alarm: _Alarm | None = None


_file = _File()


def byte_cap(default: int) -> int:
    """The size cap for the file being read: ``default`` (the reader's own) unless overridden."""
    return current().bytes_for(_file.kind, default)


def reading() -> str | None:
    """The kind of file being read under :func:`guard` (None outside a scan)."""
    return _file.kind


def refusal() -> str | None:
    """Why the file being read must be refused without reading it (it ran out of time)."""
    return _file.refuse


def check() -> None:
    """Raise :class:`FileTimeout` when the file being read is past its budget (cheap: call it
    between a reader's steps)."""
    deadline = _file.deadline
    if deadline is not None and time.monotonic() > deadline:
        if _file.alarm is not None:
            _file.alarm.armed = False  # the timer, due now too, must not raise a second time
        raise FileTimeout


def _budget(path: str, base: float) -> float:
    try:
        size = os.stat(path).st_size
    except (OSError, ValueError):
        size = 0
    return base + SECONDS_PER_MB * size / _MB


def _message(base: float, budget: float) -> str:
    extra = f" + {SECONDS_PER_MB:g} s a MB" if budget > base + 0.05 else ""
    return (f"stopped after {budget:.3g} s: {TIMED_OUT} (--file-timeout {base:g} s{extra}); "
            "not read")


#: when this process last stopped a budget's timer: a signal that was already on its way then
#: is that timer's, late, and is ignored
_last_timer = [-1e9]


def _on_alarm(signum: int, frame: object) -> None:
    """The SIGALRM handler: raise in the reader whose budget ran out (once); ignore a budget's
    signal that lands late; for any other SIGALRM, do what it does without preflight (the
    default action: end the process)."""
    alarm = _file.alarm  # handlers run in the main thread: its file
    if alarm is not None and alarm.armed:
        alarm.armed = False
        raise FileTimeout
    if (alarm is not None and alarm.started) or time.monotonic() - _last_timer[0] < 1.0:
        return
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGALRM)


class _Alarm:
    """SIGALRM for the budget, in the main thread only; never clobbers a timer already set.

    The handler raises once, and only while armed: a signal that lands after :meth:`disarm`
    (or after a cooperative :func:`check` raised) is ignored, never raised in the caller.
    :func:`_on_alarm` stays installed once set (where SIGALRM had no handler): installing and
    restoring it around every file cost 6 µs a file, more than reading a small label file."""

    def __init__(self) -> None:
        self.armed = False
        self.started = False  # our timer may be running
        self.old: Any = None  # the handler to put back, when one was replaced for this file

    def start(self, seconds: float) -> None:
        if (seconds <= 0 or not hasattr(signal, "setitimer")
                or threading.current_thread() is not threading.main_thread()):
            return
        try:
            if signal.getitimer(signal.ITIMER_REAL)[0] > 0:
                return  # somebody else's timer: the cooperative checks only
            handler = signal.getsignal(signal.SIGALRM)
            if handler is not _on_alarm:
                signal.signal(signal.SIGALRM, _on_alarm)
                if handler not in (signal.SIG_DFL, None):
                    self.old = handler  # somebody else's handler: put it back after this file
            self.armed = self.started = True
            signal.setitimer(signal.ITIMER_REAL, min(seconds, _FOREVER))
        except (ValueError, OSError, OverflowError):  # pragma: no cover - no signals here
            self.disarm()

    def disarm(self) -> None:
        self.armed = False
        if self.started:
            signal.setitimer(signal.ITIMER_REAL, 0)
            _last_timer[0] = time.monotonic()
            self.started = False
        if self.old is not None:
            signal.signal(signal.SIGALRM, self.old)
            self.old = None


_warm: set[str] = set()
#: what each reader imports on first use: OpenCV for decodes (images only with --deep), Pillow
#: and all its format plugins ("PIL.Image.init": ~35 ms) where it decodes with Pillow; label
#: readers need neither. A default image scan parses JPEG and PNG headers itself and opens
#: other formats with Pillow, whose init() then runs inside that file's budget (35 ms of 60 s)
_NEEDS = {"image": ("PIL.Image",), "image:deep": ("cv2", "PIL.Image", "PIL.Image.init"),
          "mask": ("cv2", "PIL.Image", "PIL.Image.init"), "edges": ("cv2", "PIL.Image", "PIL.Image.init")}


def _warm_up(kind: str, deep: bool = False) -> None:
    """Import what ``kind``'s reader imports on first use, once per process, before any budget
    starts: a fresh worker's first file would otherwise pay 0.1-1 s of imports against its own
    budget. Only what that reader needs: the label scan's workers skip OpenCV and Pillow
    (~0.1 s each)."""
    import importlib

    for name in _NEEDS.get(f"{kind}:deep" if deep and f"{kind}:deep" in _NEEDS else kind, ()):
        if name in _warm:
            continue
        _warm.add(name)
        if name == "PIL.Image.init":
            with suppress(Exception):
                sys.modules["PIL.Image"].init()  # type: ignore[attr-defined]
            continue
        try:
            importlib.import_module(name)
        except ImportError:  # pragma: no cover - a broken install: the reader will say so
            continue


def guard(kind: str, read: Callable[..., Any], deep: bool = False) -> Callable[..., Any]:
    """``read`` (a reader: ``read(path, deep[, payload])``) under this run's caps for ``kind``;
    never raises :class:`FileTimeout`."""

    base = current().file_timeout  # once per chunk of files: the caps do not change within a scan
    if 0 < base < _FOREVER:
        _warm_up(kind, deep)

    def guarded(path: str, *args: Any) -> Any:
        outer = (_file.kind, _file.deadline, _file.refuse, _file.alarm)
        alarm = _Alarm()
        _file.kind, _file.deadline, _file.refuse, _file.alarm = kind, None, None, alarm
        try:
            if not 0 < base < _FOREVER:  # 0 (or inf): no budget
                return read(path, *args)
            budget = _budget(path, base)
            try:
                _file.deadline = time.monotonic() + budget
                alarm.start(budget)
                facts = read(path, *args)
                alarm.disarm()
                return facts
            except FileTimeout:
                alarm.disarm()
            # out of time: the reader again, told to refuse the file (read_bounded raises at once)
            _file.deadline = None
            _file.refuse = _message(base, budget)
            return read(path, *args)
        finally:
            alarm.disarm()
            _file.kind, _file.deadline, _file.refuse, _file.alarm = outer

    guarded.__wrapped__ = read  # type: ignore[attr-defined]
    return guarded
