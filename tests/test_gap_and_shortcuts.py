"""The train/val-gap, shortcut, input-size and mask-speckle checks on the real datasets of ../shared/data.

Each new check either fires on a real defect there (or on real files changed the way a
pipeline changes them, built in tmp_path: ../shared/data is never written) or stays quiet on
the clean sets.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from preflight.engine import audit_data

pytestmark = pytest.mark.shared_data

NEW = ("D131", "D132", "D133", "D134", "D140", "D141", "D142", "M123")
#: YOLOv5's default anchors (models/yolov5s.yaml), fitted to COCO at 640 px
#: scenes per class in the rsod subsets (rsod has 95 single-class aircraft scenes and 36 oil-tank ones)
PER_CLASS = 36
YOLOV5_ANCHORS = [[10, 13, 16, 30, 33, 23], [30, 61, 62, 45, 59, 119], [116, 90, 156, 198, 373, 326]]


def _audit(data_yaml, **kw):
    result, ctx = audit_data(data_yaml, jobs=2, **kw)
    by: dict[str, list] = {}
    for f in result.findings:
        by.setdefault(f.code, []).append(f)
    return result, by, ctx


def _model(tmp_path: Path, name: str, spec: dict) -> Path:
    p = tmp_path / f"{name}.yaml"
    p.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return p


# -- train/val gap ------------------------------------------------------------------------

def test_ships_validate_split_is_another_distribution(shared_data):
    """ships_roboflow's validate/ holds 128×128 thumbnails whose ships fill the frame."""
    _, by, _ = _audit(shared_data / "ships_roboflow" / "data.yaml")
    val = [f for f in by["D131"] if f.split == "val"]
    assert len(val) == 1 and val[0].count == 3, [f.message for f in by["D131"]]
    msg = val[0].message
    assert "box size" in msg and "image resolution" in msg and "box aspect ratio" in msg
    ks = {e["message"].split(",")[0]: float(e["message"].split("KS D = ")[1].split(",")[0]) for e in val[0].examples}
    assert ks["box size (relative to the image)"] >= 0.9  # an effect, not only a p-value
    assert ks["image resolution"] == 1.0


def test_no_shift_where_splits_come_from_one_pool(shared_data):
    """rsod's val and train come from one collection: no val finding (the copy's train subset
    was picked by file size, so train/test may differ); coco8 is too small to call a shift."""
    _, by, _ = _audit(shared_data / "rsod" / "data.yaml", deep=True)
    assert not [f for f in by.get("D131", []) if f.split == "val"], [f.message for f in by.get("D131", [])]
    _, by, _ = _audit(shared_data / "coco8" / "data.yaml", deep=True)
    assert "D131" not in by


def test_coco8_classes_only_in_train(shared_data):
    """MANIFEST: coco8's train uses ids 22, 23, 45, 49, 50, 75 that val never has (58 is in both)."""
    result, by, _ = _audit(shared_data / "coco8" / "data.yaml")
    (f,) = by["D132"]
    assert f.count == 6 and f.severity.value == "info"
    assert {e["message"].split(":")[0] for e in f.examples} == {
        "class 22 'zebra'", "class 23 'giraffe'", "class 45 'bowl'", "class 49 'orange'", "class 50 'broccoli'", "class 75 'vase'"}
    assert "only in" in f.message  # the one dataset-level property coco8 may report
    # and the contract's clean baseline holds: every warning/error is about the class gap
    loud = [x for x in result.findings if x.severity.value in ("error", "warning")]
    assert all("only in" in x.message or "split" in x.message for x in loud), [(x.code, x.message) for x in loud]


def test_background_and_missing_labels_apart(shared_data):
    """ships: 88 train images without a label file (D112, with the split's share), no empty file (D129)."""
    _, by, _ = _audit(shared_data / "ships_roboflow" / "data.yaml")
    (f,) = by["D112"]
    assert "(88 of 405, 22%)" in f.message
    assert "D129" not in by


# -- shortcuts --------------------------------------------------------------------------------

def test_no_shortcut_in_clean_datasets(shared_data):
    """Real object and image properties of one collection never reach the 95 % bar."""
    for rel in ("coco128/data.yaml", "coco_tiny/data.yaml", "ships_roboflow/data.yaml", "coco8/data.yaml"):
        _, by, _ = _audit(shared_data / rel, deep=True)
        assert "D133" not in by, (rel, [f.message for f in by["D133"]])


def test_rsod_aircraft_scenes_come_at_their_own_size(shared_data):
    """rsod's aircraft images are 1044×915 (79 of 95), the other classes' 1075/1083×923."""
    _, by, _ = _audit(shared_data / "rsod" / "data.yaml", deep=True)
    (f,) = by["D133"]
    assert "image height alone tells aircraft from the other classes" in f.message
    assert all(e["message"].startswith("image ") for e in f.examples)  # box geometry is not blamed
    assert "box" not in f.message.split("tells")[0]


