"""Structured fuzzing with hypothesis: generated YOLO lines, VOC xml, COCO json, data.yaml and
mask PNGs through the readers and ``audit_data``. The readers must return facts for anything
(fuzz_harness.check_reader); a data.yaml is either loaded or a ConfigError; an audit of a
generated dataset ends with a result. The short run here is bounded (a few hundred examples per
target, under a minute in all); ``FUZZ_EXAMPLES=N`` scales every target for the long run
(``make fuzz``)."""

from __future__ import annotations

import io
import json
import math
import os

import numpy as np
import pytest
import yaml
from fuzz_harness import check_reader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SCALE = int(os.environ.get("FUZZ_EXAMPLES", "0"))


def budget(n: int):
    return settings(max_examples=SCALE or n, deadline=None, derandomize=not SCALE,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


# --------------------------------------------------------------------------------- strategies

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=-2, max_value=2).map(lambda v: f"{v:.6g}"),
    st.integers(-5, 100).map(str),
    st.sampled_from(["-0", "1e308", "-1e308", "1e400", "nan", "inf", "-inf", "0x10", "1_0", "٣", "+.5", "5.", "",
                     "NaN", "Infinity", "1e-400", "99999999999999999999999999"]),
)
TOKEN = st.one_of(NUMBERS, st.text(max_size=6))
SEP = st.sampled_from([" ", "  ", "\t", " \u00a0", "\x0b", ","])
LINE = st.lists(TOKEN, min_size=0, max_size=12).flatmap(
    lambda toks: SEP.map(lambda s: s.join(toks)))
EOL = st.sampled_from(["\n", "\r\n", "\r", "\x85", "\u2028", ""])
LABEL_TEXT = st.lists(st.tuples(LINE, EOL), max_size=8).map(lambda ls: "".join(a + b for a, b in ls))
ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"])

XML_TEXT = st.one_of(NUMBERS, st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<&\x00"),
                                      max_size=10))


@st.composite
def voc_xml(draw) -> bytes:
    def el(tag: str, body: str) -> str:
        return "" if draw(st.integers(0, 9)) == 0 else f"<{tag}>{body}</{tag}>"

    size = el("size", "".join(el(k, draw(XML_TEXT)) for k in ("width", "height", "depth")))
    objects = ""
    for _ in range(draw(st.integers(0, 4))):
        box = el("bndbox", "".join(el(k, draw(XML_TEXT)) for k in ("xmin", "ymin", "xmax", "ymax")))
        objects += el("object", el("name", draw(XML_TEXT)) + box + el("difficult", draw(XML_TEXT)))
    root = draw(st.sampled_from(["annotation", "annotation", "annotation", "Annotation", "x"]))
    doc = f"<{root}>{el('filename', draw(XML_TEXT))}{size}{objects}</{root}>"
    cut = draw(st.one_of(st.none(), st.integers(0, len(doc))))
    return (doc if cut is None else doc[:cut]).encode("utf-8", "surrogatepass")


COCO_KEYS = ["images", "annotations", "categories", "id", "image_id", "category_id", "bbox", "segmentation",
             "file_name", "width", "height", "name", "counts", "size", "area", "iscrowd"]
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
                      st.text(max_size=8), st.sampled_from([1e308, -0.0, 0, 1, 24, 32]))
JSON = st.recursive(JSON_LEAF, lambda kids: st.one_of(st.lists(kids, max_size=5),
                                                      st.dictionaries(st.sampled_from(COCO_KEYS), kids, max_size=6)),
                    max_leaves=40)


@st.composite
def coco_doc(draw) -> bytes:
    def entries(keys: list[str]):
        return draw(st.lists(st.one_of(st.fixed_dictionaries({k: JSON_LEAF for k in keys}), JSON), max_size=4))

    doc = {"images": entries(["id", "file_name", "width", "height"]),
           "categories": entries(["id", "name"]),
           "annotations": entries(["id", "image_id", "category_id", "bbox"])}
    for ann in doc["annotations"]:
        if isinstance(ann, dict) and draw(st.booleans()):
            ann["segmentation"] = draw(st.one_of(
                st.lists(st.lists(st.one_of(st.floats(-1e3, 1e3), st.sampled_from([1e308, math.inf])), max_size=10), max_size=3),
                st.fixed_dictionaries({"counts": st.one_of(st.lists(st.integers(-5, 1000), max_size=8), st.text(max_size=8)),
                                       "size": st.lists(st.integers(-2, 64), min_size=0, max_size=3)}),
                JSON))
    for key in draw(st.lists(st.sampled_from(list(doc)), max_size=2)):
        doc[key] = draw(JSON)
    return json.dumps(doc, allow_nan=True).encode()


CONFIG_KEYS = ["path", "train", "val", "test", "validation", "names", "nc", "format", "task", "annotations",
               "masks", "ignore_index", "download"]
