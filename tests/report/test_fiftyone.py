"""The FiftyOne export, read back with FiftyOne's own database-free importer."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.pipeline import run_check
from preflight.report.fiftyone_export import export_fiftyone

fo = pytest.importorskip("fiftyone", reason="the fiftyone extra is not installed (pip install 'preflight-cv[fiftyone]')")


def _read_back(folder: Path) -> tuple[list, dict]:
    import fiftyone.utils.data as foud

    importer = foud.LegacyFiftyOneDatasetImporter(str(folder))
    with importer:
        return list(importer), importer.get_dataset_info()


def test_flagged_samples_round_trip(hostile_dataset: Path, tmp_path: Path) -> None:
    result, _ = run_check(hostile_dataset, None, use_cache=False, jobs=1)
    out = tmp_path / "fo"
    n = export_fiftyone(result, out)
    samples, info = _read_back(out)
    assert n == len(samples) > 0
    assert info["classes"][0] == "<script>alert(1)</script>"
    by_code: dict[str, list] = {}
    for s in samples:
        assert Path(s.filepath).is_file()
        assert s.tags, "every exported sample is flagged by some check"
        for code in s.tags:
            by_code.setdefault(code, []).append(s)
        assert {f["code"] for f in s["preflight"]} == set(s.tags)
        assert s["preflight_severity"] in ("error", "warning", "info")
    assert {"D103", "I108"} <= set(by_code), sorted(by_code)
    # the box with the out-of-range class id carries the code on the detection itself
    d103 = by_code["D103"][0]
    flagged = [d for d in d103["ground_truth"].detections if "D103" in d.tags]
    assert len(flagged) == 1 and "class id 7" in flagged[0]["preflight"]
    assert flagged[0].label == "id 7"
    x, y, w, h = flagged[0].bounding_box
    assert abs(x - 0.45) < 1e-6 and abs(w - 0.1) < 1e-6
    # the dataset was only read: nothing was written next to it
    assert not any(p.name in ("samples.json", "metadata.json") for p in hostile_dataset.parent.rglob("*"))


def test_copy_media_makes_a_portable_export(hostile_dataset: Path, tmp_path: Path) -> None:
    result, _ = run_check(hostile_dataset, None, use_cache=False, jobs=1)
    out = tmp_path / "fo"
    n = export_fiftyone(result, out, copy_media=True)
    samples, _ = _read_back(out)
    assert n == len(samples)
    for s in samples:
        assert Path(s.filepath).is_file() and (out / "data") in Path(s.filepath).parents


@pytest.mark.shared_data
def test_rsod_export_marks_the_boxes_past_the_edge(shared_data: Path, tmp_path: Path) -> None:
    result, _ = run_check(shared_data / "rsod" / "data.yaml", None, jobs=1)
    export_fiftyone(result, tmp_path / "fo")
    samples, _ = _read_back(tmp_path / "fo")
    s = next(s for s in samples if s.filepath.endswith("aircraft_104.jpg") and "D106" in s.tags)
    bad = [d for d in s["ground_truth"].detections if "D106" in d.tags]
    assert len(bad) == 1 and "ymax 916 > height 915" in bad[0]["preflight"]
