"""Issue 10 extras: augmentation variety across DataLoader workers and epochs (N111's
measurement), and the decoded batch the report shows (preflight.model.preview)."""

from __future__ import annotations

import base64
import random
from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import DataLoader, Dataset, IterableDataset  # noqa: E402

from preflight.model.augment import augmentation_variety  # noqa: E402
from preflight.model.config import InputSpec  # noqa: E402
from preflight.model.preview import batch_preview, pixel_decoder  # noqa: E402

pytestmark = pytest.mark.torch

MAX_CHANCE = 1e-3  # N111's threshold


# -- datasets written the ways users write them --------------------------------------------------
class _Pictures(Dataset):
    def __init__(self, n: int = 6) -> None:
        self.pics = np.random.default_rng(1).random((n, 3, 24, 24), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.pics)


class OwnGenerator(_Pictures):
    """The bug: a generator made in __init__, copied into every worker in one state."""

    def __init__(self, flip_only: bool = False) -> None:
        super().__init__()
        self.rng = np.random.default_rng(0)
        self.flip_only = flip_only

    def __getitem__(self, i):
        pic = self.pics[i]
        if self.flip_only:
            return torch.from_numpy(pic[:, :, ::-1].copy() if self.rng.random() < 0.5 else pic.copy()), 0
        y, x = self.rng.integers(0, 9, 2)
        return torch.from_numpy(pic[:, y:y + 16, x:x + 16].copy()), 0


class GlobalNumpy(_Pictures):
    def __getitem__(self, i):
        y, x = np.random.randint(0, 9, 2)
        return torch.from_numpy(self.pics[i, :, y:y + 16, x:x + 16].copy()), 0


class TorchRandom(_Pictures):
    def __init__(self, flip_only: bool = False) -> None:
        super().__init__()
        self.flip_only = flip_only

    def __getitem__(self, i):
        pic = torch.from_numpy(self.pics[i].copy())
        if self.flip_only:
            return (pic.flip(-1) if torch.rand(()) < 0.5 else pic), 0
        y, x = (int(v) for v in torch.randint(0, 9, (2,)))
        return pic[:, y:y + 16, x:x + 16], 0


class Fixed(_Pictures):
    def __getitem__(self, i):
        return torch.from_numpy(self.pics[i, :, 4:20, 4:20].copy()), 0


class Stream(IterableDataset):
    def __iter__(self):
        yield torch.zeros(3, 4, 4), 0


def seed_constant(worker_id: int) -> None:
    np.random.seed(42)
    random.seed(42)


def seed_by_worker_id(worker_id: int) -> None:
    np.random.seed(worker_id)


def _flags(m: dict) -> tuple[bool, bool]:
    return (m["same_across_workers"] and m["chance_workers"] < MAX_CHANCE,
            m["same_across_epochs"] and m["chance_epochs"] < MAX_CHANCE)


@pytest.mark.parametrize(("dataset", "kw", "expected"), [
    (OwnGenerator, {}, (True, True)),                                     # copied state, re-forked each epoch
    (OwnGenerator, {"persistent_workers": True}, (True, False)),          # copies still equal; epochs go on
    (OwnGenerator, {"num_workers": 0}, (False, False)),                   # one process: nothing is copied
    (GlobalNumpy, {"worker_init_fn": seed_constant}, (True, True)),
    (GlobalNumpy, {"worker_init_fn": seed_by_worker_id}, (False, True)),  # the classic: worker_id as the seed
    (GlobalNumpy, {}, (False, False)),                                    # torch seeds NumPy per worker and epoch
    (TorchRandom, {}, (False, False)),
])
def test_repeats_are_told_apart(dataset, kw, expected):
    kw = {"num_workers": 2, **kw}
    m = augmentation_variety(DataLoader(dataset(), batch_size=4, shuffle=True, **kw))
    assert m is not None and not m.get("skipped"), m
    assert m["random"] and m["workers"] == kw["num_workers"]
    assert _flags(m) == expected, m
    assert m["seconds"] < 10


