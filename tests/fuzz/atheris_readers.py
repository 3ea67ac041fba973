"""Byte-level fuzzing of every reader with atheris (coverage-guided, libFuzzer).

    python -m tests.fuzz.atheris_readers                 # all readers, round robin, until Ctrl-C
    python -m tests.fuzz.atheris_readers -runs=200000    # libFuzzer options pass through
    FUZZ_KIND=coco python -m tests.fuzz.atheris_readers -max_total_time=600

The first byte of each input picks the reader (unless FUZZ_KIND fixes one), the second its
``deep`` flag; the rest is the file. Any exception is a crash: libFuzzer stops and writes the
input to ``crash-<sha1>``, which becomes a regression test in tests/fuzz/test_fuzz_readers.py.
Without a corpus folder argument, one is seeded with valid files of each kind (seeds.py) in
build/fuzz-corpus/ (libFuzzer adds what it finds there).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import atheris  # noqa: E402

with atheris.instrument_imports():
    import preflight.formats.coco  # noqa: F401
    import preflight.formats.images  # noqa: F401
    import preflight.formats.masks  # noqa: F401
    import preflight.formats.voc  # noqa: F401
    import preflight.formats.yolo  # noqa: F401

from fuzz_harness import KINDS, check_reader  # noqa: E402
from seeds import write_corpus  # noqa: E402

FIXED = os.environ.get("FUZZ_KIND")


def one_input(data: bytes) -> None:
    if len(data) < 2:
        return
    kind = FIXED or KINDS[data[0] % len(KINDS)]
    check_reader(kind, data[2:], deep=bool(data[1] & 1))


def main() -> None:
    argv = list(sys.argv)
    if not any(os.path.isdir(a) for a in argv[1:]):
        argv.append(write_corpus(os.path.join("build", "fuzz-corpus"), KINDS))
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
