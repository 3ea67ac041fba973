"""Predict the training-curve pathology a run is heading for, from what the audit found.

The rule table below is data: each :class:`Rule` matches findings by **code prefix**
(a family letter ``"D"``, a group ``"P1"``, or a full code) and/or by the **pathology the
finding's check declares**, or matches a **dataset statistic**. A new check that declares
``pathology=`` is picked up by the first rule without editing this table; the prefix rules
cover checks that declare none. ``preflight explain <pathology>`` prints the table for one
pathology (:func:`explain_pathology`).

Likelihood: each matching rule gives one (``high``/``medium``/``low``); a pathology takes the
highest of its rules, and ``because`` lists every finding code (or ``stat:`` fact) behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .findings import PATHOLOGIES, Finding, Severity

__all__ = ["DESCRIPTIONS", "REMEDIES", "RULES", "Rule", "explain_pathology", "predict"]

LIKELIHOODS = ("high", "medium", "low")
_RANK = {"high": 3, "medium": 2, "low": 1}

#: What the curves look like (the contract's table).
DESCRIPTIONS: dict[str, str] = {
    "normal": "both losses fall and level off, metrics rise and level off",
    "underfitting": "losses still falling at the end, metrics low",
    "overfitting": "train loss falls, val loss turns up, val metrics stall or drop",
    "premature_convergence": "everything flat after a few epochs, well before the end",
    "training_failure": "losses flat or jumping, metrics at or near zero",
    "oscillation": "val loss / metrics swing widely from epoch to epoch",
    "divergence": "loss goes to NaN/inf or explodes",
    "both_rising": "train and val loss both rise",
}

#: Concrete remedies per pathology, as practitioners give them (issue 6; Ultralytics
#: "Tips for best training results"; Karpathy, "A recipe for training neural networks").
REMEDIES: dict[str, str] = {
    "normal": "nothing to change; train as planned and keep the best checkpoint",
    "underfitting": "more epochs, a larger or pretrained model (e.g. v5s -> v5m, or load "
                    "ImageNet/COCO weights), more data for the weak classes",
    "overfitting": "fewer epochs / early stopping, more data and augmentation, a smaller model "
                   "(e.g. v5x -> v5s), more weight decay",
    "premature_convergence": "lower batch size, smaller model, lower LR (or decay it later)",
    "training_failure": "fix the annotations and class confusion first (see the D/M findings), "
                        "make the overfit-one-batch probe pass, then add data",
    "oscillation": "more data (a bigger validation set), lower LR or larger batch, longer warm-up",
    "divergence": "lower the LR (often 10x), add gradient clipping, check for exp/log overflow "
                  "(hand-written softmax, log of 0, fp16 overflow)",
    "both_rising": "lower or decay the LR, keep frozen BatchNorm layers in eval mode, check what "
                   "the schedule / augmentation changes mid-run",
}


@dataclass(frozen=True)
class Rule:
    """One row of the table. Exactly one of ``prefixes``/``declared``/``stat`` is the matcher."""

    pathology: str
    likelihood: str
    why: str
    #: finding codes starting with any of these (``"D"``, ``"P1"``, ``"B201"``)
    prefixes: tuple[str, ...] = ()
    #: match findings whose check declares this rule's pathology
    declared: bool = False
    #: lowest severity of a finding that counts
    min_severity: str = "warning"
    #: for findings of this severity or worse, raise the likelihood to ``high``
    high_from: str | None = None
    #: a test on the stats; returns the evidence string (``stat:...``) or None
    stat: Callable[[dict[str, Any]], str | None] | None = None
    #: where the rule's number comes from (stat rules)
    source: str = ""


def _min_class(stats: dict[str, Any]) -> tuple[str, int] | None:
    counts = stats.get("class_counts") or {}
    if not isinstance(counts, dict) or not counts:
        return None
    name, n = min(counts.items(), key=lambda kv: kv[1])
    return str(name), int(n)


def _stat_tiny(stats: dict[str, Any]) -> str | None:
    n = stats.get("images")
    return f"stat:images={n}" if isinstance(n, int) and 0 < n < 100 else None


def _stat_small(stats: dict[str, Any]) -> str | None:
    n = stats.get("images")
    return f"stat:images={n}" if isinstance(n, int) and 100 <= n < 1500 else None


def _stat_params_per_image(stats: dict[str, Any]) -> str | None:
    n, p = stats.get("images"), stats.get("parameters")
    if isinstance(n, int) and n > 0 and isinstance(p, (int, float)) and p / n >= 10_000:
        return f"stat:parameters/image={p / n:,.0f}"
    return None


def _stat_weak_class(stats: dict[str, Any]) -> str | None:
    mc = _min_class(stats)
    return f"stat:class {mc[0]} has {mc[1]} labels" if mc and mc[1] < 50 else None


def _stat_imbalance(stats: dict[str, Any]) -> str | None:
    counts = [int(v) for v in (stats.get("class_counts") or {}).values() if int(v) > 0]
    if len(counts) >= 2 and max(counts) / min(counts) >= 100:
        return f"stat:class imbalance {max(counts) / min(counts):.0f}:1"
    return None


def _stat_probe(stats: dict[str, Any]) -> str | None:
    probe = stats.get("probe") or {}
    return "stat:probe passed" if isinstance(probe, dict) and probe.get("verdict") == "pass" else None


#: The table. Order does not matter for the result (the highest likelihood wins per
#: pathology); it is the order ``preflight explain`` prints.
RULES: tuple[Rule, ...] = (
    # every check declares the pathology it leads to: one rule per pathology reads that
    *(Rule(key, "medium", "a finding whose check says it leads here", declared=True, high_from="error")
      for key in PATHOLOGIES if key != "normal"),
    # families, for checks that declare no pathology
    Rule("training_failure", "high", "label / mask errors teach the wrong target",
         prefixes=("D", "M"), min_severity="error"),
    Rule("training_failure", "low", "label / mask warnings (noise, confusion) cap what can be learnt",
         prefixes=("D", "M"), min_severity="warning"),
    Rule("training_failure", "high", "the model cannot represent the target "
         "(activation/loss pairing, output shape)", prefixes=("A",), min_severity="error"),
    Rule("training_failure", "high", "the overfit-one-batch probe failed: the setup cannot "
         "learn even one batch", prefixes=("P1",), min_severity="error"),
    Rule("underfitting", "medium", "inputs not normalised as the weights expect: slow start",
         prefixes=("N",)),
    Rule("training_failure", "medium", "bad initialisation / signal propagation",
         prefixes=("W",), min_severity="error"),
    Rule("both_rising", "medium", "BatchNorm statistics drift (frozen BN in train mode, tiny "
         "batches)", prefixes=("B",)),
    Rule("premature_convergence", "low", "frozen parts leave too little to train",
         prefixes=("B",)),
    Rule("oscillation", "medium", "LR / optimizer settings outside the usual range",
         prefixes=("O",)),
    Rule("divergence", "medium", "LR / optimizer settings outside the usual range",
         prefixes=("O",), min_severity="error"),
    Rule("overfitting", "low", "duplicate / leaked images make val optimistic and reward "
         "memorising", prefixes=("I",)),
    # dataset statistics
    Rule("overfitting", "high", "a tiny dataset is memorised", stat=_stat_tiny,
         source="under 100 images: an order below Ultralytics' 'tips for best training "
                "results' (>= 1,500 images per class)"),
    Rule("training_failure", "medium", "a tiny dataset gives too little signal", stat=_stat_tiny,
         source="under 100 images (as above)"),
    Rule("overfitting", "low", "a small dataset for a detector", stat=_stat_small,
         source="under 1,500 images: Ultralytics' 'tips for best training results'"),
    Rule("overfitting", "medium", "a big model on few images", stat=_stat_params_per_image,
         source="10,000 parameters per image or more: YOLOv5s (7.2 M) on COCO128 (128 images, "
                "56k/image) is the textbook overfit; YOLOv5s on COCO (118k images) is 61/image"),
    Rule("underfitting", "medium", "a class with very few labels stays weak", stat=_stat_weak_class,
         source="under 50 labels for a class: ~3 % of the 1,500 per class Ultralytics recommend"),
    Rule("underfitting", "low", "a heavy class imbalance starves the rare classes",
         stat=_stat_imbalance,
         source="100:1 between the most and least frequent class (Buda et al. 2018 study "
                "imbalance from 10:1 up; 100:1 is where plain training collapses the rare class)"),
    Rule("normal", "medium", "the probe passed and nothing else points anywhere",
         stat=_stat_probe, source="only when no warning or error was found"),
)


def _severity_ok(f: Finding, least: str) -> bool:
    return f.severity.rank >= Severity.parse(least).rank


def predict(findings: Iterable[Finding], stats: dict[str, Any] | None = None,
            rules: Iterable[Rule] = RULES) -> list[dict[str, Any]]:
    """Predicted pathologies, most likely first: dicts with pathology, likelihood, because,
    remedy (the JSON ``predictions`` of the contract)."""
    stats = stats or {}
    findings = list(findings)
    best: dict[str, str] = {}
    because: dict[str, set[str]] = {}

    def add(pathology: str, likelihood: str, evidence: Iterable[str]) -> None:
        ev = set(evidence)
        if not ev:
            return
        if _RANK[likelihood] > _RANK.get(best.get(pathology, ""), 0):
            best[pathology] = likelihood
        because.setdefault(pathology, set()).update(ev)

    serious = [f for f in findings if f.severity.rank >= Severity.WARNING.rank]
    for rule in rules:
        if rule.stat is not None:
            if rule.pathology == "normal" and serious:
                continue
            hit = rule.stat(stats)
            if hit:
                add(rule.pathology, rule.likelihood, [hit])
            continue
        for f in findings:
            if not _severity_ok(f, rule.min_severity):
                continue
            if rule.declared:
                if f.pathology != rule.pathology:
                    continue
            elif not f.code.startswith(rule.prefixes) or f.pathology:
                # a check that declares its pathology speaks for itself (the declared rules)
                continue
            lik = rule.likelihood
            if rule.high_from and _severity_ok(f, rule.high_from):
                lik = "high"
            add(rule.pathology, lik, [f.code])
    if len(best) > 1:
        best.pop("normal", None)
    order = {p: i for i, p in enumerate(PATHOLOGIES)}
    keys = sorted(best, key=lambda p: (-_RANK[best[p]], order.get(p, 99)))
    return [{"pathology": p, "likelihood": best[p], "because": sorted(because[p]),
             "remedy": REMEDIES[p]} for p in keys]


def explain_pathology(key: str) -> str:
    """What ``preflight explain <pathology>`` prints: the look, the rules, the checks, the fix."""
    if key not in PATHOLOGIES:
        raise KeyError(f"unknown pathology {key!r}; known: {', '.join(PATHOLOGIES)}")
    lines = [f"{key} — {DESCRIPTIONS[key]}", "", "Predicted from:"]
    for r in RULES:
        if r.pathology != key:
            continue
        if r.declared:
            what = "any finding whose check declares it (error -> high, warning -> medium)"
        elif r.stat is not None:
            what = f"dataset statistic ({r.source})"
        else:
            what = f"findings {'/'.join(r.prefixes)}* at {r.min_severity} or worse"
        lines.append(f"  [{r.likelihood}] {r.why}: {what}")
    try:
        from .registry import all_checks

        declared = [c for c in all_checks() if c.pathology == key]
    except Exception:  # noqa: BLE001 - explain must work even if a check pack is broken
        declared = []
    if declared:
        lines += ["", "Checks that declare it:"]
        lines += [f"  {c.code} {c.name} — {c.title}" for c in declared]
    lines += ["", f"Remedy: {REMEDIES[key]}"]
    return "\n".join(lines) + "\n"
