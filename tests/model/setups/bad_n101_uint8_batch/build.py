"""The loader hands uint8 images to the model (no float conversion, no /255)."""
import cv2
import numpy as np
import torch
from torch import nn

from preflight.model.batch import list_images


def make_model(num_classes: int = 3) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, num_classes))


def make_loader(data, cfg):
    paths = list_images(data, "train")[:8]
    imgs = [cv2.cvtColor(cv2.resize(cv2.imread(str(p)), (32, 32)), cv2.COLOR_BGR2RGB) for p in paths]
    x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2)          # uint8: the bug
    y = torch.tensor([data.names and list(data.names.values()).index(p.parent.name) for p in paths])
    return [(x, y)]
