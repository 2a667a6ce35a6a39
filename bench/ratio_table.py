#!/usr/bin/env python3
"""The table of issue 27, from the files bench/machine-limit.sh wrote in one window: Kiln beside PyTorch
(or beside the hand-written loop, the copy loop, the warm run) and their ratio, as Markdown.

Usage: python3 bench/ratio_table.py [DIR] (default bench/target/machine-limit). A ratio is Kiln's speed over
the other's (above 1: Kiln is faster), except where the row says what it divides. Rows whose files are
missing are left out; nothing here is measured, only read.
"""
import os
import re
import sys

JMH_ROW = re.compile(r"^(\w+)\.(\w+)\s+(.*?)\s*(avgt|thrpt|ss)\s+(\d+)\s+([\d.]+)(?:\s+±\s+([\d.]+))?\s+(\S+)$")


def read(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


SECONDS = {"s/op": 1e3, "ms/op": 1.0, "us/op": 1e-3, "ns/op": 1e-6}


def jmh(text, unit="ms"):
    """{(benchmark method, (param values...)): (score, error)} from JMH's result table, in ms (or µs)."""
    rows = {}
    for line in (text or "").splitlines():
        m = JMH_ROW.match(line.strip())
        if m and m.group(8) in SECONDS:
            params = tuple(m.group(3).split())
            scale = SECONDS[m.group(8)] * (1e3 if unit == "us" else 1.0)
            rows[(m.group(2), params)] = (float(m.group(6)) * scale, float(m.group(7) or 0) * scale)
    return rows


def jmh_json(directory, name, unit="ms"):
    """As jmh(), from JMH's JSON results (-rf json) beside a text file: (median, p25, p75) of every measured
    iteration of every fork, in ms (or µs); None where the file is missing."""
    import json
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        results = json.load(f)
    rows = {}
    for r in results:
        metric = r["primaryMetric"]
        if metric["scoreUnit"] not in SECONDS:
            continue
        scale = SECONDS[metric["scoreUnit"]] * (1e3 if unit == "us" else 1.0)
        values = sorted(v * scale for fork in metric["rawData"] for v in fork)
        if not values:
            continue
        params = tuple(v for _, v in sorted((r.get("params") or {}).items()))
        rows[(r["benchmark"].rsplit(".", 1)[1], params)] = (quantile(values, 0.5), quantile(values, 0.25),
                                                             quantile(values, 0.75))
    return rows


def quantile(sorted_values, q):
    """The q-quantile of sorted values, interpolated between neighbours."""
    at = q * (len(sorted_values) - 1)
    low = int(at)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (at - low)


def results(directory, name, unit="ms"):
    """{(method, params): (value, spread text)}: the JSON's median and interquartile range where the JSON is
    there, else the text table's mean and JMH's error."""
    from_json = jmh_json(directory, name[:-4] + ".json", unit)
    if from_json is not None:
        return {k: (m, f"{fmt(lo)}–{fmt(hi)}") for k, (m, lo, hi) in from_json.items()}
    return {k: (mean, f"± {fmt(err, 2)}") for k, (mean, err) in jmh(read(directory, name), unit).items()}


def torch_configs(text):
    """{config label ('1', '2', 'default'): [lines]} from the output of a script run through torch_threads."""
    configs = {}
    current = None
    for line in (text or "").splitlines():
        m = re.search(r"config=(\S+)", line)
        if m:
            current = m.group(1).rstrip(",:")
            configs.setdefault(current, [])
            # the MLP script prints its figure on the same line as the configuration
        if current is not None:
            configs[current].append(line)
    return configs


def torch_value(lines, pattern):
    for line in lines or []:
        m = re.search(pattern, line)
        if m:
            return float(m.group(1))
    return None


def fmt(v, digits=3):
    return "–" if v is None else f"{v:.{digits}g}" if v < 1000 else f"{v:.0f}"


def with_spread(result):
    """A figure and its spread: "2.74 (2.70–2.81)" for a median and its interquartile range, "2.74 ± 0.28" for a mean."""
    if not result:
        return "–"
    value, spread = result
    return f"{fmt(value)} ({spread})" if not spread.startswith("±") else f"{fmt(value)} {spread}"


def ratio(kiln, other):
    return "–" if kiln is None or other is None or kiln == 0 else f"**{other / kiln:.2f}×**"


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "bench/target/machine-limit"
    cpu = re.sub(r"[ \t]+", " ", (read(d, "cpu.txt") or "").strip()).replace("\n", "; ")
    rows = []

    gemm = results(d, "gemm-kiln.txt")
    torch_gemm = torch_configs(read(d, "gemm-pytorch.txt"))
    for shape in ["512,512,512", "1024,1024,1024", "2048,2048,2048", "4096,64,512", "4096,512,512", "512,4096,512T"]:
        for threads in ["1", "2"]:
            k = gemm.get(("matmul", (shape, threads)))
            t = torch_value(torch_gemm.get(threads), r"^\s*" + re.escape(shape) + r":\s+([\d.]+) ms")
            if k or t:
                rows.append((f"GEMM {shape.replace(',', '×')}, {threads} thread{'s' if threads == '2' else ''} (ms)",
                             with_spread(k), fmt(t), ratio(k and k[0], t)))

    mlp = results(d, "mlp-kiln.txt")
    torch_mlp = torch_configs(read(d, "mlp-pytorch.txt"))
    for threads in ["1", "2"]:
        k = mlp.get(("compiledStep", (threads,)))
        t = torch_value(torch_mlp.get(threads), r"([\d.]+) ms/step")
        if k or t:
            rows.append((f"MLP training step, {threads} thread{'s' if threads == '2' else ''} (ms)", with_spread(k), fmt(t),
                         ratio(k and k[0], t)))

    cubic = results(d, "cubic-1e6.txt")
    torch_cubic = torch_configs(read(d, "cubic-pytorch.txt"))
    for threads in ["1", "2"]:
        k = cubic.get(("kilnEager", ("1000000", threads)))
        t = torch_value(torch_cubic.get(threads), r"\(1000000 points\): ([\d.]+) us")
        if k or t:
            rows.append((f"eager cubic step at 10⁶, {threads} thread{'s' if threads == '2' else ''} (ms)", with_spread(k),
                         fmt(t and t / 1000), ratio(k and k[0], t and t / 1000)))

    bw = results(d, "eager-bandwidth.txt")
    for n in ["10000000", "100000000"]:
        copy = bw.get(("copyLoop", (n, "1")))
        for op, bytes_per in [("add", 12), ("mulScalar", 8)]:
            k = bw.get((op, (n, "1")))
            if k and copy:
                # bytes per second over the copy loop's (8 bytes an element)
                share = (bytes_per / k[0]) / (8 / copy[0])
                rows.append((f"eager {op} at {'10⁷' if n == '10000000' else '10⁸'}, 1 thread (ms)",
                             with_spread(k), f"copy loop {with_spread(copy)}", f"**{share:.2f}×** of copy bandwidth"))

    small = results(d, "cubic-small.txt", "us")
    for n in ["16", "2000"]:
        k = small.get(("kilnCompiled", (n, "1")))
        h = small.get(("handWrittenVectorLoop", (n, "1")))
        if k and h:
            target = "target ≤ 0.120 µs" if n == "16" else "target ≤ 1.2×"
            rows.append((f"compiled cubic step, {n} points (µs)", with_spread(k), f"hand-written vector loop {with_spread(h)}",
                         f"{k[0] / h[0]:.2f}× the loop's time ({target})"))

    dyn = results(d, "dynamic.txt", "us")
    r = dyn.get(("retraceAndLookup", ()))
    if r:
        rows.append(("DynamicNet re-trace + lookup (µs)", with_spread(r), "target 5", ""))
    whole = dyn.get(("whole30000StepRun", ()))

    cold = read(d, "cold-start.txt") or ""
    means = re.findall(r"Benchmark \d+: (.*?)\n\s+Time \(mean ± σ\):\s+([\d.]+) (m?s)", cold)
    times = {cmd.strip(): float(v) / (1000 if unit == "ms" else 1) for cmd, v, unit in means}
    dynamic_cold = next((v for c, v in times.items() if "sample dynamic" in c), None)
    jvm = next((v for c, v in times.items() if c.endswith("-version")), None)
    if dynamic_cold is not None:
        warm = whole[0] / 1e6 if whole else None
        bound = 2 * (warm + jvm) if warm is not None and jvm is not None else None
        rows.append(("`./kiln sample dynamic --compiled` cold (s)", fmt(dynamic_cold),
                     f"warm run {fmt(warm)} + JVM start {fmt(jvm, 2)}",
                     f"{dynamic_cold / (warm + jvm):.2f}× (target ≤ 2×; bound {fmt(bound)} s)" if bound else ""))

    peaks = []
    for threads in ["1", "2"]:
        text = read(d, f"fma-{threads}t.txt") or ""
        for bits in [128, 256, 512]:
            m = re.search(rf"FmaPeakBenchmark\.fma{bits}\s+thrpt\s+\d+\s+([\d.]+)", text)
            if m:
                gflops = float(m.group(1)) * 2 * bits / 32
                peaks.append(f"{threads}t {bits}-bit {gflops:.0f}")
    print(f"CPU: {cpu}")
    print(f"float32 FMA peak (FmaPeakBenchmark, GFLOP/s): {', '.join(peaks) or '–'}\n")
    print("| | Kiln | PyTorch 1.13 / OpenBLAS, or the reference | ratio |")
    print("|---|---|---|---|")
    for label, k, t, rt in rows:
        print(f"| {label} | {k} | {t} | {rt} |")


if __name__ == "__main__":
    main()
