"""Binary segmentation head ending in nn.Sigmoid, trained with BCEWithLogitsLoss."""
import torch
from torch import nn


def make_model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 1, 1), nn.Sigmoid(),  # the bug: BCEWithLogitsLoss applies the sigmoid
    )


def make_loader(data, cfg):
    g = torch.Generator().manual_seed(0)
    for _ in range(2):
        x = torch.randn(8, 3, 32, 32, generator=g)
        y = (torch.rand(8, 1, 32, 32, generator=g) > 0.5).float()
        yield x, y
