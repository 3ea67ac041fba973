"""Class ids 1..C (as written in a 1-based CSV) for a C-output model."""
import torch
from torch import nn


def make_model(num_classes: int = 3) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, num_classes))


def make_loader(data, cfg):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(8, 3, 32, 32, generator=g)
    y = torch.tensor([1, 2, 3, 1, 2, 3, 1, 2])                  # the bug: 3 is out of range
    return [(x, y)]
