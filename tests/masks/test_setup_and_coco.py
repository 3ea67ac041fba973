"""Setup checks (data.yaml + model.yaml, YAML only) and COCO segmentation checks."""

from __future__ import annotations

import json
import sys

import numpy as np
from maskkit import audit, codes, png_bytes, write_dataset
from PIL import Image
from test_bad_input import picture


def ds_with(tmp_path, values, names=("bg", "a", "b")):
    a = np.zeros((48, 64), np.uint8)
    for i, v in enumerate(values):
        a[i * 8:(i + 1) * 8, 8:40] = v
    return write_dataset(tmp_path / "ds", {"train": {"x": (picture(), png_bytes(Image.fromarray(a)))}}, names=list(names))


def model(**loss_kwargs):
    m = {"task": "segment", "model": {"factory": "torchvision.models.segmentation:fcn_resnet50", "kwargs": {"num_classes": 3}},
         "loss": {"factory": "torch.nn:CrossEntropyLoss"}}
    if loss_kwargs:
        m["loss"]["kwargs"] = loss_kwargs
    return m


def test_loss_without_ignore_index(tmp_path):
    ds = ds_with(tmp_path, [1, 255])
    assert codes(audit(ds, model())[0])["M201"][0].severity.value == "error"
    assert "M201" not in codes(audit(ds, model(ignore_index=255))[0])
    assert "M201" not in codes(audit(ds_with(tmp_path / "n", [1, 2]), model())[0])  # no 255 in the data


def test_ignore_index_unused_and_class(tmp_path):
    found = codes(audit(ds_with(tmp_path, [1, 2]), model(ignore_index=255))[0])
    assert found["M202"][0].severity.value == "warning"
    found = codes(audit(ds_with(tmp_path / "c", [1, 2]), model(ignore_index=0))[0])
    assert "class 0 (bg)" in found["M203"][0].message and "M202" not in found


def test_model_class_count(tmp_path):
    ds = ds_with(tmp_path, [1, 2])
    m = model(ignore_index=255)
    m["model"]["kwargs"]["num_classes"] = 2
    assert codes(audit(ds, m)[0])["M204"][0].severity.value == "error"
    m["model"]["kwargs"]["num_classes"] = 21
    assert codes(audit(ds, m)[0])["M204"][0].severity.value == "warning"
    m["model"]["kwargs"]["num_classes"] = 3
    assert "M204" not in codes(audit(ds, m)[0])


def test_setup_checks_need_no_torch(tmp_path):
    import subprocess

    ds = ds_with(tmp_path, [1, 255])
    (ds.parent / "model.yaml").write_text(json.dumps(model()))
    script = ("import sys\nfrom preflight.engine import audit_data\n"
              "r, _ = audit_data(sys.argv[1], select=['M2'], jobs=1, model_yaml=sys.argv[2])\n"
              "print([f.code for f in r.findings], 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script, str(ds), str(ds.parent / "model.yaml")], capture_output=True, text=True)
    assert out.stdout.strip() == "['M201'] False", out.stderr


def coco_ds(tmp_path, anns):
    root = tmp_path / "coco"
    (root / "images").mkdir(parents=True)
    (root / "images" / "a.jpg").write_bytes(picture(64, 48))
    doc = {"images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}],
           "categories": [{"id": 1, "name": "thing"}], "annotations": anns}
    (root / "ann.json").write_text(json.dumps(doc))
    (root / "data.yaml").write_text(json.dumps({"path": ".", "format": "coco", "train": "images",
                                                "annotations": {"train": "ann.json"}, "names": {1: "thing"}}))
    return root / "data.yaml"


def rle(h, w):
    from pycocotools import mask as mask_utils

    m = np.zeros((h, w), np.uint8, order="F")
    m[10:20, 10:30] = 1
    r = mask_utils.encode(np.asfortranarray(m))
    return {"size": r["size"], "counts": r["counts"].decode()}


def test_rle_size_and_bbox_vs_segmentation(tmp_path):
    good = [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 10], "segmentation": rle(48, 64), "iscrowd": 1},
            {"id": 2, "image_id": 1, "category_id": 1, "bbox": [5, 5, 10, 10], "segmentation": [[5, 5, 15, 5, 15, 15, 5, 15]]}]
    assert not codes(audit(coco_ds(tmp_path / "g", good), select=["M"])[0], ("error", "warning"))
    bad = [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 10], "segmentation": rle(64, 48), "iscrowd": 1},
           {"id": 2, "image_id": 1, "category_id": 1, "bbox": [40, 30, 10, 10], "segmentation": [[5, 5, 15, 5, 15, 15, 5, 15]]}]
    found = codes(audit(coco_ds(tmp_path / "b", bad), select=["M"])[0])
    assert "annotation 1: RLE size 48×64" in found["M121"][0].message
    assert "annotation 2" in found["M122"][0].message
