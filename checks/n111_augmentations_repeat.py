"""
What it checks
--------------
Whether the random augmentations of the user's ``DataLoader`` differ between its worker
processes and between epochs. The loader is re-run on its own dataset, ``collate_fn``,
``worker_init_fn`` and multiprocessing settings (``num_workers`` capped at 2, two epochs): one
sample is drawn eight times by every worker, and the draws are compared by a hash of what the
loader returns. Reported when the transforms are random (one worker's draws differ) but two
workers produce the same sequence of draws, or every worker repeats its sequence in the next
epoch, and chance cannot explain it (estimated from the draws: below 1 in 1,000).

Why it matters
--------------
A generator every worker inherits in the same state (``self.rng = np.random.default_rng(0)``
in the dataset's ``__init__``, ``random.Random(seed)``, a ``worker_init_fn`` that seeds every
worker with one constant) makes all workers apply the same crops, flips and colour changes:
with 8 workers, each augmentation appears 8 times and the variety is an eighth of what it
seems. A generator re-seeded identically at the start of every epoch (created before the
workers fork and never advanced in the main process, or a ``worker_init_fn`` seeding with
``worker_id`` only) repeats epoch 1's augmentations in every epoch: the model sees a fixed,
finite set of views and overfits as if there were no augmentation. PyTorch seeds ``torch``,
``random`` and NumPy's global generator per worker and epoch by itself (since 1.9, after
pytorch/pytorch#5059); the generators users create are not covered, and seeding them by hand
is where the bug lives (e.g. xingyizhou/CenterNet#233, open-mmlab/OpenPCDet#886,
Lightning-AI/pytorch-lightning#20412: the same augmentations every epoch).

Example
-------
Bad::

    class Crops(Dataset):
        def __init__(self, images):
            self.images = images
            self.rng = np.random.default_rng(0)      # copied into every worker, every epoch
        def __getitem__(self, i):
            y, x = self.rng.integers(0, 32, 2)
            ...
    DataLoader(Crops(images), batch_size=32, num_workers=4)

Good: torch's own random functions (``torchvision.transforms``), NumPy's global generator, or
a generator made per worker from torch's per-worker seed (below).

How to fix
----------
Create the generator inside each worker from the seed PyTorch gives it, e.g.
``worker_init_fn=lambda _: setattr(get_worker_info().dataset, "rng",
np.random.default_rng(torch.initial_seed()))``, or seed NumPy/``random`` there with
``torch.initial_seed() % 2**32`` (it differs per worker and per epoch); never seed with a
constant or with ``worker_id`` alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "N111", "augmentations-repeat", severity="warning", scope="model",
    title="random augmentations repeat across workers or epochs",
    pathology="overfitting",
    remedy="create each worker's random generator from torch.initial_seed() in worker_init_fn; "
           "never seed with a constant or with worker_id alone",
    thresholds={
        "max_chance": (1e-3, "a repeat is reported only when independent draws would coincide this way with "
                             "less than this probability (estimated from the draws' own outcome frequencies: "
                             "a horizontal flip alone has q = 1/2, so 16 coinciding draws are 1.5e-5)"),
    },
)
def augmentations_repeat(ctx: Any) -> Iterator[Hit]:
    if ctx.synthetic:
        return
    from preflight.model.augment import augmentation_variety

    m = getattr(ctx, "augment_variety", None)
    if m is None:
        m = augmentation_variety(ctx.setup.loader)
        ctx.augment_variety = m  # the report's model section shows the measurement
    if not m or m.get("skipped") or not m.get("random"):
        return
    limit = augmentations_repeat.check.threshold("max_chance")  # type: ignore[attr-defined]
    draws, workers = m["draws"], m["workers"]
    problems = []
    if m.get("same_across_workers") and m["chance_workers"] < limit:
        a, b = m["identical_worker_pairs"][0]
        problems.append(f"workers {a} and {b} drew the same {draws} random augmentations of sample {m['index']} "
                        f"in each of {m['epochs']} epochs (a generator copied into every worker in one state)")
    if m.get("same_across_epochs") and m["chance_epochs"] < limit:
        who = "the main process" if workers == 0 else f"each of {workers} workers"
        problems.append(f"{who} repeated its {draws} augmentations of sample {m['index']} exactly in the next epoch "
                        f"(a generator seeded the same way at every epoch's start)")
    if not problems:
        return
    configured = m["configured_workers"]
    yield Hit(
        message="; ".join(problems) + f"; num_workers={configured}"
                + (f", measured with {workers}" if workers != configured else ""),
        path=ctx.path, line=ctx.line("loader") or ctx.line("setup"),
        data={k: m[k] for k in ("configured_workers", "workers", "draws", "same_across_workers",
                                "same_across_epochs", "chance_workers", "chance_epochs", "distinct_draws")},
    )
