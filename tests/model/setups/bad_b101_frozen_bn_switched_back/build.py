"""The frozen stem's BatchNorms are put in eval mode once, before the loop; the loop's
model.train() switches them back to train mode."""
import torch
import torchvision


def make_setup(cfg):
    model = torchvision.models.resnet18(num_classes=3)
    for name, p in model.named_parameters():
        if name.startswith(("conv1.", "bn1.", "layer1.")):
            p.requires_grad = False
    model.bn1.eval()
    model.layer1.eval()
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01, momentum=0.9)
    return {"model": model, "optimizer": optimizer}
