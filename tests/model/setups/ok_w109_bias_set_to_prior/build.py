"""90 % of the labels are class 0; the head's bias is the default (about zero)."""
import torch
from torch import nn


def tiny_cnn(num_classes=3):
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, num_classes))


def loader(data_cfg, model_cfg):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(50, 3, 16, 16, generator=g)
    y = torch.tensor([0] * 45 + [1] * 4 + [2] * 1)
    return [(x, y)]


def tiny_cnn_with_prior(num_classes=3):
    model = tiny_cnn(num_classes)
    with torch.no_grad():
        model[-1].bias.copy_(torch.log(torch.tensor([0.90, 0.08, 0.02])))
    return model
