"""Scaffold a new check: `make new-check CODE=D142 NAME=short-name` writes the module and its cases."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MODULE = '''"""{title}

What it checks
    TODO: what is measured, on which files.

Why it matters
    TODO: what goes wrong in training, and how it shows.

Example
    Bad: TODO
    Good: TODO

How to fix
    TODO
"""

from preflight.findings import Hit
from preflight.registry import check


@check(
    "{code}", "{name}", severity="warning", title="{title}",
    pathology=None, remedy="TODO: the fix in one line",
)
def {func}(ctx):
    # read ctx (see preflight/context.py); yield Hit(message, path=ctx.rel(...), line=..., split=...)
    return
    yield
'''

CASES = '''code: {code}
cases:
  - name: TODO a case that must fire
    expect: bad
    data: {{names: [a]}}
    files:
      images/train/a.jpg: {{image: [64, 48]}}
      labels/train/a.txt: "0 0.5 0.5 0.2 0.2\\n"
  - name: TODO a case that must stay quiet
    expect: good
    data: {{names: [a]}}
    files:
      images/train/a.jpg: {{image: [64, 48]}}
      labels/train/a.txt: "0 0.5 0.5 0.2 0.2\\n"
'''


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not re.fullmatch(r"[IDMNAWBOPC]\d{3}", argv[0]) or not re.fullmatch(r"[a-z0-9-]+", argv[1]):
        print("usage: make new-check CODE=D142 NAME=short-name-of-the-problem", file=sys.stderr)
        return 2
    code, name = argv
    module = ROOT / "checks" / f"{code.lower()}_{name.replace('-', '_')}.py"
    cases = ROOT / "tests" / "cases" / f"{code}.yaml"
    if module.exists() or cases.exists() or list((ROOT / "checks").glob(f"{code.lower()}_*.py")):
        print(f"{code} exists already", file=sys.stderr)
        return 2
    module.write_text(MODULE.format(code=code, name=name, title=name.replace("-", " "), func=name.replace("-", "_")))
    cases.write_text(CASES.format(code=code))
    print(f"wrote {module.relative_to(ROOT)} and {cases.relative_to(ROOT)}: fill in the TODOs, then `make test`")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
