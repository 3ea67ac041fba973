"""Every setup under tests/model/setups/: the codes case.yaml expects must be reported.

``expect: []`` means a correct setup: no warning and no error at all (infos are allowed).
``probe: true`` runs the overfit-one-batch probe too (for the P codes; tiny models only).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

SETUPS = Path(__file__).parent / "setups"
CASES = sorted(p.name for p in SETUPS.iterdir() if (p / "case.yaml").is_file())


def load_case(name: str) -> dict:
    return yaml.safe_load((SETUPS / name / "case.yaml").read_text()) or {}


@pytest.mark.torch
@pytest.mark.parametrize("name", CASES)
def test_setup(name: str, dataset) -> None:
    import torch

    from preflight.model.audit import audit_model_file

    torch.set_num_threads(2)
    case = load_case(name)
    data = dataset(case["data"]) if case.get("data") else None
    result = audit_model_file(SETUPS / name / "model.yaml", data, device="cpu",
                              probe=bool(case.get("probe")))
    internal = [f.message for f in result.findings if f.title.endswith("check could not run")]
    assert not internal, internal
    expected = case.get("expect") or []
    loud = sorted({f.code for f in result.findings if f.severity.value in ("error", "warning")})
    codes = {f.code for f in result.findings}
    if not expected:
        assert loud == [], [f"{f.code}: {f.message}" for f in result.findings if f.code in loud]
    else:
        missing = [c for c in expected if c not in codes]
        assert not missing, (missing, [f"{f.code}: {f.message}" for f in result.findings])
    for code in case.get("absent") or []:
        assert code not in codes, [f"{f.code}: {f.message}" for f in result.findings if f.code == code]
    # every finding says where it is
    for f in result.findings:
        assert f.path == "model.yaml", (f.code, f.path)


def test_enough_cases() -> None:
    bad = [n for n in CASES if load_case(n).get("expect")]
    good = [n for n in CASES if not load_case(n).get("expect")]
    assert len(bad) >= 20 and len(good) >= 8, (len(bad), len(good))
