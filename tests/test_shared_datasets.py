"""Each defect MANIFEST.md lists for ../shared/data is reported with the right file; clean sets stay quiet."""

from __future__ import annotations

import pytest

from preflight.engine import audit_data

pytestmark = pytest.mark.shared_data


def _audit(shared_data, rel, **kw):
    result, ctx = audit_data(shared_data / rel, jobs=2, **kw)
    by_code: dict[str, list] = {}
    for f in result.findings:
        by_code.setdefault(f.code, []).append(f)
    return result, by_code


def _paths(findings):
    out = set()
    for f in findings:
        if f.path:
            out.add(f.path)
        out.update(e["path"] for e in f.examples)
    return out


def _messages(findings):
    return [f.message for f in findings] + [e["message"] for f in findings for e in f.examples]


def test_coco8_is_clean(shared_data):
    result, by = _audit(shared_data, "coco8/data.yaml")
    bad = [f for f in result.findings if f.severity.value in ("error", "warning") and f.code != "D123"]
    assert not bad, [(f.code, f.message) for f in bad]
    # its one real property: train and val share almost no classes (MANIFEST)
    assert "D123" in by and "person" in by["D123"][0].message


def test_rsod_boxes_past_the_edge(shared_data):
    _, by = _audit(shared_data, "rsod/data.yaml")
    assert sum(f.count for f in by["D106"]) == 12
    assert by["D106"][0].data.get("files") == 11 or len(_paths(by["D106"])) == 11
    paths = _paths(by["D106"])
    for name in ("aircraft_104", "aircraft_313", "aircraft_523", "aircraft_977"):
        assert f"Annotations/{name}.xml" in paths
    assert any("ymax 916 > height 915" in m for m in _messages(by["D106"]))
    assert sum(1 for f in by["D106"] for e in f.examples if e["path"] == "Annotations/aircraft_523.xml") == 2


def test_rsod_negative_coordinates(shared_data):
    _, by = _audit(shared_data, "rsod/data.yaml")
    assert sum(f.count for f in by["D108"]) == 9
    paths = _paths(by["D108"])
    assert len(paths) == 6
    for name in ("oiltank_91", "oiltank_157", "aircraft_289", "aircraft_964"):
        assert f"Annotations/{name}.xml" in paths
    msgs = _messages(by["D108"])
    assert any("xmin -119" in m for m in msgs) and any("xmin -114" in m for m in msgs)


def test_rsod_val_inside_test_and_cross_split_duplicates(shared_data):
    _, by = _audit(shared_data, "rsod/data.yaml")
    leaks = {f.examples[0]["split"] if f.examples else f.split: f for f in by["I108"]}
    val_test = [f for f in by["I108"] if "of test are also in val" in f.message]
    assert val_test and val_test[0].count == 91
    assert any("aircraft_726.jpg" in e["path"] for e in val_test[0].examples) or val_test[0].count == 91
    cross = [f for f in by["I108"] if "also in train" in f.message]
    crossing = {e["path"] for f in cross for e in f.examples}
    # 12 pairs cross the train / val-test boundary; aircraft_119 (train) = aircraft_1023 (val+test)
    assert sum(f.count for f in cross if "of test" in f.message) == 12
    assert "JPEGImages-test/aircraft_1023.jpg" in crossing
    assert leaks


def test_rsod_duplicates_with_conflicting_labels(shared_data):
    _, by = _audit(shared_data, "rsod/data.yaml")
    # 18 same-image pairs are present in this copy, and in all of them the two xml differ
    assert sum(f.count for f in by["I109"]) == 18
    msgs = _messages(by["I109"])
    assert any("13 objects here, 15 in Annotations/aircraft_1023.xml" in m for m in msgs)


def test_rsod_absent_images_and_clean_xml(shared_data):
    _, by = _audit(shared_data, "rsod/data.yaml")
    assert sum(f.count for f in by["D113"]) == 739  # train xml whose images are absent by design
    for code in ("D101", "D102", "D109", "D114", "I101", "I103"):
        assert code not in by, (code, [f.message for f in by[code]])


