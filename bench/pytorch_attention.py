#!/usr/bin/env python3
"""AttentionBenchmark in PyTorch 1.13: causal self-attention forward + backward (from the sum of the output) on
the explicit masked-softmax path nanoGPT takes without flash attention (1.13 has no scaled_dot_product_attention),
float32, batch 12, 4 heads, head size 32, T = 64, 256, 1024: median milliseconds, and the peak of the memory the
step's tensors hold (torch.profiler's per-op allocations and free events summed in time order; inputs excluded).

Set-up (Debian): apt-get install python3-torch; run with /usr/bin/python3.
Usage: /usr/bin/python3 bench/pytorch_attention.py [1] [2] [default]; KILN_BENCH_CALLS=n sets the calls per
repeat (for a quick check). Not part of the test command.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_threads  # noqa: E402

B, H, E = 12, 4, 32
LENGTHS = [64, 256, 1024]


def peak_bytes(torch, step):
    """The largest sum of live allocations during one step: each op's own allocations (self CPU memory) and the
    profiler's free events ("[memory]", negative), summed in time order."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    changes = sorted((e.time_range.start, e.cpu_memory_usage if e.name == "[memory]" else e.self_cpu_memory_usage)
                     for e in prof.events())
    live, peak = 0, 0
    for _, change in changes:
        live += change
        peak = max(peak, live)
    return peak


def run(config):
    label = torch_threads.apply(config)
    import torch
    torch.manual_seed(1)
    print(f"pytorch {torch.__version__} {label}", flush=True)
    for t in LENGTHS:
        q, k, v = (torch.randn(B, H, t, E, requires_grad=True) for _ in range(3))
        mask = torch.tril(torch.ones(t, t)).view(1, 1, t, t)

        def step():
            for x in (q, k, v):
                x.grad = None
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(E))
            att = att.masked_fill(mask == 0, float("-inf"))
            att = torch.softmax(att, dim=-1)
            y = (att @ v).sum()
            y.backward()
            return y

        calls = int(os.environ.get("KILN_BENCH_CALLS", max(3, int(2e8 / (B * H * t * t * E)))))
        ms = torch_threads.median_ms(step, calls, repeats=int(os.environ.get("KILN_BENCH_REPEATS", 7)), warmup=calls)
        mib = peak_bytes(torch, step) / 2**20
        print(f"  T={t:5d}: {ms:9.3f} ms, peak {mib:8.1f} MiB", flush=True)


if __name__ == "__main__":
    torch_threads.main(os.path.abspath(__file__), run)
