"""A deep tanh MLP initialized with std 0.01: the signal shrinks ~6x per layer."""
import torch
from torch import nn


def make_model(num_classes: int = 3, depth: int = 10) -> nn.Module:
    layers: list[nn.Module] = [nn.Flatten(), nn.Linear(3 * 16 * 16, 256), nn.Tanh()]
    for _ in range(depth):
        layers += [nn.Linear(256, 256), nn.Tanh()]
    layers.append(nn.Linear(256, num_classes))
    model = nn.Sequential(*layers)
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.01)  # the bug
            nn.init.zeros_(m.bias)
    return model


def make_loader(data, cfg):
    g = torch.Generator().manual_seed(0)
    return [(torch.randn(8, 3, 16, 16, generator=g), torch.randint(0, 3, (8,), generator=g))]
