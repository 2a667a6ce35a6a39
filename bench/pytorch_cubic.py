#!/usr/bin/env python3
"""The seed's cubic-fit autograd step and the DynamicNet step in PyTorch eager, timed per step.

Set-up (Debian): apt-get install python3-torch libopenblas0-pthread; run with /usr/bin/python3.
Not part of the test command. Prints median microseconds per step over several repeats, at 1 thread by
default; `pytorch_cubic.py 1 2 default` runs each thread configuration in its own process (torch's and
OpenBLAS's counts both set, see torch_threads.py).
"""
import math
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_threads  # noqa: E402
import torch  # noqa: E402


def median_us(fn, steps, repeats=7):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            fn()
        times.append((time.perf_counter() - t0) / steps * 1e6)
    return statistics.median(times)


def cubic(points=2000):
    x = torch.linspace(-math.pi, math.pi, points)
    y = torch.sin(x)
    a, b, c, d = (torch.randn((), requires_grad=True) for _ in range(4))

    def step():
        loss = (a + b * x + c * x ** 2 + d * x ** 3 - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= 1e-6 * p.grad
                p.grad = None
        return loss

    return step


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c, self.d, self.e = (torch.nn.Parameter(torch.randn(())) for _ in range(5))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y


def dynamic():
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = DynamicNet()
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)

    def step():
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step


def main(config):
    label = torch_threads.apply(config)
    torch.manual_seed(0)
    random.seed(0)
    print(f"torch {torch.__version__}, {label}")
    print(f"cubic autograd step (2000 points): {median_us(cubic(), 2000):.1f} us/step (median)")
    print(f"cubic autograd step (1000000 points): {median_us(cubic(1_000_000), 20):.1f} us/step (median)")
    print(f"DynamicNet step (2000 points, SGD momentum): {median_us(dynamic(), 2000):.1f} us/step (median)")


if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv.append("1")
    torch_threads.main(os.path.abspath(__file__), main)