def _rsod_subset(shared_data: Path, root: Path, size: tuple[int, int] | None) -> Path:
    """PER_CLASS aircraft and oil-tank scenes of rsod as a YOLO dataset, optionally all re-saved
    at one common size (the fix for a resolution shortcut)."""
    from PIL import Image

    _, _, ctx = _audit(shared_data / "rsod" / "data.yaml")
    b = ctx.boxes
    picked: dict[int, int] = {0: 0, 1: 0}
    (root / "images" / "train").mkdir(parents=True, exist_ok=True)
    (root / "labels" / "train").mkdir(parents=True, exist_ok=True)
    for i, src in enumerate(ctx.sources):
        rows = ctx.rows_by_source.get(i)
        if src.image is None or rows is None:
            continue
        classes = set(b.cls[rows].tolist())
        if len(classes) != 1 or (c := int(classes.pop())) not in picked or picked[c] >= PER_CLASS:
            continue
        picked[c] += 1
        img = Image.open(src.image).convert("RGB")
        if size is not None:
            img = img.resize(size)
        stem = Path(src.image).stem
        img.save(root / "images" / "train" / f"{stem}.jpg", quality=90)
        xy = np.clip(b.xyxy[rows], 0, 1)
        lines = [f"{c} {(x0 + x1) / 2:.6f} {(y0 + y1) / 2:.6f} {x1 - x0:.6f} {y1 - y0:.6f}" for x0, y0, x1, y1 in xy]
        (root / "labels" / "train" / f"{stem}.txt").write_text("\n".join(lines) + "\n")
    assert picked == {0: PER_CLASS, 1: PER_CLASS}
    (root / "data.yaml").write_text(yaml.safe_dump({"path": ".", "train": "images/train", "names": ["aircraft", "oiltank"]}))
    return root / "data.yaml"


def test_resolution_shortcut_goes_when_every_picture_has_one_size(shared_data, tmp_path):
    """The same real scenes: as collected, height gives the class away; re-saved at one size, nothing does."""
    _, by, _ = _audit(_rsod_subset(shared_data, tmp_path / "as_is", None), select=["D133"])
    (f,) = by["D133"]
    assert f.message.startswith("image height alone tells aircraft, oiltank apart")
    _, by, _ = _audit(_rsod_subset(shared_data, tmp_path / "one_size", (1024, 896)), select=["D133"])
    assert "D133" not in by, [f.message for f in by["D133"]]


# -- what the model sees at its input size ----------------------------------------------------

def test_rsod_aircraft_vanish_at_256(shared_data, tmp_path):
    data = shared_data / "rsod" / "data.yaml"
    _, by, _ = _audit(data, model_yaml=_model(tmp_path, "m256", {"task": "detect", "input": {"size": [256, 256]}}))
    (f,) = by["D140"]
    assert f.count == 796 and f.data["per_class"] == {"aircraft": 796} and f.data["lost_to_resize"] == 796
    assert f.line == 2  # model.yaml's input.size
    _, by, _ = _audit(data, model_yaml=_model(tmp_path, "m640", {"task": "detect", "input": {"size": [640, 640]}}))
    assert "D140" not in by


def test_coco_at_640_keeps_its_small_objects(shared_data, tmp_path):
    m = _model(tmp_path, "m640", {"task": "detect", "input": {"size": [640, 640]}, "anchors": YOLOV5_ANCHORS})
    for rel in ("coco_tiny/data.yaml", "coco128/data.yaml"):
        _, by, _ = _audit(shared_data / rel, model_yaml=m)
        assert "D140" not in by and "D142" not in by, rel


def test_yolov5_anchors_at_320_miss_small_coco_objects(shared_data, tmp_path):
    """COCO's 640 px anchors reused at 320: YOLOv5 itself would re-fit (BPR < 0.98)."""
    m = _model(tmp_path, "m320", {"task": "detect", "input": {"size": [320, 320]}, "anchors": YOLOV5_ANCHORS})
    _, by, _ = _audit(shared_data / "coco128" / "data.yaml", model_yaml=m)
    (f,) = by["D142"]
    assert 0.95 < f.data["bpr"] < 0.98 and f.count == 35
    assert "car" in f.data["per_class"]


def test_dense_rsod_scenes_against_max_det(shared_data, tmp_path):
    """rsod's densest aircraft scenes hold 77 objects: under Ultralytics' 300, over a limit of 50."""
    data = shared_data / "rsod" / "data.yaml"
    _, by, _ = _audit(data)
    assert "D141" not in by
    m = _model(tmp_path, "frcnn", {"task": "detect", "model": {"factory": "torchvision.models.detection:fasterrcnn_resnet50_fpn",
                                                                "kwargs": {"num_classes": 5, "box_detections_per_img": 50}}})
    _, by, _ = _audit(data, model_yaml=m)
    (f,) = by["D141"]
    assert "box_detections_per_img" in f.message and all("aircraft" in e["path"] for e in f.examples)


# -- names and masks ---------------------------------------------------------------------------

def test_train_the_vehicle_is_not_a_split_name(shared_data):
    """COCO and VOC both have a class 'train': no dataset here is reported for it."""
    for rel in ("coco8/data.yaml", "coco128/data.yaml", "coco_tiny/data.yaml", "voc_masks/voc2012_clean/data.yaml"):
        _, by, _ = _audit(shared_data / rel)
        assert "D134" not in by, rel


def test_real_masks_are_not_speckled(shared_data):
    """Official VOC and labelme masks: thin structures leave a few speckles, never 1 % of a mask."""
    for rel in ("voc2012_clean", "voc2012_resized_jpgs", "labelme_export"):
        _, by, ctx = _audit(shared_data / "voc_masks" / rel / "data.yaml")
        assert "M123" not in by, rel
        assert all(f.morph is not None for f in ctx.masks.values() if f.error is None)


def test_clean_sets_stay_clean_of_new_codes(shared_data):
    for rel in ("coco_tiny/data.yaml", "voc_masks/voc2012_clean/data.yaml"):
        _, by, _ = _audit(shared_data / rel, deep=True)
        assert not set(NEW) & set(by), (rel, {c: [f.message for f in by[c]] for c in set(NEW) & set(by)})
