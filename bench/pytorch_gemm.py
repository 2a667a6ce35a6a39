#!/usr/bin/env python3
"""GemmBenchmark's products with torch.mm (OpenBLAS sgemm): float32, a fresh result per call, median
milliseconds and GFLOP/s (2 n m k / time) per shape, at 1 and 2 threads (torch's and OpenBLAS's
counts both set, see torch_threads.py) and in PyTorch's default configuration.

Set-up (Debian): apt-get install python3-torch libopenblas0-pthread; run with /usr/bin/python3.
Usage: /usr/bin/python3 bench/pytorch_gemm.py [1] [2] [default]. Not part of the test command.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_threads  # noqa: E402

# n, k, m; "T": a is the transpose of a stored k x n matrix (a weight gradient h^T g)
SHAPES = ["512,512,512", "1024,1024,1024", "2048,2048,2048", "4096,64,512", "4096,512,512", "512,4096,512T"]


def run(config):
    label = torch_threads.apply(config)
    import torch
    torch.manual_seed(1)
    print(f"pytorch {torch.__version__} {label}", flush=True)
    for shape in SHAPES:
        transposed = shape.endswith("T")
        n, k, m = (int(v) for v in shape.rstrip("T").split(","))
        a = torch.randn(k, n).t() if transposed else torch.randn(n, k)
        b = torch.randn(k, m)
        flop = 2.0 * n * m * k
        calls = max(3, int(2e9 / flop))
        ms = torch_threads.median_ms(lambda: torch.mm(a, b), calls, warmup=calls)
        print(f"  {shape:>16}: {ms:8.3f} ms, {flop / ms / 1e6:6.1f} GFLOP/s", flush=True)


if __name__ == "__main__":
    torch_threads.main(os.path.abspath(__file__), run)
