"""Streaming hit grouping (runner) gives the findings of grouping the whole list (group_hits)."""

import random

from preflight.findings import MAX_EXAMPLES, Hit, HitGroup, HitGrouper, Severity, group_hits


def _hits(rng: random.Random, n: int) -> list[Hit]:
    paths = [None, *(f"images/{s}/{i}.jpg" for s in ("train", "val") for i in range(rng.randint(1, 40)))]
    out = []
    for _ in range(n):
        out.append(Hit(
            rng.choice(["same bytes as a", "same bytes as b", "x"]), path=rng.choice(paths),
            line=rng.choice([None, 1, 2, 3]), split=rng.choice([None, "train", "val", "test"]),
            cls=rng.choice([None, 1, 2]), group=rng.choice([None, None, "g1", "g2"]),
            data=rng.choice([None, {"k": 1}]),
        ))
    return out


def test_streamed_groups_equal_grouped_list():
    rng = random.Random(7)
    meta = dict(code="I106", severity=Severity.WARNING, title="t", pathology=None, remedy="r")
    for trial in range(400):
        hits = _hits(rng, rng.choice([1, 2, 5, MAX_EXAMPLES, MAX_EXAMPLES + 1, 60, 300]))
        grouper = HitGrouper(**meta)
        for h in hits:
            grouper.add(h)
        want = [f.to_json() for f in group_hits(list(hits), **meta)]
        assert [f.to_json() for f in grouper.findings()] == want, trial


def test_many_distinct_files_are_counted():
    g = HitGroup()
    n = HitGroup._EXACT_PATHS * 3 + 17
    for i in range(n):
        g.add(Hit("m", path=f"p{i % (n - 5)}", split="train"))
    assert g.count == n and g.files() == n - 5
    assert len(g.examples()) == MAX_EXAMPLES
