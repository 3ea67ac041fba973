"""A head that outputs at stride 4 while the masks are full size."""
import torch
from torch import nn


def make_model(num_classes: int = 5) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                         nn.Conv2d(16, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                         nn.Conv2d(16, num_classes, 1))          # the bug: no upsampling


def make_loader(data, cfg):
    g = torch.Generator().manual_seed(0)
    return [(torch.randn(8, 3, 32, 32, generator=g), torch.randint(0, 5, (8, 32, 32), generator=g))]
