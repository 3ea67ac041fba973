"""The frozen stem's BatchNorms stay in eval mode because the model's train() keeps them
there (mmcv's norm_eval pattern)."""
import torch
import torchvision
from torch import nn

FROZEN = ("conv1.", "bn1.", "layer1.")


class FrozenStemResNet(torchvision.models.ResNet):
    def train(self, mode=True):
        super().train(mode)
        for name, m in self.named_modules():
            if isinstance(m, nn.BatchNorm2d) and name.startswith(tuple(f[:-1] for f in FROZEN)):
                m.eval()
        return self


def make_setup(cfg):
    model = FrozenStemResNet(torchvision.models.resnet.BasicBlock, [2, 2, 2, 2], num_classes=3)
    for name, p in model.named_parameters():
        if name.startswith(FROZEN):
            p.requires_grad = False
    model.train()
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01, momentum=0.9)
    return {"model": model, "optimizer": optimizer}
