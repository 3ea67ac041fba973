"""Real VOC masks broken the way pipelines break them, each caught by its code (and only then)."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from maskkit import VOC_NAMES, audit, codes, palette_png, png_bytes, real_pairs, write_dataset
from PIL import Image

pytestmark = pytest.mark.shared_data


def build(tmp_path, transform, **kw):
    """Both clean VOC pairs, masks passed through transform(indices, mask image) -> PNG bytes."""
    pairs = {f"p{i}": (img, transform(a, m)) for i, (a, img, m) in enumerate(real_pairs())}
    return write_dataset(tmp_path / "ds", {"train": pairs}, **kw)


def test_untouched_copy_is_clean(tmp_path):
    result, _ = audit(build(tmp_path, lambda a, m: png_bytes(m)))
    assert not codes(result, ("error", "warning"))


def test_bilinear_resize(tmp_path):
    def resize(a, m):
        h, w = a.shape
        return palette_png(cv2.resize(cv2.resize(a, (w // 2, h // 2), interpolation=cv2.INTER_LINEAR), (w, h),
                                      interpolation=cv2.INTER_LINEAR))

    found = codes(audit(build(tmp_path, resize))[0])
    assert found["M113"][0].count == 2
    assert "M105" in found  # values between 0 and 255 (e.g. 128) are no class id either
    nearest = codes(audit(build(tmp_path / "n", lambda a, m: palette_png(
        cv2.resize(cv2.resize(a, (a.shape[1] // 2, a.shape[0] // 2), interpolation=cv2.INTER_NEAREST),
                   (a.shape[1], a.shape[0]), interpolation=cv2.INTER_NEAREST))))[0], ("error", "warning"))
    assert "M113" not in nearest and "M105" not in nearest


def test_jpeg_save(tmp_path):
    def jpeg(a, m):
        buf = io.BytesIO()
        Image.fromarray(a).save(buf, "JPEG", quality=90)
        return buf.getvalue()

    found = codes(audit(build(tmp_path, jpeg))[0])  # JPEG bytes under a .png name
    assert found["M109"][0].count == 2 and "JPEG bytes in a .png file" in found["M109"][0].message
    assert "M113" not in found  # ringing is reported once, as JPEG


def test_binarized_0_255_in_two_classes(tmp_path):
    binary = lambda a, m: png_bytes(Image.fromarray(np.where((a > 0) & (a < 255), 255, 0).astype(np.uint8)))  # noqa: E731
    found = codes(audit(build(tmp_path, binary, names=["background", "object"]))[0])
    assert found["M108"][0].count == 2 and found["M108"][0].severity.value == "error"
    assert "M105" not in found and "M107" not in found  # one diagnosis, not three
    ids = lambda a, m: png_bytes(Image.fromarray(((a > 0) & (a < 255)).astype(np.uint8)))  # noqa: E731
    ok = codes(audit(build(tmp_path / "ok", ids, names=["background", "object"]))[0], ("error", "warning"))
    assert not ok


def test_rgb_conversion_of_voc_palette(tmp_path):
    result, ctx = audit(build(tmp_path, lambda a, m: png_bytes(m.convert("RGB"))))
    found = codes(result)
    assert found["M110"][0].count == 2 and "VOC palette" in found["M110"][0].message
    # mapped back through the palette: the class histogram is the original one
    assert found["M117"][0].data["histogram"]["train"] == {"background": 129545 + 143868, "aeroplane": 4734 + 30937, "person": 866}


def test_rgb_mask_with_other_colours(tmp_path):
    def colours(a, m):
        rgb = np.zeros(a.shape + (3,), np.uint8)
        rgb[a == 1] = (10, 200, 30)
        rgb[a == 15] = (250, 20, 20)
        return png_bytes(Image.fromarray(rgb, "RGB"))

    found = codes(audit(build(tmp_path, colours))[0])
    assert "not the VOC palette" in found["M110"][0].message


def test_onehot_with_ignore_channel_then_argmax(tmp_path):
    def onehot(a, m):
        t = np.where(a == 255, 21, a)  # ignore as a 22nd channel
        oh = np.eye(22, dtype=np.uint8)[t]
        return png_bytes(Image.fromarray(oh.argmax(-1).astype(np.uint8)))

    found = codes(audit(build(tmp_path, onehot, ignore_index=255))[0])
    m105 = found["M105"][0]
    assert m105.severity.value == "error" and m105.count == 2 and "21" in m105.message


def test_reduce_zero_label_baked_in(tmp_path):
    def reduce_zero(a, m):
        out = a.astype(np.int16) - 1
        out[a == 0] = 255
        out[a == 255] = 255
        return png_bytes(Image.fromarray(out.astype(np.uint8)))

    found = codes(audit(build(tmp_path, reduce_zero))[0])
    assert "M116" in found and "reduce_zero_label" in found["M116"][0].message
    assert "M115" in found  # and most of every image is now ignore


def test_one_based_ids(tmp_path):
    # ADE20K-style: 0 = unlabelled, classes 1..nc: VOC ids + 1, void as 0
    shifted = lambda a, m: png_bytes(Image.fromarray(np.where(a == 255, 0, a + 1).astype(np.uint8)))  # noqa: E731
    found = codes(audit(build(tmp_path, shifted, names=VOC_NAMES[:16]))[0])
    assert any("1-based" in f.message for f in found["M116"])


def test_16_bit(tmp_path):
    found = codes(audit(build(tmp_path, lambda a, m: png_bytes(Image.fromarray(a.astype(np.uint16)))))[0])
    assert found["M112"][0].count == 2 and "fits 8 bits" in found["M112"][0].message
    assert "M105" not in found  # the values themselves are right


def test_alpha_channel(tmp_path):
    def la(a, m):
        alpha = np.where(a == 0, 0, 255).astype(np.uint8)
        return png_bytes(Image.fromarray(np.dstack([a, alpha]), "LA"))

    found = codes(audit(build(tmp_path, la))[0])
    assert found["M111"][0].count == 2 and "alpha varies" in found["M111"][0].message


def test_ignore_index_other_than_255(tmp_path):
    found = codes(audit(build(tmp_path, lambda a, m: png_bytes(m), ignore_index=0))[0])
    assert found["M107"][0].count == 2 and "M105" not in found


def test_all_ignore_and_mostly_ignore(tmp_path):
    def ignore(a, m):
        return png_bytes(Image.fromarray(np.full_like(a, 255)))

    assert codes(audit(build(tmp_path, ignore))[0])["M114"][0].count == 2

    def mostly(a, m):
        b = a.copy()
        b[: int(a.shape[0] * 0.8)] = 255
        return png_bytes(Image.fromarray(b))

    found = codes(audit(build(tmp_path / "m", mostly))[0])
    assert found["M115"][0].count == 2 and "M114" not in found


def test_value_missing_from_names(tmp_path):
    names = {i: n for i, n in enumerate(VOC_NAMES) if i != 1}  # aeroplane (1) removed, ids kept
    found = codes(audit(build(tmp_path, lambda a, m: png_bytes(m), names=names))[0])
    assert found["M120"][0].count == 2 and "M105" not in found


def test_background_dominance(tmp_path):
    def tiny(a, m):
        b = np.zeros_like(a)
        b[:4, :4] = 15
        return png_bytes(Image.fromarray(b))

    found = codes(audit(build(tmp_path, tiny))[0])
    assert found["M119"][0].severity.value == "warning"
    assert "M118" in found  # 20 classes never present


def test_missing_pairs_are_m_codes_not_d_codes(tmp_path):
    (a, img, m), (b, img2, m2) = real_pairs()
    ds = write_dataset(tmp_path / "ds", {"train": {"a": (img, None), "b": (None, png_bytes(m2)), "c": (img, png_bytes(m))}})
    found = codes(audit(ds)[0])
    assert found["M102"][0].path == "images/train/a.jpg"
    assert found["M101"][0].path == "masks/train/b.png"
    assert "D112" not in found and "D113" not in found


def test_size_mismatch_after_exif(tmp_path):
    (a, img, m), _ = real_pairs()
    exif = Image.Exif()
    exif[0x0112] = 6  # displayed rotated by 90°: the stored 500×281 shows as 281×500
    buf = io.BytesIO()
    Image.open(io.BytesIO(img)).save(buf, "JPEG", exif=exif.tobytes())
    ds = write_dataset(tmp_path / "ds", {"train": {"a": (buf.getvalue(), png_bytes(m))}})
    m103 = codes(audit(ds)[0])["M103"][0]
    assert "EXIF" in m103.message and "orientation 6" in m103.message


def test_mask_from_another_picture(tmp_path):
    """The clean pairs with their masks turned upside down / swapped: the boundaries miss the edges."""
    pairs = real_pairs()
    flipped = {f"p{i}": (img, png_bytes(Image.fromarray(np.ascontiguousarray(a[::-1, ::-1])))) for i, (a, img, m) in enumerate(pairs)}
    found = codes(audit(write_dataset(tmp_path / "f", {"train": flipped}))[0])
    assert found["M104"][0].count == 2 and found["M104"][0].severity.value == "error"
    true = {f"p{i}": (img, png_bytes(m)) for i, (a, img, m) in enumerate(pairs)}
    assert "M104" not in codes(audit(write_dataset(tmp_path / "t", {"train": true}))[0])


def test_salt_and_pepper_speckle(tmp_path):
    """Pseudo-labels: 3 % of the pixels flipped to a random class of the mask, one pixel each (M123)."""

    def speckle(a, m):
        rng = np.random.default_rng(0)
        b = a.copy()
        flip = rng.random(a.shape) < 0.03
        present = np.unique(a[a != 255])
        b[flip] = rng.choice(present, size=int(flip.sum()))
        return palette_png(b)

    found = codes(audit(build(tmp_path, speckle, names=VOC_NAMES))[0])
    assert found["M123"][0].count == 2, found.get("M123")
    assert "M113" not in found  # no interpolation, no ramp: one diagnosis
    # a morphological opening per class (the fix) leaves it silent
    def cleaned(a, m):
        b = speckle(a, m)
        arr = np.asarray(Image.open(io.BytesIO(b)))
        return palette_png(cv2.medianBlur(arr, 5))

    ok = codes(audit(build(tmp_path / "ok", cleaned, names=VOC_NAMES))[0])
    assert "M123" not in ok
