"""Mask value out of range: pixels whose value is no class id and not the ignore value.

What it checks
    Every value in every mask's histogram against ``{0 … nc-1}`` (the ids of ``names``) and
    data.yaml's ``ignore_index`` (default 255). Values above the largest class id are listed
    with the masks that hold them. (255 with another ``ignore_index`` is M107; a gap inside
    the id range of a non-contiguous ``names`` is M120.)

Why it matters
    ``CrossEntropyLoss`` indexes the logits with the target: a value ≥ nc raises
    ``IndexError: Target 21 is out of bounds`` on the CPU and a device-side assert on CUDA
    that kills the run; one-hot encoding with ``F.one_hot(t, nc)`` fails the same way.

Example
    Bad: VOC masks with 21 classes holding 22 (a one-hot "ignore" channel turned back into an
    id by argmax) or 128 (a bilinear resize between 0 and 255).
    Good: values 0-20 and 255 with ``ignore_index: 255``.

How to fix
    Find where the value comes from (a wrong class map, an extra one-hot channel, an
    interpolating resize) and re-export the masks; or add the class to ``names``.
"""

from preflight.findings import Hit
from preflight.registry import check

from ._mask_stats import binary_0_255, hist, readable, unique_masks


def _fmt(values):
    vals = sorted(values)
    return ", ".join(str(v) for v in vals[:12]) + (f" … ({len(vals)} values)" if len(vals) > 12 else "")


def _summary(hits):
    values = set()
    for h in hits:
        values.update(h.data["values"])
    files = len({h.path for h in hits})
    return f"values {_fmt(values)} are no class id in {files} masks; first: {hits[0].path}: {hits[0].message}"


def out_of_range_values(ctx, hist):
    names = ctx.cfg.names
    top = max(names) if names else -1
    ignore = ctx.cfg.ignore_index
    skip_255 = ignore != 255 and 255 not in names  # M107's
    skip_255 = skip_255 or binary_0_255(ctx)  # M108's
    return {v: c for v, c in hist.items() if v > top and v != ignore and not (v == 255 and skip_255)}


@check(
    "M105", "mask-value-out-of-range", severity="error", title="mask value is not a class id",
    pathology="training_failure", summarize=_summary,
    remedy="re-export the masks with the right class map (or add the class to names)",
)
def mask_value_out_of_range(ctx):
    nc = len(ctx.cfg.names)
    for m in unique_masks(ctx):
        if not readable(m.facts):
            continue
        bad = out_of_range_values(ctx, hist(ctx, m))
        if not bad:
            continue
        hint = " (= nc: one past the last class, e.g. an extra one-hot channel)" if set(bad) == {nc} else ""
        msg = f"values {_fmt(bad)} ({sum(bad.values())} pixels) with {nc} classes and ignore_index {ctx.cfg.ignore_index}{hint}"
        yield Hit(msg, path=ctx.rel(m.mask), split=m.split, data={"values": sorted(bad)})
