"""Regenerate the check table in README.md from the registry (`make docs`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- checks:start -->", "<!-- checks:end -->"


def main() -> int:
    table = subprocess.run([sys.executable, "-m", "preflight", "checks", "--format", "markdown"],
                           capture_output=True, text=True, check=True).stdout.strip()
    text = README.read_text(encoding="utf-8")
    a, b = text.index(START) + len(START), text.index(END)
    new = text[:a] + "\n" + table + "\n" + text[b:]
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("README.md: check table updated")
    else:
        print("README.md: check table already current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
