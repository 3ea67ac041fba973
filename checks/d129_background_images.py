"""Background images: empty label files, counted per split.

What it checks
    Label files that exist but hold no annotation (declared background images), as a share
    of each split. Missing label files are D112, reported separately.

Why it matters
    A few percent of backgrounds reduce false positives (Ultralytics suggests 0-10 %); a
    large share, or backgrounds only in one split, skews the loss towards "nothing here" and
    makes train and val disagree.

Example
    Bad: 40 % of train are empty label files, val has none.
    Good: 0-10 % backgrounds, similar in every split.

How to fix
    Check that the empty files really are background (not lost labels); keep their share
    modest and similar across splits.
"""

from preflight.findings import Finding, Severity
from preflight.registry import check


@check(
    "D129", "background-images", severity="info", title="background images (empty label files)",
    pathology="underfitting",
    remedy="check that empty label files are real backgrounds; keep their share modest (0-10 %) and similar across splits",
    thresholds={"share": (0.10, "Ultralytics' training tips: 0-10 % background images reduce false positives")},
)
def background_images(ctx):
    t = background_images.check
    if ctx.layout.format == "mask":  # a mask is never "empty": its background is labelled pixels
        return
    per: dict[str, list[int]] = {}
    examples: dict[str, list[str]] = {}
    for s in ctx.samples:
        total_empty = per.setdefault(s.split, [0, 0])
        total_empty[0] += 1
        if s.label is None:
            continue
        i = ctx.labels.index(s.label)  # the label table's columns, not a facts object per file
        if s.coco_id is None:
            empty = i < 0 or ctx.labels.fmt_code[i] < 0 or ctx.labels.count[i] == 0
        else:
            ann = ctx.annotations(s)
            empty = ann is None or len(ann) == 0
        issues = ctx.labels.issues.get(i) if i >= 0 else None
        if empty and not issues and not (i >= 0 and ctx.labels.errors.get(i)):
            total_empty[1] += 1
            examples.setdefault(s.split, []).append(ctx.rel(s.label) or "")
    shares = {sp: (e / n if n else 0.0) for sp, (n, e) in per.items()}
    notable = {sp for sp, x in shares.items() if x > t.threshold("share")}
    if not notable:
        return
    msg = "; ".join(f"{sp}: {per[sp][1]} of {per[sp][0]} ({shares[sp]:.0%})" for sp in per)
    ex = [{"path": p, "split": sp, "message": "empty label file"} for sp in sorted(examples) for p in examples[sp][:5]]
    yield Finding(code="D129", severity=Severity.INFO, title=t.title,
                  message=f"background share above {t.threshold('share'):.0%} — {msg}",
                  count=sum(e for _, e in per.values()), examples=ex,
                  data={"background_share": {sp: round(x, 4) for sp, x in shares.items()}})
