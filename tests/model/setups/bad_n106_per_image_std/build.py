"""Per-image standardization: a blank image has std 0 and becomes NaN."""
import torch
from torch import nn


def make_model(num_classes: int = 3) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, num_classes))


def make_loader(data, cfg):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(8, 3, 32, 32, generator=g)
    x[3] = 0.0                                                   # a blank frame
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    std = x.std(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) / std                                         # the bug: 0 / 0 = NaN
    return [(x, torch.randint(0, 3, (8,), generator=g))]
