"""The report's LR-schedule plot (with the O105-O107 findings marked) and the decoded batch
(thumbnails made by the model audit), from hand-made sections, a real setup and a browser."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pytest
from report_helpers import run_chromium

from preflight.findings import Finding, Severity
from preflight.report.html import render_html, write_html
from preflight.result import AuditResult

SETUPS = Path(__file__).resolve().parents[1] / "model" / "setups"
HOSTILE = "<img src=x onerror=alert(7)>"


def _cosine(epochs: int = 30, t_max: int = 5) -> list[dict]:
    return [{"epoch": float(e), "lr": 0.005 * (1 + np.cos(np.pi * e / t_max)), "momentum": 0.9}
            for e in range(epochs + 1)]


def _svg(html: str) -> str:
    m = re.search(r'<h3>LR schedule over the planned run</h3>\s*<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert m, "the schedule block draws an SVG"
    return base64.b64decode(m.group(1)).decode("utf-8")


def _result(sec: dict, *findings: Finding) -> AuditResult:
    r = AuditResult(inputs={"data": None, "model": "model.yaml"})
    r.sections["model"] = sec
    r.findings.extend(findings)
    return r


def _o(code: str, message: str, data: dict) -> Finding:
    return Finding(code, Severity.WARNING, "schedule", message, path="model.yaml", data=data)


def test_schedule_plot_marks_the_findings():
    html = render_html(_result({"lr_schedule": _cosine()},
                               _o("O106", "the LR is down to 0 at epoch 5 of 30", {"epoch": 5.0, "epochs": 30.0, "peak": 0.01})))
    svg = _svg(html)
    for text in ("learning rate", "momentum", "end of run (epoch 30)", "O106: LR ≈ 0 at epoch 5"):
        assert text in svg, text
    assert "marked in red: O106" in html
    assert "<script" not in svg.lower()
    assert "lr schedule</h3>" not in html  # not also dumped as a 31-row table


def test_milestones_past_the_end_stretch_the_axis():
    points = [{"epoch": float(e), "lr": 0.01} for e in range(21)]
    html = render_html(_result({"lr_schedule": points},
                               _o("O107", "milestones [30, 60] are at or past the last of 20 epochs",
                                  {"milestones": [30, 60], "last": 20})))
    svg = _svg(html)
    assert "O107: milestone past the end (never reached)" in svg
    assert ">60<" in svg.replace(" ", "") or "60" in re.findall(r">\s*([0-9]+)\s*<", svg)


def test_warmup_and_no_marks():
    ramp = [{"epoch": float(e), "lr": 1e-4 * (1 + e)} for e in range(11)]
    svg = _svg(render_html(_result({"lr_schedule": ramp}, _o("O105", "still rises", {"first": 1e-4, "last": 1.1e-3}))))
    assert "O105: LR still rising at the end" in svg
    svg = _svg(render_html(_result({"lr_schedule": ramp})))
    assert "O10" not in svg


@pytest.mark.parametrize("points", [[], [{"epoch": 0, "lr": 0.1}], "bad", [{"epoch": "x", "lr": None}] * 3,
                                    [{"epoch": 0.0, "lr": float("nan")}, {"epoch": 1.0, "lr": float("inf")}]])
def test_degenerate_schedules_draw_nothing_and_do_not_fail(points):
    html = render_html(_result({"model": "M", "lr_schedule": points}))
    assert "LR schedule over the planned run" not in html
    assert 'id="model"' in html


def _jpeg(colour: tuple[int, int, int]) -> str:
    import cv2

    ok, buf = cv2.imencode(".jpg", np.full((40, 60, 3), colour, np.uint8))
    assert ok
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def test_batch_gallery_escapes_captions_and_only_embeds_pictures():
    preview = {"items": [{"src": _jpeg((0, 0, 255)), "caption": f"#0: {HOSTILE} (1)", "alt": f"batch image {HOSTILE}"},
                         {"src": "javascript:alert(1)", "caption": "dropped"},
                         {"src": "https://example.com/x.jpg", "caption": "dropped too"}],
               "decode": "model.yaml's input undone: (x × std + mean) × 255", "labels": "class name under each image",
               "shown": 3, "batch": 8, "channels": "RGB"}
    html = render_html(_result({"model": "M", "batch_preview": preview}))
    assert "The batch as the model sees it" in html and "The first 1 of 8 images" in html
    assert HOSTILE not in html and "&lt;img src=x onerror=alert(7)&gt;" in html
    assert "javascript:" not in html and "example.com" not in html and "dropped" not in html
    assert "input undone" in html


def test_batch_error_is_shown_as_text():
    html = render_html(_result({"model": "M", "batch_preview": {"error": f"ValueError: {HOSTILE}"}}))
    assert "could not draw the batch" in html and HOSTILE not in html


@pytest.mark.torch
def test_real_setup_report_has_schedule_and_batch(tmp_path):
    """A ResNet-18 setup with a cosine schedule too short for the run, on a small dataset."""
    pytest.importorskip("torch")
    import importlib.util

    from preflight.model.audit import audit_model_file

    spec = importlib.util.spec_from_file_location("model_conftest", SETUPS.parent / "conftest.py")
    kit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kit)  # tests/model/conftest.py: make_dataset
    data = kit.make_dataset(tmp_path / "ds", "classify")
    result = audit_model_file(SETUPS / "bad_o106_cosine_tmax_short" / "model.yaml", data, device="cpu", probe=False)
    sec = result.sections["model"]
    assert len(sec["batch_preview"]["items"]) == 8
    assert all(len(t["src"]) < 20_000 for t in sec["batch_preview"]["items"])
    html = write_html(result, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "O106: LR ≈ 0 at epoch 5" in _svg(html)
    thumbs = re.findall(r'<figure class="thumb"><img src="data:image/jpeg;base64,', html)
    assert len(thumbs) == 8
    assert re.search(r"#0: (cat|dog|bird) \(\d\)", html)


@pytest.mark.browser
def test_browser_draws_the_schedule_and_the_batch(tmp_path):
    """Headless Chromium under the report's CSP: the SVG and the JPEGs are drawn (their
    colours appear in the screenshot), nothing is blocked or logged."""
    preview = {"items": [{"src": _jpeg((255, 0, 255)), "caption": "#0: magenta", "alt": "batch image #0"}],
               "decode": "values in [0, 1]: × 255", "shown": 1, "batch": 1}
    result = _result({"model": "M", "lr_schedule": _cosine(), "batch_preview": preview},
                     _o("O106", "the LR is down to 0 at epoch 5 of 30", {"epoch": 5.0, "epochs": 30.0, "peak": 0.01}))
    page = write_html(result, tmp_path / "r.html")
    shot = tmp_path / "shot.png"
    dom, log = run_chromium(page, screenshot=shot, height=1400)
    assert "Content Security Policy" not in log and "Uncaught" not in log
    from PIL import Image

    rgb = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    magenta = (rgb[..., 0] > 200) & (rgb[..., 1] < 60) & (rgb[..., 2] > 200)
    lr_blue = (abs(rgb[..., 0] - 0x00) < 40) & (abs(rgb[..., 1] - 0x72) < 40) & (abs(rgb[..., 2] - 0xB2) < 40)
    mark = (abs(rgb[..., 0] - 0xD5) < 40) & (abs(rgb[..., 1] - 0x5E) < 40) & (abs(rgb[..., 2] - 0x00) < 50)
    assert magenta.sum() > 500, "the batch thumbnail is drawn"
    assert lr_blue.sum() > 200, "the LR curve is drawn"
    assert mark.sum() > 50, "the O106 mark is drawn"
