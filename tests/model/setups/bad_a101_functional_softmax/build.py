"""F.softmax inside forward: invisible in the module graph, visible in the numbers."""
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self, num_classes: int = 3) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        return F.softmax(self.fc(self.body(x)), dim=1)  # the bug


def make_model(num_classes: int = 3) -> nn.Module:
    return Net(num_classes)
