#!/usr/bin/env bash
# Issue 17's measurements in one window, Kiln and PyTorch side by side: the FMA roofline, bare GEMM,
# the MLP training step, the cubic step (small, and eager at 10^6), one eager op against a copy loop,
# DynamicNet's re-trace, and the cold start. Writes each tool's output under ${1:-bench/target/machine-limit},
# and last prints the ratio table (bench/ratio_table.py; also in ratios.md there): JMH's figures as medians of
# every measured iteration with their interquartile range (from the -rf json files), PyTorch's as its scripts'
# medians.
# Needs: python3-torch and libopenblas0-pthread (PyTorch falls back to a reference BLAS without it),
# hyperfine (Debian). About 15 minutes on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${1:-bench/target/machine-limit}"
mkdir -p "$out"
mvn -q -DskipTests package -pl bench -am
java="$(./kiln --print-java)"
jmh() { "$java" --add-modules jdk.incubator.vector -cp "bench/target/classes:$(cat bench/target/classpath.txt)" org.openjdk.jmh.Main "$@"; }
{ lscpu | grep -E 'Model name|^CPU\(s\)|^CPU family|^Model:'; grep -o 'avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' '; echo; } > "$out/cpu.txt"
jmh FmaPeakBenchmark -t 1 -f 1 -wi 2 -i 5 -r 1 > "$out/fma-1t.txt"
jmh FmaPeakBenchmark -t 2 -f 1 -wi 2 -i 5 -r 1 > "$out/fma-2t.txt"
jmh GemmBenchmark -wi 2 -i 8 -w 1 -r 1 -f 2 -rf json -rff "$out/gemm-kiln.json" > "$out/gemm-kiln.txt"
/usr/bin/python3 bench/pytorch_gemm.py > "$out/gemm-pytorch.txt"
jmh MlpBenchmark.compiledStep -rf json -rff "$out/mlp-kiln.json" > "$out/mlp-kiln.txt"
/usr/bin/python3 bench/pytorch_mlp.py > "$out/mlp-pytorch.txt"
jmh 'CubicStepBenchmark.(kilnCompiled|handWrittenVectorLoop)' -p n=16,2000 -p threads=1 -wi 5 -i 10 -w 1 -r 1 -f 2 \
  -rf json -rff "$out/cubic-small.json" > "$out/cubic-small.txt"
jmh 'CubicStepBenchmark.(kilnEager|kilnCompiled)' -p n=1000000 -wi 3 -i 5 -w 1 -r 1 -f 1 -rf json -rff "$out/cubic-1e6.json" \
  > "$out/cubic-1e6.txt"
/usr/bin/python3 bench/pytorch_cubic.py 1 2 default > "$out/cubic-pytorch.txt"
jmh EagerBandwidthBenchmark -wi 3 -i 5 -w 1 -r 1 -f 1 -rf json -rff "$out/eager-bandwidth.json" > "$out/eager-bandwidth.txt"
jmh DynamicNetBenchmark -wi 3 -i 10 -w 1 -r 1 -f 3 -rf json -rff "$out/dynamic.json" > "$out/dynamic.txt"
./kiln sample dynamic --compiled > /dev/null
hyperfine -w 1 -r 5 './kiln sample dynamic --compiled' './kiln sample autograd --compiled' \
  "$java -version" > "$out/cold-start.txt" 2>&1
grep -h -E '^[A-Z][A-Za-z]+Benchmark\.' "$out"/*.txt | grep -v ':' || true
# issue 27's table, Kiln beside PyTorch (or the loop it is held to), from the files above
python3 bench/ratio_table.py "$out" | tee "$out/ratios.md"
