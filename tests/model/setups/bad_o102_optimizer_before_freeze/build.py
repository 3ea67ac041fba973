"""The optimizer is built over every parameter, then the backbone is frozen."""
import torch
import torchvision
from torch import nn


def make_setup(cfg):
    model = torchvision.models.resnet18(weights=None, num_classes=3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    for name, p in model.named_parameters():
        if not name.startswith("fc."):
            p.requires_grad_(False)                   # the bug: frozen after the optimizer
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
    return {"model": model, "optimizer": optimizer}
