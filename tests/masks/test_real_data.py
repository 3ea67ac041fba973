"""The M checks on the real VOC masks of ../shared/data/voc_masks (read-only: proven by a tree hash)."""

from __future__ import annotations

import pytest
from maskkit import audit, codes, tree_hash

pytestmark = pytest.mark.shared_data

CE = {"task": "segment", "loss": {"factory": "torch.nn:CrossEntropyLoss"}}
CE_255 = {"task": "segment", "loss": {"factory": "torch.nn:CrossEntropyLoss", "kwargs": {"ignore_index": 255}}}


def test_resized_jpgs_sizes_and_foreign_masks(voc):
    before = tree_hash(voc)
    result, _ = audit(voc / "voc2012_resized_jpgs" / "data.yaml")
    found = codes(result)
    assert [f.count for f in found["M103"]] == [54]  # every pair: mask VOC-size, image 640×480
    assert all(f.severity.value == "error" for f in found["M103"])
    m104 = found["M104"]
    assert len(m104) == 1 and m104[0].severity.value == "error"
    assert m104[0].data["scored"] == 54 and m104[0].count > 27  # most pairs, not a stray one
    # 255 borders with ignore_index 255: accepted
    assert "M105" not in found and "M107" not in found and "M114" not in found
    assert tree_hash(voc) == before


@pytest.mark.parametrize("name", ["voc2012_clean", "labelme_export"])
def test_clean_pairs_have_no_mask_problems(voc, name):
    before = tree_hash(voc)
    result, ctx = audit(voc / name / "data.yaml")
    bad = {c: [f.message for f in fs] for c, fs in codes(result, ("error", "warning")).items()}
    assert not bad, bad
    assert "M104" not in codes(result)
    assert ctx.masks and all(f.error is None for f in ctx.masks.values())
    assert tree_hash(voc) == before


def test_labelme_palette_variant_equals_grey(voc, tmp_path):
    """SegmentationClassPNG (mode P) and SegmentationClass (mode L) hold the same labels."""
    import yaml

    root = voc / "labelme_export"
    cfg = yaml.safe_load((root / "data.yaml").read_text())
    cfg.update(path=str(root), masks={"train": "SegmentationClassPNG", "val": "SegmentationClassPNG"})
    (tmp_path / "data.yaml").write_text(yaml.safe_dump(cfg))
    palette, ctx_p = audit(tmp_path / "data.yaml")
    grey, ctx_g = audit(root / "data.yaml")
    assert not codes(palette, ("error", "warning"))
    hist = lambda ctx: sorted((p.rsplit("/", 1)[-1], tuple(f.values), tuple(f.counts)) for p, f in ctx.masks.items())  # noqa: E731
    assert hist(ctx_p) == hist(ctx_g)
    assert {f.mode for f in ctx_p.masks.values()} == {"P"} and {f.mode for f in ctx_g.masks.values()} == {"L"}


def test_255_borders_need_ignore_index_in_the_loss(voc, tmp_path):
    import yaml

    data = voc / "voc2012_clean" / "data.yaml"
    cfg = yaml.safe_load(data.read_text())
    cfg["path"] = str(data.parent)  # a copy of data.yaml beside model.yaml, pointing at the real folder
    (tmp_path / "data.yaml").write_text(yaml.safe_dump(cfg))
    without, _ = audit(tmp_path / "data.yaml", model=CE)
    with_ignore, _ = audit(tmp_path / "data.yaml", model=CE_255)
    m201 = codes(without).get("M201")
    assert m201 and m201[0].severity.value == "error" and "255" in m201[0].message
    assert "M201" not in codes(with_ignore) and "M202" not in codes(with_ignore)


def test_class_histogram_matches_the_pixels(voc):
    result, _ = audit(voc / "voc2012_clean" / "data.yaml")
    m117 = codes(result)["M117"][0]
    # 2007_000032: 0 129545, 1 4734, 15 866; 2007_000033: 0 143868, 1 30937 (ignore 255 left out)
    assert m117.data["histogram"]["val"] == {"background": 129545 + 143868, "aeroplane": 4734 + 30937, "person": 866}
    assert m117.data["ignore_pixels"]["val"] == 5355 + 8195