def test_two_outcome_augmentation_is_judged_by_chance():
    """A flip alone has two outcomes: identical copies are still caught (16 coinciding draws,
    chance 0.5**16), and correctly seeded flips are not reported, over several seeds."""
    bad = augmentation_variety(DataLoader(OwnGenerator(flip_only=True), num_workers=2))
    assert _flags(bad) == (True, True), bad
    for seed in range(4):
        torch.manual_seed(seed)
        good = augmentation_variety(DataLoader(TorchRandom(flip_only=True), num_workers=2))
        assert good["random"] and _flags(good) == (False, False), good


def test_deterministic_and_unsupported_loaders_are_not_judged():
    m = augmentation_variety(DataLoader(Fixed(), num_workers=2))
    assert m["random"] is False and _flags(m) == (False, False)
    assert augmentation_variety([(torch.zeros(1), torch.zeros(1))]) is None
    assert "IterableDataset" in augmentation_variety(DataLoader(Stream(), num_workers=0))["skipped"]


def test_user_state_is_left_alone():
    ds = OwnGenerator()
    before = ds.rng.bit_generator.state
    np_state, torch_state, py_state = np.random.get_state()[1].copy(), torch.get_rng_state(), random.getstate()
    gen = torch.Generator().manual_seed(7)
    gen_state = gen.get_state()
    augmentation_variety(DataLoader(ds, num_workers=0, shuffle=True, generator=gen))
    augmentation_variety(DataLoader(ds, num_workers=2, shuffle=True, generator=gen))
    assert ds.rng.bit_generator.state == before
    assert (np.random.get_state()[1] == np_state).all()
    assert torch.equal(torch.get_rng_state(), torch_state) and random.getstate() == py_state
    assert torch.equal(gen.get_state(), gen_state)


class Broken(_Pictures):
    def __getitem__(self, i):
        raise RuntimeError("disk gone")


def test_a_failing_dataset_is_a_skip_not_a_crash():
    m = augmentation_variety(DataLoader(Broken(), num_workers=2))
    assert "disk gone" in m["skipped"]


# -- the decoded batch -----------------------------------------------------------------------
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]


def _pixels(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (2, 3, 20, 30)).astype(np.float32)


def test_declared_normalization_is_undone_exactly():
    raw = _pixels()
    x = [((p / 255 - IMAGENET_MEAN) / IMAGENET_STD) for p in raw]
    inp = InputSpec(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), given=frozenset({"mean", "std"}))
    decode, how = pixel_decoder(x, inp, default_loader=False)
    assert "undone" in how
    assert np.abs(decode(x[0]) - raw[0]).max() < 1e-3


def test_a_batch_scaled_twice_shows_as_the_flat_picture_it_is():
    """Normalized, then divided by 255 again (N103): undoing the declared numbers gives the
    mean colour with almost no contrast, which is what the model receives."""
    x = [((p / 255 - IMAGENET_MEAN) / IMAGENET_STD) / 255 for p in _pixels()]
    inp = InputSpec(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), given=frozenset({"mean", "std"}))
    decode, how = pixel_decoder(x, inp, default_loader=False)
    assert "undone" in how and decode(x[0]).std(axis=(1, 2)).max() < 1.0


def test_declared_numbers_that_do_not_fit_fall_back_and_say_so():
    """Raw 0-255 floats while model.yaml declares mean/std (N101/N102): undoing the declared
    numbers gives values far past 255, so the range decides, and the text says why."""
    x = list(_pixels())
    inp = InputSpec(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), given=frozenset({"mean", "std"}))
    decode, how = pixel_decoder(x, inp, default_loader=False)
    assert "not to 0-255" in how and "values in [0, 255]" in how
    assert np.abs(decode(x[0]) - x[0]).max() == 0


