"""A hidden layer whose bias starts at -10: every ReLU after it is dead."""
from torch import nn


def make_model(num_classes: int = 3) -> nn.Module:
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, num_classes),
    )
    nn.init.constant_(model[5].bias, -10.0)    # the bug
    return model
