"""Shared, cached views of the mask facts for the M checks (not a check: the name starts with _).

Every M check works from the readers' facts (value histograms, ramp counts, boundary maps);
nothing here opens a file. Results are memoized on the context, so twenty checks walk the
masks once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["MaskSample", "all_values", "binary_0_255", "hist", "is_mask_dataset", "mask_samples", "readable", "split_hist", "unique_masks", "valid_ids"]


@dataclass(frozen=True)
class MaskSample:
    split: str
    image: str
    mask: str
    facts: Any  # MaskFacts, or None when the scan has none


def is_mask_dataset(ctx: Any) -> bool:
    return getattr(ctx.layout, "format", None) == "mask"


def readable(f: Any) -> bool:
    """The mask was decoded and its values are known."""
    return f is not None and f.error is None and f.values is not None


def _memo(ctx: Any, key: str, make: Any) -> Any:
    store = ctx.__dict__.setdefault("_mask_memo", {})
    if key not in store:
        store[key] = make()
    return store[key]


def mask_samples(ctx: Any) -> list[MaskSample]:
    """Every (split, image, mask) pairing once, in the layout's order."""

    def make() -> list[MaskSample]:
        out, seen = [], set()
        if not ctx.masks:  # not a mask dataset (or none found): every pairing would have no facts
            return out
        for s in ctx.samples:
            if s.label is None or (s.split, s.label) in seen:
                continue
            seen.add((s.split, s.label))
            out.append(MaskSample(s.split, s.image, s.label, ctx.masks.get(s.label)))
        return out

    return _memo(ctx, "samples", make)


def unique_masks(ctx: Any) -> list[MaskSample]:
    """Each mask file once (a file listed in two splits is judged once, in its first split)."""

    def make() -> list[MaskSample]:
        out, seen = [], set()
        for m in mask_samples(ctx):
            if m.mask not in seen:
                seen.add(m.mask)
                out.append(m)
        return out

    return _memo(ctx, "unique", make)


def hist(ctx: Any, m: MaskSample) -> dict[int, int]:
    """{value: pixels} of one mask, built once per mask file."""
    store = _memo(ctx, "hists", dict)
    h = store.get(m.mask)
    if h is None:
        h = store[m.mask] = m.facts.hist()
    return h


def valid_ids(ctx: Any) -> set[int]:
    return set(ctx.cfg.names)


def split_hist(ctx: Any) -> dict[str, dict[int, int]]:
    """split -> {value: pixels} summed over that split's readable masks."""

    def make() -> dict[str, dict[int, int]]:
        out: dict[str, dict[int, int]] = {}
        for m in mask_samples(ctx):
            if not readable(m.facts):
                continue
            d = out.setdefault(m.split, {})
            for v, c in hist(ctx, m).items():
                d[v] = d.get(v, 0) + c
        return out

    return _memo(ctx, "split_hist", make)


def all_values(ctx: Any) -> set[int]:
    return _memo(ctx, "all_values", lambda: {v for m in unique_masks(ctx) if readable(m.facts) for v in hist(ctx, m)})


def binary_0_255(ctx: Any) -> bool:
    """A one- or two-class dataset whose masks hold only 0 and 255, 255 somewhere: 0/255 binary masks."""
    if len(ctx.cfg.names) > 2 or 255 in ctx.cfg.names:
        return False
    values = all_values(ctx)
    return 255 in values and values <= {0, 255}