@pytest.mark.parametrize(("transform", "word"), [
    (lambda p: p / 255, "[0, 1]"),
    (lambda p: p, "[0, 255]"),
    (lambda p: p / 127.5 - 1, "[-1, 1]"),
    (lambda p: (p / 255 - IMAGENET_MEAN) / IMAGENET_STD, "ImageNet"),
    (lambda p: p * 1000 - 7, "stretched"),
])
def test_undeclared_scaling_is_read_from_the_range(transform, word):
    x = [transform(p) for p in _pixels()]
    decode, how = pixel_decoder(x, InputSpec(), default_loader=False)
    assert word in how, how
    if word != "stretched":
        assert np.abs(decode(x[0]) - _pixels()[0]).max() < 0.05


def _ctx(task, inputs, targets, names, *, channels="RGB", mean=None, std=None):
    given = frozenset(k for k, v in (("mean", mean), ("std", std)) if v is not None)
    cfg = SimpleNamespace(input=InputSpec(mean=mean, std=std, channels=channels, given=given))
    setup = SimpleNamespace(cfg=cfg, data=SimpleNamespace(names=names), loader=None)
    batch = len(inputs) if isinstance(inputs, list) else int(inputs.shape[0])
    return SimpleNamespace(synthetic=False, setup=setup, inputs=inputs, targets=targets, task=task,
                           observed_batch=batch, ignore_value=lambda: 255)


def _decoded(src: str) -> np.ndarray:
    import cv2

    assert src.startswith("data:image/jpeg;base64,")
    img = cv2.imdecode(np.frombuffer(base64.b64decode(src.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def test_detection_batch_has_boxes_and_names():
    x = [torch.full((3, 100, 200), 0.5), torch.full((3, 80, 80), 0.5)]
    y = [{"boxes": torch.tensor([[20.0, 10.0, 120.0, 90.0]]), "labels": torch.tensor([2])},
         {"boxes": torch.zeros(0, 4), "labels": torch.zeros(0, dtype=torch.int64)}]
    p = batch_preview(_ctx("detect", x, y, {0: "plane", 1: "ship"}))
    assert p["shown"] == 2 and "[0, 1]" in p["decode"]
    assert p["items"][0]["caption"] == "#0: 1 box (ship ×1)"
    assert p["items"][1]["caption"] == "#1: 0 boxes"
    img = _decoded(p["items"][0]["src"])
    assert max(img.shape[:2]) == 160
    grey = np.abs(img.astype(int) - 128).sum(axis=2)
    assert (grey > 120).sum() > 50  # the box and its label are drawn on the flat grey picture


def test_segmentation_batch_overlays_the_mask_and_names_classes():
    x = torch.full((2, 3, 32, 32), 0.5)
    y = torch.zeros(2, 32, 32, dtype=torch.int64)
    y[:, :16] = 1
    y[:, 16:18] = 255
    p = batch_preview(_ctx("segment", x, y, {0: "background", 1: "road"}))
    assert p["items"][0]["caption"] == "#0: road 50%, background 44%, ignore 6%"
    img = _decoded(p["items"][0]["src"])
    top, bottom = img[:70].reshape(-1, 3).mean(0), img[100:].reshape(-1, 3).mean(0)
    assert abs(bottom - 127).max() < 6  # background (0) keeps the picture
    assert bottom[1] - top[1] > 40  # class 1 painted in VOC dark red: less green on top


def test_classification_batch_bgr_is_swapped_and_named():
    x = torch.zeros(1, 3, 16, 16)
    x[:, 2] = 1.0  # channel 2 is red in BGR order
    p = batch_preview(_ctx("classify", x, torch.tensor([1]), {0: "cat", 1: "<dog>"}, channels="BGR"))
    assert p["items"][0]["caption"] == "#0: <dog> (1)"  # plain text here; the report escapes it
    img = _decoded(p["items"][0]["src"])
    assert img[..., 0].mean() > 200 and img[..., 2].mean() < 50


def test_synthetic_or_non_image_batches_show_nothing():
    ctx = _ctx("classify", torch.zeros(2, 3, 8, 8), torch.tensor([0, 1]), {})
    ctx.synthetic = True
    assert batch_preview(ctx) is None
    assert batch_preview(_ctx("classify", torch.zeros(2, 40), torch.tensor([0, 1]), {})) is None
