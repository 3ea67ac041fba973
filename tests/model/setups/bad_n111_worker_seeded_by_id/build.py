"""NumPy's global generator re-seeded with the worker id in worker_init_fn: the workers
differ, but every epoch replays the augmentations of the first."""
import random

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


def tiny_cnn(num_classes=3):
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, num_classes))


MEAN = np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]
STD = np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]


class GlobalCrops(Dataset):
    """16 synthetic 48x48 pictures, randomly cropped to 32x32 and flipped with np.random
    (which PyTorch seeds per worker and per epoch by itself)."""

    def __init__(self, n=16):
        pics = np.random.default_rng(1).integers(0, 256, (n, 3, 48, 48)).astype(np.float32) / 255
        self.pics = (pics - MEAN) / STD
        self.labels = np.arange(n) % 3

    def __len__(self):
        return len(self.pics)

    def __getitem__(self, i):
        y, x = np.random.randint(0, 17, 2)
        crop = self.pics[i, :, y:y + 32, x:x + 32]
        if np.random.rand() < 0.5:
            crop = crop[:, :, ::-1]
        return torch.from_numpy(crop.copy()), int(self.labels[i])


def seed_by_worker_id(worker_id):
    np.random.seed(worker_id)  # the bug: throws torch's per-epoch seed away, same seeds every epoch
    random.seed(worker_id)


def make_loader(data, cfg):
    return DataLoader(GlobalCrops(), batch_size=8, shuffle=True, num_workers=2, worker_init_fn=seed_by_worker_id)
