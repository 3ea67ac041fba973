"""F.one_hot on masks that hold 255: 256 channels against 5 logits."""
import torch
import torch.nn.functional as F
from torch import nn


def make_model(num_classes: int = 5) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, num_classes, 1))


def make_loader(data, cfg):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(8, 3, 32, 32, generator=g)
    mask = torch.randint(0, 5, (8, 32, 32), generator=g)
    mask[:, 15:17] = 255                                         # VOC-style border
    y = F.one_hot(mask).permute(0, 3, 1, 2).float()              # the bug: width 256
    return [(x, y)]
