"""What every fuzzer drives: one reader on one file's bytes, with the readers' contract checked.

The contract (CONTRACT.md, "a reader never crashes on a bad file"): a reader returns facts for
any bytes, never raises, never writes beside the file, and its facts pickle (they travel from
worker processes and into the cache). Shared by the hypothesis tests and the atheris harness.
"""

from __future__ import annotations

import importlib
import os
import pickle
import tempfile
import warnings

from preflight.formats import READERS

__all__ = ["KINDS", "SUFFIX", "check_reader", "scratch_dir"]

#: the byte-level readers (``edges`` decodes the same way ``image --deep`` does)
KINDS = ("yolo", "voc", "coco", "image", "mask", "edges")
SUFFIX = {"yolo": ".txt", "voc": ".xml", "coco": ".json", "image": ".png", "mask": ".png", "edges": ".jpg"}

_readers: dict[str, object] = {}
_dir: str | None = None


def scratch_dir() -> str:
    """One private folder (in /dev/shm when there is one: no disk writes per input)."""
    global _dir
    if _dir is None:
        base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        _dir = tempfile.mkdtemp(prefix="preflight-fuzz-", dir=base)
    return _dir


def _reader(kind: str):
    fn = _readers.get(kind)
    if fn is None:
        module, name = READERS[kind].split(":")
        fn = _readers[kind] = getattr(importlib.import_module(module), name)
    return fn


def check_reader(kind: str, data: bytes, deep: bool = False) -> object:
    """Run one reader on ``data``; raise AssertionError on any broken promise."""
    folder = scratch_dir()
    path = os.path.join(folder, "input" + SUFFIX[kind])
    with open(path, "wb") as fh:
        fh.write(data)
    read = _reader(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numeric warning is a latent crash under -W error
        facts = read(path, deep) if kind != "image" else read(path, deep, None)
    assert facts is not None
    pickle.loads(pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL))
    os.unlink(path)
    left = os.listdir(folder)
    assert not left, f"the reader wrote beside its input: {left}"
    return facts
