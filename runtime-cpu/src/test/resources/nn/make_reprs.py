#!/usr/bin/env python3
"""PyTorch 1.13's print(module) for every nn module Kiln has, and torchinfo-style summary rows (computed
here from forward hooks with torchinfo's counting rules, torchinfo itself not being packaged) for
ModuleSummaryTest. Writes reprs.txt (entries separated by lines "----") and summaries.txt.
Run with Debian's python3-torch from this folder: /usr/bin/python3 make_reprs.py"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

MODULES = [
    nn.Linear(9216, 128), nn.Linear(3, 1, bias=False), nn.Conv2d(1, 32, 3, 1),
    nn.Conv2d(3, 8, (3, 2), stride=2, padding=1, dilation=2, bias=False), nn.Conv2d(6, 8, 3, groups=2, padding='same'),
    nn.Conv1d(2, 4, 3), nn.Conv1d(2, 4, 3, stride=2, padding=1, bias=False), nn.ConvTranspose2d(4, 2, 3, stride=2),
    nn.MaxPool2d(2), nn.MaxPool2d((3, 2), (1, 1), (1, 0), (1, 1), ceil_mode=True), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d((1, 1)),
    nn.AdaptiveAvgPool2d(4), nn.BatchNorm1d(10), nn.BatchNorm2d(32), nn.BatchNorm2d(8, eps=1e-3, momentum=None, affine=False),
    nn.LayerNorm(10), nn.LayerNorm([4, 5]), nn.GroupNorm(2, 4), nn.Dropout(0.25), nn.Dropout2d(0.5), nn.Dropout(),
    nn.Embedding(10, 3), nn.Embedding(10, 3, padding_idx=0), nn.Flatten(), nn.Flatten(0, 1), nn.GELU(), nn.GELU('tanh'),
    nn.LeakyReLU(), nn.LeakyReLU(0.2), nn.LogSoftmax(dim=1), nn.Softmax(dim=-1), nn.Softplus(), nn.Softplus(beta=2.0, threshold=10.0),
    nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.SiLU(), nn.MSELoss(), nn.MSELoss(reduction='sum'), nn.CrossEntropyLoss(),
    nn.CrossEntropyLoss(label_smoothing=0.1), nn.L1Loss(), nn.NLLLoss(), nn.BCELoss(), nn.BCEWithLogitsLoss(), nn.HuberLoss(),
    nn.SmoothL1Loss(), nn.LSTM(3, 4), nn.GRU(3, 4, num_layers=2, batch_first=True, dropout=0.1), nn.LSTMCell(3, 4),
    nn.GRUCell(3, 4, bias=False),
    nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                  nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10)),
    nn.Sequential(nn.Sequential(nn.Linear(4, 8), nn.Tanh()), nn.Linear(8, 2)),
]


class Net(nn.Module):
    """PyTorch's MNIST example network, its forward calling its children directly."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(self.dropout1(x), 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def macs(module, out):
    """torchinfo's LayerInfo.calculate_macs over the module's own parameters."""
    n = 0
    for name, p in module.named_parameters(recurse=False):
        if name in ("weight", "bias"):
            n += p.numel() * (math.prod(out[:1] + out[2:]) if "Conv" in type(module).__name__ else out[0])
        elif "weight" in name or "bias" in name:
            n += p.numel() * math.prod(out[:2])
    return n


def summary(tag, model, shape):
    model.eval()
    rows, names = [], {m: n for n, m in model.named_modules()}
    def pre(m, inputs):
        rows.append([names[m] or "-", type(m).__name__, None, sum(p.numel() for p in m.parameters(recurse=False)), m])
    def post(m, inputs, out):
        row = next(r for r in reversed(rows) if r[4] is m)
        row[2] = list(out.shape)
    hooks = [m.register_forward_pre_hook(pre) for m in model.modules()] + [m.register_forward_hook(post) for m in model.modules()]
    with torch.no_grad():
        model(torch.zeros(shape))
    for h in hooks:
        h.remove()
    lines = []
    for path, kind, out, params, m in rows:
        lines.append(f"{tag} {path} {kind} {'x'.join(map(str, out))} {params} {macs(m, out)}")
    total = sum(p.numel() for p in model.parameters())
    act = sum(2 * math.prod(r[2]) * 4 for r in rows if r[3] > 0 and not list(r[4].children()))
    lines.append(f"{tag} total {total} {sum(macs(r[4], r[2]) for r in rows)} {act}")
    return lines


if __name__ == "__main__":
    with open("reprs.txt", "w") as f:
        f.write("\n----\n".join(repr(m) for m in MODULES) + "\n")
    with open("summaries.txt", "w") as f:
        f.write("\n".join(summary("net", Net(), (64, 1, 28, 28)) + summary("cnn", MODULES[-2], (64, 1, 28, 28))
                          + summary("nested", MODULES[-1], (5, 4))) + "\n")
