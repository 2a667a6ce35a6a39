#!/usr/bin/env python3
"""Writes optimizer_trajectories.txt: PyTorch's parameters after each step of each optimizer
configuration on one tiny fixed problem, in float64. OptimizerParityTest replays them in Kiln.

Set-up (Debian): apt-get install python3-torch; run with /usr/bin/python3 make_fixtures.py
from this folder. PyTorch 1.13's zero_grad() zeroes gradients where Kiln follows 2.0 and clears
them, so this script calls zero_grad(set_to_none=True).
"""
import torch

torch.set_default_dtype(torch.float64)

# The problem: y = tanh(X W + b) against targets T, loss = sum of squares. All values fixed.
X = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-2.0, 1.0, 0.75], [0.1, 0.2, 0.3]])
T = torch.tensor([[0.3, -0.2], [0.0, 0.5], [-0.7, 0.1], [0.25, 0.25]])
W0 = torch.tensor([[0.1, -0.3], [0.2, 0.4], [-0.5, 0.05]])
B0 = torch.tensor([0.01, -0.02])
STEPS = 6

CONFIGS = [
    ("sgd", torch.optim.SGD, dict(lr=0.1)),
    ("sgd_momentum", torch.optim.SGD, dict(lr=0.1, momentum=0.9)),
    ("sgd_dampening", torch.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("sgd_nesterov", torch.optim.SGD, dict(lr=0.1, momentum=0.8, nesterov=True)),
    ("sgd_weight_decay", torch.optim.SGD, dict(lr=0.1, momentum=0.5, weight_decay=0.1)),
    ("sgd_maximize", torch.optim.SGD, dict(lr=0.05, maximize=True)),
    ("rmsprop", torch.optim.RMSprop, dict(lr=0.01)),
    ("rmsprop_centered", torch.optim.RMSprop, dict(lr=0.01, centered=True)),
    ("rmsprop_momentum", torch.optim.RMSprop, dict(lr=0.01, momentum=0.9, alpha=0.9)),
    ("rmsprop_weight_decay", torch.optim.RMSprop, dict(lr=0.01, weight_decay=0.1, eps=1e-3)),
    ("rmsprop_all", torch.optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("adam", torch.optim.Adam, dict(lr=0.01)),
    ("adam_amsgrad", torch.optim.Adam, dict(lr=0.01, amsgrad=True)),
    ("adam_weight_decay", torch.optim.Adam, dict(lr=0.01, weight_decay=0.1, betas=(0.8, 0.9))),
    ("adam_maximize", torch.optim.Adam, dict(lr=0.01, maximize=True, eps=1e-4)),
    ("adamw", torch.optim.AdamW, dict(lr=0.01)),
    ("adamw_amsgrad", torch.optim.AdamW, dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
]


def run(name, cls, kwargs, groups=False):
    w = W0.clone().requires_grad_(True)
    b = B0.clone().requires_grad_(True)
    if groups:
        opt = cls([{"params": [w]}, {"params": [b], "lr": kwargs["lr"] * 10}], **kwargs)
    else:
        opt = cls([w, b], **kwargs)
    lines = []
    for step in range(1, STEPS + 1):
        opt.zero_grad(set_to_none=True)
        loss = (torch.tanh(X @ w + b) - T).pow(2).sum()
        loss.backward()
        opt.step()
        for pname, p in (("w", w), ("b", b)):
            values = " ".join(repr(v) for v in p.detach().flatten().tolist())
            lines.append(f"{name} {step} {pname} {values}")
    return lines


def main():
    out = [f"# torch {torch.__version__}; written by make_fixtures.py; problem and configurations are in that script"]
    for name, cls, kwargs in CONFIGS:
        out += run(name, cls, kwargs)
    out += run("adam_groups", torch.optim.Adam, dict(lr=0.01), groups=True)
    out += run("sgd_groups", torch.optim.SGD, dict(lr=0.05, momentum=0.9), groups=True)
    with open("optimizer_trajectories.txt", "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
