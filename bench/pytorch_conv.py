#!/usr/bin/env python3
"""ConvBenchmark's convolutions in PyTorch 1.13 (oneDNN on the CPU): float32, stride 1, with bias, the
forward and both backward products (from the sum of the output), median milliseconds and GFLOP/s
(6 N O OH OW C K^2 / time) per shape, at 1 and 2 threads and in PyTorch's default configuration.

Set-up (Debian): apt-get install python3-torch; run with /usr/bin/python3.
Usage: /usr/bin/python3 bench/pytorch_conv.py [1] [2] [default]. Not part of the test command.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_threads  # noqa: E402

# N, C, H, W, O, K; "p": padding K // 2
SHAPES = ["64,1,28,28,32,3", "64,32,26,26,64,3", "8,64,56,56,64,3p"]


def run(config):
    label = torch_threads.apply(config)
    import torch
    torch.manual_seed(1)
    print(f"pytorch {torch.__version__} {label}", flush=True)
    for shape in SHAPES:
        pad_same = shape.endswith("p")
        n, c, h, w, o, k = (int(v) for v in shape.rstrip("p").split(","))
        pad = k // 2 if pad_same else 0
        x = torch.randn(n, c, h, w, requires_grad=True)
        weight = (torch.randn(o, c, k, k) * 0.1).requires_grad_(True)
        bias = torch.randn(o, requires_grad=True)

        def step():
            x.grad = None
            weight.grad = None
            bias.grad = None
            y = torch.nn.functional.conv2d(x, weight, bias, padding=pad).sum()
            y.backward()
            return y

        oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
        flop = 6.0 * n * o * oh * ow * c * k * k
        calls = max(3, int(2e9 / flop))
        ms = torch_threads.median_ms(step, calls, warmup=calls)
        print(f"  {shape:>18}: {ms:8.3f} ms, {flop / ms / 1e6:6.1f} GFLOP/s", flush=True)


if __name__ == "__main__":
    torch_threads.main(os.path.abspath(__file__), run)
