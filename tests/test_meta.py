"""The rules every check follows: codes, file names, explain texts, and bad/good cases."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from preflight.registry import CODE_RE, DOC_HEADINGS, all_checks

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


def test_codes_are_unique_and_well_formed():
    checks = all_checks()
    codes = [c.code for c in checks]
    assert len(codes) == len(set(codes))
    for c in checks:
        assert CODE_RE.match(c.code), c.code


def test_module_name_matches_code():
    for c in all_checks():
        if c.module.startswith("preflight.checks."):
            stem = c.module.rsplit(".", 1)[1]
            assert stem.startswith(c.code.lower() + "_"), f"{c.module} declares {c.code}"


def test_docstrings_have_the_four_headings():
    for c in all_checks():
        for heading in DOC_HEADINGS:
            assert re.search(rf"^\s*{heading}\s*$", c.doc, re.M), f"{c.code} ({c.module}) lacks '{heading}'"


def test_thresholds_state_their_source():
    for c in all_checks():
        for name, (_value, source) in c.thresholds.items():
            assert isinstance(source, str) and len(source) > 15, f"{c.code}.{name} has no source"


def _model_case_codes() -> tuple[set[str], bool]:
    bad: set[str] = set()
    good = False
    for f in (TESTS / "model" / "setups").glob("*/case.yaml"):
        expect = (yaml.safe_load(f.read_text()) or {}).get("expect") or []
        bad.update(expect)
        good = good or not expect
    return bad, good


def test_every_check_has_bad_and_good_cases():
    model_bad, model_good = _model_case_codes()
    test_text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in TESTS.rglob("test_*.py"))
    mask_text = "\n".join(p.read_text(encoding="utf-8") for p in (TESTS / "masks").glob("test_*.py"))
    assert "def test_untouched_copy_is_clean" in mask_text
    missing = []
    for c in all_checks():
        if c.scope in ("data", "setup"):
            f = TESTS / "cases" / f"{c.code}.yaml"
            if not f.exists() and c.code.startswith("M"):
                # mask checks are proven in tests/masks on transformed real masks; every one of
                # those files checks a clean copy stays silent
                if c.code not in mask_text:
                    missing.append(f"{c.code}: no bad case in tests/cases or tests/masks")
                continue
            if not f.exists():
                missing.append(f"{c.code}: no tests/cases/{c.code}.yaml")
                continue
            kinds = {case["expect"] for case in yaml.safe_load(f.read_text())["cases"]}
            if kinds != {"bad", "good"}:
                missing.append(f"{c.code}: cases are {sorted(kinds)}, need bad and good")
        elif c.scope == "model":
            if c.code not in model_bad:
                missing.append(f"{c.code}: no bad setup in tests/model/setups/*/case.yaml")
            if not model_good:
                missing.append("model checks: no correct setup (expect: [])")
        elif c.code not in test_text:
            missing.append(f"{c.code}: no test mentions it")
    assert not missing, "\n".join(missing)


def test_readme_check_table_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = subprocess.run([sys.executable, "-m", "preflight", "checks", "--format", "markdown"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert table in readme, "README's check table is stale: run `make docs`"


def test_data_path_never_imports_torch(tmp_path):
    code = (
        "import sys\n"
        "from preflight.cli import run\n"
        f"rc = run(['data', {str(TESTS / 'fixtures' / 'mini' / 'data.yaml')!r}, '--format', 'json'])\n"
        "assert 'torch' not in sys.modules, 'preflight data imported torch'\n"
        "assert 'torchvision' not in sys.modules\n"
        "assert 'fiftyone' not in sys.modules\n"
        "assert 'dask' not in sys.modules and 'distributed' not in sys.modules, 'preflight data imported dask'\n"
        "sys.exit(0 if rc in (0, 1) else rc)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
