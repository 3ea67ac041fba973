"""The last bias favours class 0 by +12: the model starts confidently wrong."""
import torch
from torch import nn


def make_model(num_classes: int = 3) -> nn.Module:
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, num_classes),
    )
    with torch.no_grad():
        model[5].bias.copy_(torch.tensor([12.0] + [0.0] * (num_classes - 1)))   # the bug
    return model
