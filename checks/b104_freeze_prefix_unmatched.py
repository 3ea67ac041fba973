"""
What it checks
--------------
Entries of model.yaml's ``freeze`` list that match no parameter name.

Why it matters
--------------
A typo or a prefix from another architecture (``backbone.`` on a torchvision ResNet, whose
layers are ``conv1``, ``layer1``…) freezes nothing, silently: the whole model trains, with
the learning rate meant for a head, and pretrained features get overwritten.

Example
-------
Bad::

    freeze: [backbone.]              # resnet18 has no 'backbone.' parameters

Good::

    freeze: [conv1., bn1., layer1., layer2.]

How to fix
----------
Use prefixes of ``[n for n, _ in model.named_parameters()]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from preflight.findings import Hit
from preflight.registry import check


@check(
    "B104", "freeze-prefix-unmatched", severity="warning", scope="model",
    title="freeze prefix matches no parameter",
    pathology="overfitting",
    remedy="use prefixes of model.named_parameters() names",
)
def freeze_prefix_unmatched(ctx: Any) -> Iterator[Hit]:
    names = [n for n, _ in ctx.setup.model.named_parameters()]
    roots = sorted({n.split(".")[0] + "." for n in names})
    for i, prefix in enumerate(ctx.cfg.freeze):
        if ctx.setup.freeze_matches.get(prefix, 0) == 0:
            yield Hit(message=f"freeze prefix {prefix!r} matches none of the {len(names)} parameters "
                      f"(top-level names: {', '.join(roots[:8])})",
                      path=ctx.path, line=ctx.line(f"freeze.{i}") or ctx.line("freeze"), data={"prefix": prefix})
