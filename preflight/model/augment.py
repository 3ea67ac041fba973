"""Augmentation variety across DataLoader workers and across epochs, measured on the user's loader.

The bug class: a random generator that every worker process inherits in the same state (a
``np.random.default_rng(0)`` or ``random.Random(0)`` created in the dataset's ``__init__``, a
``worker_init_fn`` that seeds every worker with one constant) makes the workers produce the
same crops and flips; one that is seeded the same way at the start of every epoch (a
``worker_init_fn`` seeding with ``worker_id`` only, or a generator created before the workers
are forked and therefore never advanced in the main process) makes every epoch repeat the
first. PyTorch itself seeds ``torch``, ``random`` and NumPy's global generator per worker and
per epoch (NumPy's since 1.9); generators the user creates are not covered by that.

How it is measured (:func:`augmentation_variety`): a DataLoader is built on the user's dataset
with the user's ``collate_fn``, ``worker_init_fn``, ``multiprocessing_context``,
``persistent_workers`` and a copy of their ``generator``, ``num_workers`` capped at
:data:`MAX_WORKERS`, batch size 1 and a sampler that asks for one sample (index 0)
:data:`DRAWS` times per worker. Batches go to workers round-robin, so every worker draws that
sample DRAWS times; each draw is reduced to a hash of everything the collate function returns
(inputs and targets), computed inside the worker. This runs for :data:`EPOCHS` epochs (new
iterators: new workers unless ``persistent_workers``).

- The transforms are random when one worker's draws of the same sample differ.
- Workers repeat each other when two workers' sequences of draws are identical in every epoch.
- Epochs repeat when every worker's sequence is identical in both epochs.

Identical sequences can happen by chance when an augmentation has few outcomes (a flip alone
has two). The chance is estimated from the draws themselves: with q the probability that two
independent draws coincide (sum of squared outcome frequencies over all draws), n coinciding
positions happen by chance with probability q**n (``chance_workers``, ``chance_epochs``); check
N111 reports a repeat only when that is below its ``max_chance`` threshold. The user's dataset and random states are left as they were: workers are
separate processes, ``num_workers: 0`` runs on a deep copy of the dataset, and the main
process's RNG states are restored.
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections import Counter
from typing import Any

__all__ = ["DRAWS", "EPOCHS", "MAX_WORKERS", "augmentation_variety", "fingerprint"]

#: workers used at most (two are enough to see copies of one state; each one is a process)
MAX_WORKERS = 2
#: draws of the sample per worker and epoch, and epochs
DRAWS = 8
EPOCHS = 2
#: seconds a worker may take for one draw before the measurement gives up
TIMEOUT_S = 60.0


def _digest(obj: Any, h: Any) -> None:
    import numpy as np
    import torch

    if isinstance(obj, torch.Tensor):
        t = obj.detach().cpu().contiguous()
        h.update(str((t.dtype, tuple(t.shape))).encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    elif isinstance(obj, np.ndarray):
        h.update(str((obj.dtype, obj.shape)).encode())
        h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, dict):
        for k in sorted(obj, key=str):
            h.update(str(k).encode())
            _digest(obj[k], h)
    elif isinstance(obj, (list, tuple)):
        h.update(b"[")
        for v in obj:
            _digest(v, h)
        h.update(b"]")
    else:
        h.update(repr(obj).encode())


def fingerprint(batch: Any) -> str:
    """A hash of everything in a collated batch: equal exactly when the batches are equal."""
    h = hashlib.blake2b(digest_size=16)
    _digest(batch, h)
    return h.hexdigest()


class _Tagged:
    """The user's collate function, then (worker id, fingerprint): runs inside the worker, so
    only a few bytes travel back. A module-level class, so it pickles for ``spawn`` too."""

    def __init__(self, collate: Any) -> None:
        self.collate = collate

    def __call__(self, samples: list[Any]) -> tuple[int, str]:
        from torch.utils.data import get_worker_info

        info = get_worker_info()
        return (info.id if info is not None else -1), fingerprint(self.collate(samples))


def _chance(sequences: list[list[str]], positions: int) -> float:
    """Probability that ``positions`` pairs of independent draws all coincide, with the draw
    distribution estimated from every draw seen."""
    counts = Counter(d for seq in sequences for d in seq)
    total = sum(counts.values())
    q = sum((c / total) ** 2 for c in counts.values()) if total else 1.0
    return float(q ** positions)


def augmentation_variety(loader: Any, *, draws: int = DRAWS, max_workers: int = MAX_WORKERS) -> dict[str, Any] | None:
    """The measurement described in the module docstring; None when the loader is not a
    map-style ``torch.utils.data.DataLoader`` (nothing to re-run), a dict with ``skipped``
    when it could not run."""
    from torch.utils.data import DataLoader, IterableDataset

    if not isinstance(loader, DataLoader):
        return None
    dataset = loader.dataset
    if isinstance(dataset, IterableDataset):
        return {"skipped": "an IterableDataset: samples cannot be asked for by index"}
    try:
        if len(dataset) < 1:  # type: ignore[arg-type]
            return {"skipped": "the dataset is empty"}
    except TypeError:
        return {"skipped": "the dataset has no length"}
    from .context import SavedRNG

    configured = int(loader.num_workers)
    workers = min(configured, max_workers)
    t0 = time.perf_counter()
    out: dict[str, Any] = {"configured_workers": configured, "workers": workers, "draws": draws, "epochs": EPOCHS,
                           "index": 0, "persistent_workers": bool(loader.persistent_workers and workers > 0)}
    with SavedRNG():
        try:
            if workers == 0:
                dataset = copy.deepcopy(dataset)  # its generators advance here, not the user's
            generator = None
            if loader.generator is not None:
                import torch

                generator = torch.Generator()
                generator.set_state(loader.generator.get_state())
            kwargs: dict[str, Any] = {}
            if workers > 0:
                kwargs = {"timeout": TIMEOUT_S, "persistent_workers": out["persistent_workers"],
                          "multiprocessing_context": loader.multiprocessing_context,
                          "worker_init_fn": loader.worker_init_fn}
                if loader.prefetch_factor is not None:
                    kwargs["prefetch_factor"] = loader.prefetch_factor
            probe = DataLoader(dataset, batch_size=1, sampler=[0] * (draws * max(1, workers)), num_workers=workers,
                               collate_fn=_Tagged(loader.collate_fn), generator=generator, **kwargs)
            epochs: list[dict[int, list[str]]] = []
            for _ in range(EPOCHS):
                seen: dict[int, list[str]] = {}
                for wid, digest in probe:
                    seen.setdefault(int(wid), []).append(str(digest))
                epochs.append(seen)
            del probe
        except Exception as exc:  # noqa: BLE001 - the user's dataset or workers failed: say so, never crash
            # a worker's error arrives wrapped ("Caught X in DataLoader worker process 0."), the
            # original as the last line of the text
            text = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
            said = text[0] if text else ""
            if len(text) > 1 and text[-1] != said:
                said += " " + text[-1]
            out["skipped"] = f"{type(exc).__name__}: {said[:200]}".rstrip(": ")
            out["seconds"] = round(time.perf_counter() - t0, 3)
            return out
    out["seconds"] = round(time.perf_counter() - t0, 3)
    sequences = [seq for e in epochs for seq in e.values()]
    out["random"] = any(len(set(seq)) > 1 for seq in sequences)
    out["distinct_draws"] = len({d for seq in sequences for d in seq})
    ids = sorted(epochs[0])
    out["worker_ids"] = ids
    # workers repeating each other: a pair identical in every epoch
    same_workers: list[list[int]] = []
    if out["random"] and len(ids) >= 2:
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if all(e.get(a) == e.get(b) and e.get(a) for e in epochs):
                    same_workers.append([a, b])
    chance_w = _chance(sequences, draws * len(epochs))
    out["same_across_workers"] = bool(same_workers)
    out["identical_worker_pairs"] = same_workers
    out["chance_workers"] = chance_w
    # epochs repeating: every worker's sequence identical in both epochs
    repeat = out["random"] and all(epochs[0].get(w) == epochs[-1].get(w) and epochs[0].get(w) for w in ids)
    chance_e = _chance(sequences, draws * len(ids))
    out["same_across_epochs"] = bool(repeat)
    out["chance_epochs"] = chance_e
    return out
