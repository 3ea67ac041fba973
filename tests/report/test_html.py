"""The HTML report: content, escaping, size bound, degraded inputs, and a real browser."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_helpers import HOSTILE_NAMES, make_image, run_chromium

from preflight.findings import Finding, Severity
from preflight.pipeline import run_check
from preflight.report.html import MAX_THUMBS_TOTAL, render_html, write_html
from preflight.result import AuditResult


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        self._in_script = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in_script:
            self.scripts.append(data)


def _tags(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


def _audit(data_yaml: Path) -> AuditResult:
    result, _ = run_check(data_yaml, None, use_cache=False, jobs=1)
    return result


# -- content ---------------------------------------------------------------------------------
def test_report_shows_verdict_findings_thumbnails_and_data(hostile_dataset: Path, tmp_path: Path) -> None:
    result = _audit(hostile_dataset)
    codes = {f.code for f in result.findings}
    assert {"D103", "I108", "D112"} <= codes, codes
    out = write_html(result, tmp_path / "deep" / "folder" / "report.html")
    assert out.is_file()
    html = out.read_text(encoding="utf-8")
    assert "Fix first" in html
    for code in codes:
        assert f'id="check-{code}"' in html
    tags = _tags(html).tags
    thumbs = [a for t, a in tags if t == "img" and (a.get("src") or "").startswith("data:image/jpeg")]
    assert thumbs, "examples with images get thumbnails"
    plots = [a for t, a in tags if t == "img" and (a.get("src") or "").startswith("data:image/png")]
    assert len(plots) >= 2, "class histogram and box scatter"
    assert "Duplicates and leakage" in html and 'class="leak"' in html
    # no network: every src is a data URI, no link/iframe/object at all
    for tag, attrs in tags:
        assert tag not in ("link", "iframe", "object", "embed", "base")
        for key in ("src", "href"):
            value = attrs.get(key)
            if value is not None:
                assert value.startswith(("data:", "#")), (tag, key, value[:80])


def test_clean_result_says_ready_and_lists_nothing(tmp_path: Path) -> None:
    result = AuditResult(inputs={"data": "data.yaml", "model": None})
    html = render_html(result)
    assert "Ready to train" in html
    assert "Nothing to report" in html
    assert 'id="filters"' not in html


def test_missing_sections_degrade_and_notes_show() -> None:
    result = AuditResult(inputs={"data": None, "model": "model.yaml"})
    result.notes.append("model checks skipped: torch is not installed")
    result.sections["model"] = {"model": "ResNet", "layers": "not a list", "weird": {"nested": [1, 2]}}
    result.sections["probe"] = {"losses": [1.0, float("nan"), 0.5], "lr_range": {"lrs": "bad"}}
    html = render_html(result)
    assert "torch is not installed" in html
    assert "ResNet" in html
    assert 'id="data"' not in html


def test_model_and_probe_sections_render_tables_and_plots() -> None:
    result = AuditResult(inputs={"data": None, "model": "model.yaml"})
    result.findings.append(Finding("B101", Severity.WARNING, "frozen BatchNorm in train mode", "bn1 is frozen but training"))
    result.sections["model"] = {
        "model": "ResNet", "task": "classify", "num_classes": 3, "loss": "CrossEntropyLoss",
        "input": {"dtype": "float32", "shape": [4, 3, 64, 64], "mean": -0.008, "channel_std": [1.0, 1.0, 0.99]},
        "last_layers": [{"name": "fc", "type": "Linear"}],
        "layers": [{"name": "conv1", "type": "Conv2d", "weight_std": 0.0001, "band": [0.02, 0.1]},
                   {"name": "fc", "type": "Linear", "weight_std": 0.05, "band": [0.02, 0.1]}],
        "batchnorm": [{"name": "bn1", "training": True, "frozen": True}],
        "optimizer_coverage": {"trainable": 62, "frozen": 0, "groups": [{"lr": 0.01, "params": 62}]},
    }
    result.sections["probe"] = {
        "verdict": "pass", "steps_run": 3, "losses": [1.2, 0.5, 0.1], "grad_norms": [5.0, 2.0, 1.0],
        "lr_range": {"lrs": [1e-5, 1e-3, 1e-1], "smoothed": [1.2, 1.0, 3.0], "configured": 0.01, "suggested": [1e-4, 1e-2]},
        "layers": [{"name": "fc.weight", "trainable": True, "changed": False}],
    }
    html = render_html(result)
    assert 'id="model"' in html and 'id="probe"' in html
    assert "Weight initialization per layer" in html
    assert html.count('class="flag"') >= 3  # conv1 init, frozen BN in train mode, unchanged fc
    pngs = re.findall(r'src="data:image/png', html)
    assert len(pngs) >= 3  # loss, grad norm, LR range


# -- security ----------------------------------------------------------------------------------
def test_dataset_text_is_escaped(hostile_dataset: Path, tmp_path: Path) -> None:
    result = _audit(hostile_dataset)
    html = render_html(result)
    parsed = _tags(html)
    scripts = [t for t, _ in parsed.tags if t == "script"]
    assert len(scripts) == 1, "only the report's own script"
    for tag, attrs in parsed.tags:
        for key in attrs:
            assert not key.lower().startswith("on"), f"event handler attribute on <{tag}>: {key}"
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, not dropped
    # the only script body is our own file
    assert "alert" not in "".join(parsed.scripts)
    # the CSP pins the script and style by hash and allows no network
    csp = next(a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "sha256-" in csp and "unsafe-inline" not in csp


@pytest.mark.browser
def test_browser_renders_without_errors_and_nothing_executes(hostile_dataset: Path, tmp_path: Path) -> None:
    result = _audit(hostile_dataset)
    page = write_html(result, tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    dom, log = run_chromium(page, screenshot=shot)
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None, dom[:500]
    assert 'data-js="ran"' in body.group(0), "the report's own script ran (its CSP hash matches)"
    assert "data-js-error" not in body.group(0), body.group(0)
    assert "data-pwned" not in body.group(0), "a planted handler executed"
    console = [ln for ln in log.splitlines() if "CONSOLE" in ln or "Content Security Policy" in ln
               or "Uncaught" in ln]
    assert not console, console
    # the filter form is shown by the script
    form = re.search(r'<form class="filters" id="filters"[^>]*>', dom)
    assert form is not None and "hidden" not in form.group(0)
    # the screenshot is a real page, not a blank one
    from PIL import Image, ImageStat

    assert shot.is_file()
    with Image.open(shot) as im:
        stat = ImageStat.Stat(im.convert("L"))
        assert im.size[0] == 1280
        assert stat.stddev[0] > 20, "blank screenshot"
        colours = im.convert("RGB").resize((128, 200)).getcolors(maxcolors=100_000)
        assert colours is not None and len(colours) > 50


# -- size bound ------------------------------------------------------------------------------
def test_ten_thousand_findings_stay_small() -> None:
    result = AuditResult(inputs={"data": "data.yaml", "model": None})
    hostile = HOSTILE_NAMES[0]
    for i in range(10_000):
        code = f"D{100 + i % 25:03d}"
        result.findings.append(Finding(
            code=code, severity=(Severity.ERROR, Severity.WARNING, Severity.INFO)[i % 3],
            title=f"synthetic check {code}", message=f"finding {i}: {hostile} " + "x" * 80,
            path=f"labels/train/img_{i:05d}.txt", line=i % 50 + 1, split=("train", "val", "test")[i % 3],
            count=40, remedy="fix it",
            examples=[{"path": f"labels/train/img_{i:05d}_{k}.txt", "line": k + 1, "split": "train",
                       "message": "a long example message " * 3} for k in range(20)],
        ))
    html = render_html(result)
    size = len(html.encode("utf-8"))
    assert size < 3_000_000, size
    assert "10000 findings" in html.replace(",", "") or "10,000" in html
    assert "more finding" in html  # the cap is said, not silent


def test_thumbnails_are_capped(tmp_path: Path) -> None:
    root = tmp_path / "many"
    for i in range(300):
        make_image(root / "images" / "train" / f"im{i}.jpg", 64, 48, seed=i)
        (root / "labels" / "train").mkdir(parents=True, exist_ok=True)
        (root / "labels" / "train" / f"im{i}.txt").write_text("3 0.5 0.5 0.2 0.2\n")  # id out of range
    (root / "data.yaml").write_text("path: .\ntrain: images/train\nval: images/train\nnames: [a, b]\n")
    result = _audit(root / "data.yaml")
    html = render_html(result)
    n = html.count('src="data:image/jpeg')
    assert 0 < n <= MAX_THUMBS_TOTAL


# -- real data -------------------------------------------------------------------------------
@pytest.mark.shared_data
def test_rsod_report_draws_the_offending_boxes(shared_data: Path, tmp_path: Path) -> None:
    result = _audit(shared_data / "rsod" / "data.yaml")
    html = write_html(result, tmp_path / "rsod.html").read_text(encoding="utf-8")
    for code in ("D106", "D108", "I108", "I109"):
        assert f'id="check-{code}"' in html
    assert "Annotations/aircraft_104.xml:261" in html  # ymax 916 > height 915, with its line
    assert len(html.encode()) < 2_000_000


@pytest.mark.shared_data
def test_mask_dataset_shows_pixel_frequency_and_pairs(shared_data: Path, tmp_path: Path) -> None:
    result = _audit(shared_data / "voc_masks" / "voc2012_resized_jpgs" / "data.yaml")
    html = render_html(result)
    assert "Mask pixel frequency per split" in html
    assert 'id="check-M103"' in html
    assert html.count('src="data:image/jpeg') >= 1


def test_probe_loss_plot_carries_the_zero_input_baseline() -> None:
    result = AuditResult(inputs={"data": None, "model": "model.yaml"})
    result.sections["probe"] = {"verdict": "pass", "losses": [2.3, 1.0, 0.4, 0.1, 0.05],
                                "zero_baseline": {"steps": 3, "losses": [2.3, 2.2, 2.1],
                                                  "real_losses": [2.3, 1.0, 0.4]}}
    html = render_html(result)
    assert "trained on zeroed inputs it must stay clearly higher" in html
    assert "real losses" not in html  # drawn in the loss plot, not dumped as a table
    result.sections["probe"]["zero_baseline"] = {"skipped": "the probe ran too few steps"}
    html = render_html(result)
    assert "skipped: the probe ran too few steps" in html