YAML_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-3, 300), st.floats(allow_nan=True),
                      st.sampled_from(["images/train", "images/val", "", ".", "/", "../../..", "a b", "yolo", "voc", "coco",
                                       "mask", "detect", "segment", "C:\\data\\x", "~", "x\x00y"]),
                      st.text(max_size=6))
YAML_VALUE = st.recursive(YAML_LEAF, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                            st.dictionaries(st.one_of(st.integers(-1, 5), st.text(max_size=4),
                                                                                      st.sampled_from(["train", "val"])),
                                                                            kids, max_size=4)), max_leaves=12)


@st.composite
def mask_png(draw) -> bytes:
    from PIL import Image

    h, w = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    kind = draw(st.sampled_from(["L", "P", "I;16", "RGB", "RGBA", "LA", "1"]))
    values = draw(st.sampled_from([[0, 1], [0, 255], [0, 1, 2, 255], list(range(256)), [0, 300, 65535]]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    arr = rng.choice(values, size=(h, w))
    if kind in ("RGB", "RGBA"):
        img = Image.fromarray(np.stack([arr.astype(np.uint8)] * (3 if kind == "RGB" else 4), -1), kind)
    elif kind == "I;16":
        img = Image.fromarray(arr.astype(np.uint16))
    else:
        img = Image.fromarray(arr.astype(np.uint8)).convert(kind)
    buf = io.BytesIO()
    fmt = draw(st.sampled_from(["PNG", "PNG", "PNG", "JPEG", "BMP"]))
    try:
        img.save(buf, fmt)
    except (OSError, ValueError, KeyError):  # this mode cannot be written in this format
        img.convert("L").save(buf, "PNG")
    data = buf.getvalue()
    cut = draw(st.one_of(st.none(), st.none(), st.integers(0, len(data))))
    return data if cut is None else data[:cut]


# ------------------------------------------------------------------------------------ targets

@budget(300)
@given(text=LABEL_TEXT, encoding=ENCODING)
def test_fuzz_yolo_label_files(text, encoding):
    data = text.encode(encoding, "replace")
    facts = check_reader("yolo", data)
    if facts.error is None:  # every kept row is finite and has 4 box values
        assert facts.annotations.box.shape[1] == 4
        assert len(facts.annotations.cls) == len(facts.annotations.box) == len(facts.annotations.line)


@budget(200)
@given(doc=voc_xml())
def test_fuzz_voc_xml(doc):
    facts = check_reader("voc", doc)
    if facts.error is None and facts.annotations is not None:
        assert np.isfinite(facts.annotations.box).all()


@budget(200)
@given(doc=coco_doc())
def test_fuzz_coco_json(doc):
    facts = check_reader("coco", doc)
    for ann in facts.annotations.values():
        assert np.isfinite(ann.box).all()


@budget(150)
@given(png=mask_png(), deep=st.booleans())
def test_fuzz_masks_and_images(png, deep):
    check_reader("mask", png, deep)
    check_reader("image", png, deep)
    check_reader("edges", png)


@budget(300)
@given(raw=st.binary(max_size=300), kind=st.sampled_from(["yolo", "voc", "coco", "image", "mask"]), deep=st.booleans())
def test_fuzz_raw_bytes(raw, kind, deep):
    check_reader(kind, raw, deep)


@budget(200)
@given(doc=st.dictionaries(st.sampled_from(CONFIG_KEYS), YAML_VALUE, max_size=8))
def test_fuzz_data_yaml(tmp_path_factory, doc):
    from preflight.config import load_data_config
    from preflight.errors import ConfigError

    folder = tmp_path_factory.mktemp("cfg")
    (folder / "images" / "train").mkdir(parents=True)
    f = folder / "data.yaml"
    try:
        text = yaml.safe_dump(doc, allow_unicode=True)
    except yaml.YAMLError:
        return
    f.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        cfg = load_data_config(f)
    except ConfigError as exc:
        assert "\n" not in str(exc).strip()
        return
    assert cfg.splits and isinstance(cfg.names, dict)


@pytest.mark.slow
@budget(25)
@given(labels=st.lists(LABEL_TEXT, min_size=1, max_size=3), names=st.lists(st.text(max_size=5), min_size=1, max_size=4),
       deep=st.booleans())
def test_fuzz_audit_data(tmp_path_factory, labels, names, deep):
    """Whole audits of generated datasets: a result, JSON that serializes, nothing written."""
    from casekit import build_dataset, tree_hash

    from preflight.engine import audit_data

    spec = {"data": {"names": names}, "files": {}}
    for i, text in enumerate(labels):
        spec["files"][f"images/train/{i}.jpg"] = {"image": [40, 30], "seed": i}
        spec["files"][f"labels/train/{i}.txt"] = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    data = build_dataset(tmp_path_factory.mktemp("ds"), spec)
    before = tree_hash(data.parent)
    result, _ = audit_data(data, jobs=1, use_cache=False, deep=deep)
    json.dumps(result.to_json(), default=str)
    assert tree_hash(data.parent) == before
