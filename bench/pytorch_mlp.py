#!/usr/bin/env python3
"""The MLP training step of MlpBenchmark in PyTorch eager: 64 -> 512 -> 512 -> 1, tanh, batch 4096,
MSE loss, Adam; median milliseconds per step and GFLOP/s at 1 and 2 threads.

Set-up (Debian): apt-get install python3-torch libopenblas0-pthread; run with /usr/bin/python3.
Without OpenBLAS PyTorch falls back to a reference BLAS about twenty times slower. Not part of the
test command. FLOP per step as in MlpBenchmark.FLOP (the multiply-adds a step needs, times two).
"""
import statistics
import sys
import time

import torch

BATCH = 4096
FLOP = 2.0 * BATCH * (3.0 * (64 * 512 + 512 * 512 + 512) - 64 * 512)


def run(threads, repeats=7, steps=5):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 512), torch.nn.Tanh(), torch.nn.Linear(512, 512), torch.nn.Tanh(),
                                torch.nn.Linear(512, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    x = torch.randn(BATCH, 64)
    y = torch.randn(BATCH, 1)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(3):
        step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - t0) / steps * 1e3)
    ms = statistics.median(times)
    print(f"pytorch {torch.__version__} threads={threads}: {ms:.1f} ms/step, {FLOP / ms / 1e6:.1f} GFLOP/s", flush=True)


if __name__ == "__main__":
    for t in [int(a) for a in sys.argv[1:]] or [1, 2]:
        run(t)
