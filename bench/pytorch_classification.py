#!/usr/bin/env python3
"""PyTorch 1.13 (Debian python3-torch) on ClassificationBenchmark's workloads, for docs/benchmarks.md: the digits-mlp
step at batch 64 (eager), a whole epoch (23 batches), and softmax + cross-entropy forward+backward on [4096, 1000],
at 1 and 2 threads (torch.set_num_threads and OPENBLAS_NUM_THREADS both; run once per thread count:
OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_classification.py 1). Medians of repeated timings."""
import statistics
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(threads)
torch.manual_seed(0)


def median_us(fn, seconds=3.0, warm=1.0):
    end = time.perf_counter() + warm
    while time.perf_counter() < end:
        fn()
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(samples)


model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
loss_fn = torch.nn.CrossEntropyLoss()
x = torch.rand(1437, 64)
y = torch.randint(0, 10, (1437,))


def step(xb, yb):
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(xb), yb)
    loss.backward()
    opt.step()
    return loss


def epoch():
    perm = torch.randperm(1437)
    for k in range(0, 1437, 64):
        idx = perm[k:k + 64]
        step(x[idx], y[idx]).item()


logits = torch.randn(4096, 1000, requires_grad=True)
labels = torch.arange(4096) * 37 % 1000


def ce():
    logits.grad = None
    torch.nn.functional.cross_entropy(logits, labels).backward()


print(f"threads {threads}: digits step (batch 64) {median_us(lambda: step(x[:64], y[:64])):.1f} us; "
      f"epoch {median_us(epoch) / 1000:.2f} ms; cross-entropy [4096, 1000] fwd+bwd {median_us(ce) / 1000:.2f} ms")
