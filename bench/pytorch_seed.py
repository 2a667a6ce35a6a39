#!/usr/bin/env python3
"""The seed's eight programs (shared/seed: fitting sin(x) with a cubic), timed per step in PyTorch
eager, to set beside SeedProgramsBenchmark. Each program runs whole, without its printing; the
median of 3 runs is divided by its number of steps (2000; DynamicNet 30000).

Set-up (Debian): apt-get install python3-torch libopenblas0-pthread; run with /usr/bin/python3.
Not part of the test command. One thread, as in the Kiln table.
"""
import math
import statistics
import time

import numpy as np
import torch

from pytorch_cubic import DynamicNet, cubic  # the same model and step as pytorch_cubic.py times

torch.set_num_threads(1)


def numpy_program():
    x = np.linspace(-math.pi, math.pi, 2000)
    y = np.sin(x)
    a, b, c, d = (np.random.randn() for _ in range(4))
    for _ in range(2000):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        np.square(y_pred - y).sum()
        g = 2.0 * (y_pred - y)
        a -= 1e-6 * g.sum()
        b -= 1e-6 * (g * x).sum()
        c -= 1e-6 * (g * x ** 2).sum()
        d -= 1e-6 * (g * x ** 3).sum()


def tensor_program():
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    a, b, c, d = (torch.randn(()) for _ in range(4))
    for _ in range(2000):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        (y_pred - y).pow(2).sum().item()
        g = 2.0 * (y_pred - y)
        a -= 1e-6 * g.sum()
        b -= 1e-6 * (g * x).sum()
        c -= 1e-6 * (g * x ** 2).sum()
        d -= 1e-6 * (g * x ** 3).sum()


def autograd_program():
    step = cubic()  # the seed's autograd step, as pytorch_cubic.py times it
    for _ in range(2000):
        step()


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


def custom_function_program():
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    a = torch.full((), 0.0, requires_grad=True)
    b = torch.full((), -1.0, requires_grad=True)
    c = torch.full((), 0.0, requires_grad=True)
    d = torch.full((), 0.3, requires_grad=True)
    for _ in range(2000):
        y_pred = a + b * LegendrePolynomial3.apply(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= 5e-6 * p.grad
                p.grad = None


def features():
    x = torch.linspace(-math.pi, math.pi, 2000)
    return x.unsqueeze(-1).pow(torch.tensor([1, 2, 3])), torch.sin(x)


def nn_program():
    xx, y = features()
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction='sum')
    for _ in range(2000):
        loss = loss_fn(model(xx), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= 1e-6 * param.grad


def optim_program():
    xx, y = features()
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    for _ in range(2000):
        loss = loss_fn(model(xx), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c, self.d = (torch.nn.Parameter(torch.randn(())) for _ in range(4))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3


def module_program():
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = Polynomial3()
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.RMSprop(model.parameters(), lr=3e-3)  # the sample's rate (the seed's 1e-6 barely moves)
    for _ in range(2000):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def dynamic_program():
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = DynamicNet()
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    for _ in range(30000):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


PROGRAMS = [("numpy", numpy_program, 2000), ("tensor", tensor_program, 2000), ("autograd", autograd_program, 2000),
            ("custom-function", custom_function_program, 2000), ("nn", nn_program, 2000),
            ("optim", optim_program, 2000), ("module", module_program, 2000), ("dynamic", dynamic_program, 30000)]

if __name__ == "__main__":
    print(f"pytorch {torch.__version__}, numpy {np.__version__}, 1 thread")
    for name, program, steps in PROGRAMS:
        program()  # warm-up
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            program()
            times.append(time.perf_counter() - t0)
        print(f"{name:16s} {statistics.median(times) / steps * 1e6:9.1f} us/step", flush=True)
