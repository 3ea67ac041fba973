"""Hidden layers filled with one constant: every unit identical forever."""
from torch import nn


def make_model(num_classes: int = 3) -> nn.Module:
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, num_classes),
    )
    nn.init.constant_(model[5].weight, 0.05)   # the bug
    return model
