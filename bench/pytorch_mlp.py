#!/usr/bin/env python3
"""The MLP training step of MlpBenchmark in PyTorch eager: 64 -> 512 -> 512 -> 1, tanh, batch 4096,
MSE loss, Adam; median milliseconds per step and GFLOP/s at 1 and 2 threads (torch's and OpenBLAS's
thread counts both set, see torch_threads.py) and in PyTorch's default configuration.
Usage: /usr/bin/python3 bench/pytorch_mlp.py [1] [2] [default]

Set-up (Debian): apt-get install python3-torch libopenblas0-pthread; run with /usr/bin/python3.
Without OpenBLAS PyTorch falls back to a reference BLAS about twenty times slower. Not part of the
test command. FLOP per step as in MlpBenchmark.FLOP (the multiply-adds a step needs, times two).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_threads  # noqa: E402

BATCH = 4096
FLOP = 2.0 * BATCH * (3.0 * (64 * 512 + 512 * 512 + 512) - 64 * 512)


def run(config, repeats=7, steps=5):
    label = torch_threads.apply(config)
    import torch
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

    ms = torch_threads.median_ms(step, steps, repeats)
    print(f"pytorch {torch.__version__} {label}: {ms:.1f} ms/step, {FLOP / ms / 1e6:.1f} GFLOP/s", flush=True)


if __name__ == "__main__":
    torch_threads.main(os.path.abspath(__file__), run)
