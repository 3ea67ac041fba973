"""Byte-level fuzzing of every reader with atheris (coverage-guided, libFuzzer).

    python -m tests.fuzz.atheris_readers                 # all readers, round robin, until Ctrl-C
    python -m tests.fuzz.atheris_readers -runs=200000    # libFuzzer options pass through
    FUZZ_KIND=coco python -m tests.fuzz.atheris_readers -max_total_time=600

The first byte of each input picks the reader (unless FUZZ_KIND fixes one), the second its
``deep`` flag; the rest is the file. Any exception is a crash: libFuzzer stops and writes the
input to ``crash-<sha1>``, which becomes a regression test in tests/fuzz/test_fuzz_readers.py.
Without a corpus folder argument, one is seeded with valid files of each kind (seeds.py) in
build/fuzz-corpus/ (libFuzzer adds what it finds there).

atheris 3.0.0's comparison hook keeps a reference to the result of every instrumented
comparison it traces: each ``mask == v`` on a numpy array kept a whole boolean image alive
(+75 MB a run on a 32×24600 mask), and the mask reader grew to libFuzzer's RSS limit within a
few hundred inputs (reproduced: 5.4 GB after 1,500 runs; flat at 80 MB with the same inputs
uninstrumented). Comparisons with an array operand are therefore evaluated here, untraced
(libFuzzer cannot use an array's value as feedback anyway); tests/fuzz/test_atheris_harness.py.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import operator  # noqa: E402

import atheris  # noqa: E402
import numpy as np  # noqa: E402

try:
    from atheris.version_dependent import CMP_OP_SHIFT_AMOUNT  # noqa: E402
except ImportError:  # pragma: no cover - an atheris without the module: Python < 3.12 layout
    CMP_OP_SHIFT_AMOUNT = 0

_CMP = (operator.lt, operator.le, operator.eq, operator.ne, operator.gt, operator.ge)
#: atheris's own hook; ``atheris.Fuzz()`` rebinds ``atheris._trace_cmp`` to its libFuzzer-linked
#: one when it starts, so :func:`_untrace_arrays` wraps whichever is current from inside the run
_traced_cmp = [atheris._trace_cmp]


def _trace_cmp(left, right, op, counter, is_const):  # type: ignore[no-untyped-def]
    """atheris's comparison hook, minus its reference leak on array results (see above).
    The instrumented code looks the hook up on the module at every comparison."""
    if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
        return _CMP[op >> CMP_OP_SHIFT_AMOUNT](left, right)
    return _traced_cmp[0](left, right, op, counter, is_const)


def _untrace_arrays() -> None:
    if atheris._trace_cmp is not _trace_cmp:
        _traced_cmp[0] = atheris._trace_cmp
        atheris._trace_cmp = _trace_cmp


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
    _untrace_arrays()
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
