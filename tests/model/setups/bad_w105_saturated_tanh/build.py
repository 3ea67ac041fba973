"""tanh after a layer initialized with std 1 on 512 inputs: pre-activations of std ~20."""
from torch import nn


def make_model(num_classes: int = 3) -> nn.Module:
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
        nn.Linear(512, 128), nn.Tanh(), nn.Linear(128, num_classes),
    )
    nn.init.normal_(model[5].weight, std=1.0)  # the bug
    return model
