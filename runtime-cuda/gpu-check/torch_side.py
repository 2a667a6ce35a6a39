#!/usr/bin/env python3
"""The GPU check's PyTorch side (issue 29 §3), run by run.sh on the lent GPU beside Kiln's GpuCheck.

The same workloads as GpuCheck's `bench` part, float32 on cuda:0, each timed with CUDA events around
`calls` calls (after warm-up), the median of `repeats` such runs:
  copy       y.copy_(x), 2^26 floats: GB/s counted as 2 * 4 bytes per element (the device-to-device reference)
  add        torch.add(x, y) into a fresh tensor (the caching allocator's), 2^26 floats: 3 * 4 bytes per element
  cubic      the seed's autograd cubic step at 10^6 points (loss, backward, four SGD updates under no_grad):
             eager, and with the loss compiled by torch.compile(mode="reduce-overhead") (CUDA graphs; backward
             and the updates as torch runs them then)
  mlp        64 -> 512 -> 512 -> 1 with tanh, batch 4096, MSE, Adam lr 1e-3: eager
  nccl       all_reduce of 2^26 floats on a one-rank NCCL process group
Prints `RESULT name value unit` and `INFO key value` lines. `--smoke` shrinks sizes (for a CPU-only machine it
only checks that the script runs: every stage then says it was skipped).
"""
import math
import os
import statistics
import sys
import time


def emit(kind, name, value, unit=""):
    print(f"{kind} {name} {value} {unit}".rstrip(), flush=True)


def timed(torch, fn, calls, repeats, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(calls):
            fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1e3 / calls)
    return statistics.median(times)


def stage(name, body):
    t0 = time.time()
    try:
        body()
    except Exception as e:  # a stage that breaks is reported; the next one still runs
        emit("CHECK", f"torch_{name}", f"FAIL {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    emit("RESULT", f"seconds_torch_{name}", f"{time.time() - t0:.3g}", "s")


def main(smoke):
    try:
        import torch
    except ImportError as e:
        emit("CHECK", "torch_import", f"FAIL {e}: no PyTorch timings")
        return
    emit("INFO", "torch_version", torch.__version__)
    emit("INFO", "torch_cuda", torch.version.cuda)
    if not torch.cuda.is_available():
        emit("CHECK", "torch_cuda_available", "FAIL torch.cuda.is_available() is False: no PyTorch timings")
        return
    dev = torch.device("cuda:0")
    emit("INFO", "torch_gpu", torch.cuda.get_device_name(0).replace(" ", "_"))
    try:
        emit("INFO", "torch_nccl", ".".join(map(str, torch.cuda.nccl.version())))
    except Exception as e:
        emit("INFO", "torch_nccl", f"unknown({type(e).__name__})")
    n = 1 << (12 if smoke else 26)
    repeats, calls = (3, 2) if smoke else (9, 20)
    torch.manual_seed(0)

    def bandwidth():
        x = torch.randn(n, device=dev)
        y = torch.randn(n, device=dev)
        out = torch.empty_like(x)
        t = timed(torch, lambda: out.copy_(x), calls, repeats)
        emit("RESULT", "torch_copy_gbps", f"{2 * n * 4 / t / 1e9:.6g}", "GB/s")
        t = timed(torch, lambda: torch.add(x, y), calls, repeats)
        emit("RESULT", "torch_add_gbps", f"{3 * n * 4 / t / 1e9:.6g}", "GB/s")

    def cubic():
        points = 1000 if smoke else 1_000_000
        x = torch.linspace(-math.pi, math.pi, points, device=dev)
        y = torch.sin(x)
        params = [torch.randn((), device=dev, requires_grad=True) for _ in range(4)]

        def loss_of(a, b, c, d):
            return (a + b * x + c * x ** 2 + d * x ** 3 - y).pow(2).sum()

        def make_step(loss_fn, mark):
            def step():
                if mark:
                    torch.compiler.cudagraph_mark_step_begin()
                loss = loss_fn(*params)
                loss.backward()
                with torch.no_grad():
                    for p in params:
                        p -= 1e-6 * p.grad
                        p.grad = None
                return loss
            return step

        t = timed(torch, make_step(loss_of, False), calls, repeats)
        emit("RESULT", "torch_cubic_eager_us", f"{t * 1e6:.6g}", "us")
        compiled = torch.compile(loss_of, mode="reduce-overhead")
        t = timed(torch, make_step(compiled, True), calls * 5, repeats, warmup=5)
        emit("RESULT", "torch_cubic_compiled_us", f"{t * 1e6:.6g}", "us")

    def mlp():
        width, batch = (16, 16) if smoke else (512, 4096)
        model = torch.nn.Sequential(torch.nn.Linear(64, width), torch.nn.Tanh(), torch.nn.Linear(width, width), torch.nn.Tanh(),
                                    torch.nn.Linear(width, 1)).to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.MSELoss()
        x = torch.randn(batch, 64, device=dev)
        y = x.sum(1, keepdim=True).sin()

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss

        t = timed(torch, step, 2 if smoke else 10, repeats)
        emit("RESULT", "torch_mlp_eager_ms", f"{t * 1e3:.6g}", "ms")

    def nccl():
        import torch.distributed as dist
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", "29533")
        dist.init_process_group("nccl", rank=0, world_size=1, device_id=dev)
        try:
            x = torch.randn(n, device=dev)
            t = timed(torch, lambda: dist.all_reduce(x), calls, repeats)
            emit("RESULT", "torch_nccl_allreduce_us", f"{t * 1e6:.6g}", "us")
            emit("RESULT", "torch_nccl_allreduce_gbps", f"{n * 4 / t / 1e9:.6g}", "GB/s")
        finally:
            dist.destroy_process_group()

    stage("bandwidth", bandwidth)
    stage("cubic", cubic)
    stage("mlp", mlp)
    stage("nccl", nccl)


if __name__ == "__main__":
    main("--smoke" in sys.argv[1:])
