"""Small models and data shared by the fine-tuning tests."""

import torch
from torch import nn


class TinyCNN(nn.Module):
    """conv -> bn -> conv -> linear head: four layer groups (stem, norm, block, head)."""

    def __init__(self, n_classes=3):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.norm = nn.BatchNorm2d(4)
        self.block = nn.Conv2d(4, 8, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(8, n_classes)

    def forward(self, x):
        x = torch.relu(self.norm(self.stem(x)))
        x = torch.relu(self.block(x))
        return self.head(self.pool(x).flatten(1))


def mlp(seed=0, width=32, n_in=6, n_out=2):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(n_in, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                         nn.Linear(width, n_out))


def blobs(n=120, n_in=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, n_in, generator=g)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).long()
    return X, y
