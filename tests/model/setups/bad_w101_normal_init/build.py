"""An MLP head initialized with nn.init.normal_ (std 1) instead of a fan-in scaled init."""
from torch import nn


def make_model(num_classes: int = 3) -> nn.Module:
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
        nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, num_classes),
    )
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight)          # the bug: std 1 for fan_in 512/256
    return model
