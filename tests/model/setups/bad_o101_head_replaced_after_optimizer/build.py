"""The optimizer is built, then the classifier head is replaced: the new head never trains."""
import torch
import torchvision
from torch import nn


def make_setup(cfg):
    model = torchvision.models.resnet18(weights=None)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.fc = nn.Linear(512, 3)                      # the bug: after the optimizer
    return {"model": model, "optimizer": optimizer}