def test_coco128_defects(shared_data):
    _, by = _audit(shared_data, "coco128/data.yaml")
    assert _paths(by["D112"]) == {"images/train/000000000250.jpg", "images/train/000000000508.jpg"}
    assert _paths(by["D113"]) == {"labels/train/000000000656.txt", "labels/train/000000000659.txt"}
    assert by["D117"][0].line and "' tennis racket'" in by["D117"][0].message
    assert by["I108"][0].count == 128  # val is the train folder
    for code in ("D101", "D102", "D103", "D104", "D107"):
        assert code not in by


def test_coco128_original_yaml_windows_paths(shared_data):
    _, by = _audit(shared_data, "coco128/original_data.yaml")
    assert "D121" in by and "D120" in by
    assert any("F:" in m for m in _messages(by["D121"]))


def test_ships_class_ids_past_nc(shared_data):
    _, by = _audit(shared_data, "ships_roboflow/data.yaml")
    d103 = by["D103"]
    assert sum(f.count for f in d103) == 134 + 54  # validate + test rows with ids ≠ 0
    assert d103[0].data["files"] == 113 + 41
    msgs = " ".join(_messages(d103))
    assert "class id 44" in msgs or "44" in d103[0].message
    paths = _paths(d103)
    assert any(p.startswith("validate/labels/") for p in paths) and any(p.startswith("test/labels/") for p in paths)


def test_ships_polygons_outside_and_mixed_kinds(shared_data):
    _, by = _audit(shared_data, "ships_roboflow/data.yaml")
    outside = by.get("D106", []) + by.get("D107", [])
    assert sum(f.count for f in outside) == 5 + 2
    paths = _paths(outside)
    assert any("2780166_jpg" in p for p in paths) and any("621251_jpg" in p for p in paths) and any("1134412_jpg" in p for p in paths)
    assert "D128" in by  # box files and polygon files in validate and test


def test_ships_missing_pairs(shared_data):
    _, by = _audit(shared_data, "ships_roboflow/data.yaml")
    assert sum(f.count for f in by["D112"]) == 88
    assert "train/images/0000-1_jpg.rf.2e5caa597f12c41c8ab122be1f9fcc5c.jpg" in _paths(by["D112"]) or by["D112"][0].count == 88
    assert sum(f.count for f in by["D113"]) == 34


def test_ships_original_yaml_missing_valid_folder(shared_data):
    _, by = _audit(shared_data, "ships_roboflow/original_data.yaml")
    assert any("valid/images" in m for m in _messages(by["D120"]))


def test_coco_tiny_clean_but_for_its_shared_folder(shared_data):
    result, by = _audit(shared_data, "coco_tiny/data.yaml")
    assert by["I108"][0].count == 80  # train and val both point at val2017 (MANIFEST)
    # COCO's own annotations hold two objects boxed as two classes at IoU ≥ 0.9 (car/truck, cup/bowl):
    # real class ambiguity, reported as a warning; nothing else is
    assert {f.code for f in result.findings if f.severity.value in ("error", "warning")} <= {"I108", "D124"}
    assert sum(f.count for f in by.get("D124", [])) == 2


def test_deep_finds_look_alike_objects_and_decodes_everything(shared_data):
    result, by = _audit(shared_data, "coco_tiny/data.yaml", deep=True)
    # COCO_Tiny boxes three objects twice, as two classes (truck/car: annotations 1374232/347385,
    # bowl/cup: 1901409/673788 and 714390/670041); their crops hash 6-8 bits apart, at D125's
    # threshold, so each is reported by D125, by D124 (IoU >= 0.9) or by both; nothing else looks alike
    said = " ".join(_messages(by.get("D125", []) + by.get("D124", [])))
    assert all(f"annotation {a}:" in said for a in ("1374232", "1901409", "714390")), said
    assert 2 <= sum(f.count for f in by["D125"]) <= 3
    assert "I103" not in by and "I107" not in by  # every JPEG decodes whole; no near-duplicate pictures
