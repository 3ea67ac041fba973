"""An auxiliary head built in __init__ but never used by forward."""
from torch import nn


class Net(nn.Module):
    def __init__(self, num_classes: int = 3) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(16, num_classes)
        self.aux_head = nn.Linear(16, num_classes)     # the bug: never called

    def forward(self, x):
        return self.head(self.body(x))


def make_model(num_classes: int = 3) -> nn.Module:
    return Net(num_classes)
