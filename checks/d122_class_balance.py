"""Class balance: empty classes, rare classes and the imbalance ratio, with the histogram.

What it checks
    Boxes per class in the train split: classes of ``names`` with no annotation, classes
    with fewer than ``rare`` annotations, and the ratio between the most and the least
    frequent class present. One finding; its ``data`` holds the histogram per split.

Why it matters
    A class with no examples cannot be learned; a class with a handful is memorized, not
    learned, and its validation AP is noise. A large imbalance makes the loss prefer the
    frequent classes (the rare ones converge late or never).

Example
    Bad: 5,374 aircraft, 178 overpasses, 0 playgrounds in train.
    Good: every class with hundreds of instances, or a sampler / loss that compensates.

How to fix
    Collect or label more of the rare classes; otherwise oversample them (repeat-factor
    sampling) or weight the loss; drop classes you cannot get data for.
"""

from preflight.findings import Finding, Severity
from preflight.registry import check


@check(
    "D122", "class-balance", severity="info", title="empty or rare classes, class imbalance",
    pathology="underfitting",
    remedy="label more of the rare classes, or oversample them / weight the loss; drop classes without data",
    thresholds={
        "rare": (10, "a class with fewer than 10 training instances cannot be both trained and validated; "
                 "Ultralytics' guide asks for ≥ 10,000 instances per class for best results"),
        "ratio": (10.0, "Buda et al. 2018 (class imbalance in CNNs): performance drops measurably from an "
                  "imbalance ratio of 10 on"),
    },
)
def class_balance(ctx):
    t = class_balance.check
    counts = ctx.class_counts
    split = "train" if "train" in counts else next(iter(counts), None)
    if split is None:
        return
    train = counts.get(split, {})
    if not train:
        return
    names = ctx.cfg.names
    empty = [names[c] for c in names if c not in train]
    rare = sorted((n, names[c]) for c, n in train.items() if n < t.threshold("rare"))
    present = [n for n in train.values() if n > 0]
    ratio = max(present) / min(present) if present else 0.0
    parts = []
    if empty:
        parts.append(f"{len(empty)} of {len(names)} classes have no {split} annotation" + (f" ({', '.join(empty[:5])}{' …' if len(empty) > 5 else ''})" if empty else ""))
    if rare:
        parts.append(f"{len(rare)} classes have fewer than {t.threshold('rare')} ({', '.join(f'{nm}: {n}' for n, nm in rare[:5])}{' …' if len(rare) > 5 else ''})")
    if ratio >= t.threshold("ratio"):
        top = max(train, key=train.get)
        low = min(train, key=train.get)
        parts.append(f"imbalance {ratio:.0f}:1 ({names.get(top, top)} {train[top]} vs {names.get(low, low)} {train[low]})")
    if not parts:
        return
    hist = {sp: {names.get(c, str(c)): n for c, n in sorted(d.items())} for sp, d in counts.items()}
    yield Finding(
        code="D122", severity=Severity.INFO, title=t.title, message="; ".join(parts), split=split,
        data={"histogram": hist, "empty": empty, "imbalance_ratio": round(ratio, 2)},
    )
