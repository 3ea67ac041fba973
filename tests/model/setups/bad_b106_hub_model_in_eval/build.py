"""A model handed over in eval mode, as hub loaders and checkpoints often return it."""
import torch
import torchvision


def make_setup(cfg):
    model = torchvision.models.mobilenet_v3_small(num_classes=3)   # has Dropout and BatchNorm
    model.eval()                                                      # "loaded from a hub"
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return {"model": model, "optimizer": optimizer}
