"""Runs a PyTorch benchmark under a thread configuration, in a fresh process: OpenBLAS reads its
thread count (OPENBLAS_NUM_THREADS) once, when it loads, so torch.set_num_threads alone leaves the
GEMMs on OpenBLAS's default, every core. Configurations: "1" and "2" set both counts; "default" sets
neither (PyTorch's own configuration, reported as its best where it is fastest)."""
import os
import statistics
import subprocess
import sys
import time


def median_ms(fn, calls, repeats=7, warmup=3):
    """Median milliseconds per call of fn over `repeats` timed runs of `calls` calls each."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - t0) / calls * 1e3)
    return statistics.median(times)


def main(script, run):
    """A script's entry: `--config C` runs `run(C)` here; anything else re-runs the script per configuration."""
    if len(sys.argv) == 3 and sys.argv[1] == "--config":
        run(sys.argv[2])
    else:
        run_each(script, sys.argv[1:])


def configurations(args):
    return args or ["1", "2", "default"]


def openblas_coretype(env):
    """Debian's OpenBLAS 0.3.21 does not know newer Xeons (CPU model 207, Emerald Rapids) and falls back to
    its Prescott kernels (about 15 GFLOP/s); on a CPU with AVX-512 the SkylakeX kernels are what a tuned
    install runs. Sets OPENBLAS_CORETYPE=SkylakeX there unless the caller set it."""
    try:
        with open("/proc/cpuinfo") as f:
            avx512 = " avx512f" in f.read()
    except OSError:
        avx512 = False
    if avx512 and "OPENBLAS_CORETYPE" not in env:
        env["OPENBLAS_CORETYPE"] = "SkylakeX"


def run_each(script, args):
    """Re-runs `script` once per configuration with --config; returns nothing (each prints)."""
    for config in configurations(args):
        env = dict(os.environ)
        openblas_coretype(env)
        if config != "default":
            env["OPENBLAS_NUM_THREADS"] = config
            env["OMP_NUM_THREADS"] = config
        else:
            env.pop("OPENBLAS_NUM_THREADS", None)
            env.pop("OMP_NUM_THREADS", None)
        subprocess.run([sys.executable, script, "--config", config], env=env, check=True)


def apply(config):
    """In the child: sets torch's intra-op threads for `config`; returns a label for the output."""
    import torch
    if config != "default":
        torch.set_num_threads(int(config))
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "its default")
    core = os.environ.get("OPENBLAS_CORETYPE", "detected")
    return f"config={config} (torch threads {torch.get_num_threads()}, OpenBLAS threads {blas}, OpenBLAS core {core})"
