"""The prediction rule table: declared pathologies, families, statistics, explain."""

from __future__ import annotations

import pytest

from preflight.findings import PATHOLOGIES, Finding, Severity
from preflight.predict import REMEDIES, RULES, Rule, explain_pathology, predict


def F(code, sev="error", pathology=None):
    return Finding(code=code, severity=Severity.parse(sev), title="t", message="m",
                   pathology=pathology)


def by_key(preds):
    return {p["pathology"]: p for p in preds}


def test_declared_pathology_plugs_in_without_table_edit():
    # a code no rule names, declaring a pathology: picked up through the declared rules
    preds = by_key(predict([F("W999", "warning", "oscillation")], {}))
    assert preds["oscillation"]["likelihood"] == "medium"
    assert preds["oscillation"]["because"] == ["W999"]
    preds = by_key(predict([F("D150", "error", "overfitting")], {}))
    assert preds["overfitting"]["likelihood"] == "high"


def test_family_prefix_when_nothing_declared():
    preds = by_key(predict([F("D103"), F("M201")], {}))
    assert preds["training_failure"] == {
        "pathology": "training_failure", "likelihood": "high", "because": ["D103", "M201"],
        "remedy": REMEDIES["training_failure"]}


def test_probe_failure_predicts_training_failure():
    preds = by_key(predict([F("P101")], {}))
    assert preds["training_failure"]["likelihood"] == "high"


def test_info_findings_do_not_predict():
    assert predict([F("D103", "info")], {}) == []


def test_lr_family_predicts_oscillation_and_divergence():
    preds = by_key(predict([F("O101", "error")], {}))
    assert preds["oscillation"]["likelihood"] == "medium"
    assert preds["divergence"]["likelihood"] == "medium"


def test_big_model_few_images_predicts_overfitting():
    preds = by_key(predict([], {"images": 128, "parameters": 7_200_000}))
    assert preds["overfitting"]["likelihood"] == "medium"
    assert "stat:parameters/image=56,250" in preds["overfitting"]["because"]
    preds = by_key(predict([], {"images": 50_000, "parameters": 7_200_000}))
    assert "overfitting" not in preds


def test_tiny_dataset_and_weak_class():
    preds = by_key(predict([], {"images": 40, "class_counts": {"cat": 300, "dog": 3}}))
    assert preds["overfitting"]["likelihood"] == "high"
    assert preds["training_failure"]["likelihood"] == "medium"
    assert preds["underfitting"]["because"][0].startswith("stat:class dog has 3")
    assert preds["underfitting"]["likelihood"] == "medium"


def test_normal_only_when_probe_passed_and_nothing_else():
    assert by_key(predict([], {"probe": {"verdict": "pass"}, "images": 20_000}))["normal"]
    assert "normal" not in by_key(predict([F("D103")], {"probe": {"verdict": "pass"}}))


def test_sorted_high_first():
    preds = predict([F("O101", "warning"), F("D103")], {})
    ranks = [{"high": 3, "medium": 2, "low": 1}[p["likelihood"]] for p in preds]
    assert ranks == sorted(ranks, reverse=True)


def test_table_is_sane():
    for r in RULES:
        assert r.pathology in PATHOLOGIES and r.likelihood in ("high", "medium", "low")
        assert r.declared + bool(r.prefixes) + (r.stat is not None) == 1, r
        if r.stat is not None:
            assert r.source, r
    assert set(REMEDIES) == set(PATHOLOGIES)


def test_custom_rules():
    rule = Rule("divergence", "high", "custom", prefixes=("X",))
    assert predict([F("X001")], {}, rules=[rule])[0]["pathology"] == "divergence"


@pytest.mark.parametrize("key", PATHOLOGIES)
def test_explain_every_pathology(key):
    text = explain_pathology(key)
    assert text.startswith(key) and "Remedy:" in text


def test_explain_unknown():
    with pytest.raises(KeyError):
        explain_pathology("sad")
