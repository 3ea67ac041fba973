"""Random crops and flips from a NumPy generator created in the dataset's __init__: every
DataLoader worker gets a copy of it in the same state, in every epoch."""
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


class RandomCrops(Dataset):
    """16 synthetic 48x48 pictures, randomly cropped to 32x32 and flipped."""

    def __init__(self, n=16):
        pics = np.random.default_rng(1).integers(0, 256, (n, 3, 48, 48)).astype(np.float32) / 255
        self.pics = (pics - MEAN) / STD
        self.labels = np.arange(n) % 3
        self.rng = np.random.default_rng(0)  # the bug: one state, copied into every worker

    def __len__(self):
        return len(self.pics)

    def __getitem__(self, i):
        y, x = self.rng.integers(0, 17, 2)
        crop = self.pics[i, :, y:y + 32, x:x + 32]
        if self.rng.random() < 0.5:
            crop = crop[:, :, ::-1]
        return torch.from_numpy(crop.copy()), int(self.labels[i])


def make_loader(data, cfg):
    return DataLoader(RandomCrops(), batch_size=8, shuffle=True, num_workers=2)
