"""Masks keep a channel dimension: [B, 1, H, W] into CrossEntropyLoss."""
import torch
from torch import nn


def make_model(num_classes: int = 5) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, num_classes, 1))


def make_loader(data, cfg):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(8, 3, 32, 32, generator=g)
    y = torch.randint(0, 5, (8, 1, 32, 32), generator=g)         # the bug: the extra 1
    return [(x, y)]
