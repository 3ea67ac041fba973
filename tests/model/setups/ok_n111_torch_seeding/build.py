"""Random crops and flips with torchvision's transforms (torch's generator): PyTorch seeds it
per worker and per epoch, so every worker and every epoch draws new augmentations."""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import v2


def tiny_cnn(num_classes=3):
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, num_classes))


class TorchCrops(Dataset):
    def __init__(self, n=16):
        self.pics = torch.from_numpy(np.random.default_rng(1).integers(0, 256, (n, 3, 48, 48), dtype=np.uint8))
        self.labels = np.arange(n) % 3
        self.transform = v2.Compose([
            v2.RandomCrop(32), v2.RandomHorizontalFlip(), v2.ToDtype(torch.float32, scale=True),
            v2.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ])

    def __len__(self):
        return len(self.pics)

    def __getitem__(self, i):
        return self.transform(self.pics[i]), int(self.labels[i])


def make_loader(data, cfg):
    return DataLoader(TorchCrops(), batch_size=8, shuffle=True, num_workers=2)
