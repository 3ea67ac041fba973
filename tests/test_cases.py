"""Every data check's bad and good cases (tests/cases/<CODE>.yaml), run through the real engine."""

from __future__ import annotations

import pytest
from casekit import build_dataset, load_cases

from preflight.engine import audit_data

CASES = load_cases()


@pytest.mark.parametrize(("code", "case"), CASES, ids=[f"{c}-{k['expect']}-{k['name']}" for c, k in CASES])
def test_case(code, case, tmp_path):
    data_yaml = build_dataset(tmp_path / "ds", case)
    result, _ = audit_data(data_yaml, select=[code], jobs=1, deep=bool(case.get("deep")),
                           model_yaml=_model(tmp_path, case))
    found = [f for f in result.findings if f.code == code]
    if case["expect"] == "good":
        assert not found, f"{code} fired on a good case: {[f.message for f in found]}"
        return
    assert found, f"{code} did not fire; findings: {[(f.code, f.message) for f in result.findings]}"
    at = case.get("at")
    if at:
        places = [(f.path, f.line) for f in found] + [(e.get("path"), e.get("line")) for f in found for e in f.examples]
        want = (at.get("path"), at.get("line"))
        if want[1] is None:
            assert any(p == want[0] for p, _ in places), f"{code} points at {places}, not {want[0]}"
        else:
            assert want in places, f"{code} points at {places}, not {want}"
    if "count" in case:
        assert sum(f.count for f in found) == case["count"], [f.message for f in found]
    if "message" in case:
        assert any(case["message"] in f.message or any(case["message"] in e.get("message", "") for e in f.examples) for f in found), [f.message for f in found]


def _model(tmp_path, case):
    if "model" not in case:
        return None
    import yaml

    p = tmp_path / "model.yaml"
    p.write_text(yaml.safe_dump(case["model"]), encoding="utf-8")
    return p
