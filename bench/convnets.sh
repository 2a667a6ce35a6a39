#!/bin/bash
# The convnets figures in one window (docs/benchmarks.md): FMA peak, ConvBenchmark beside bench/pytorch_conv.py,
# the fashion-cnn step (compiled and eager) beside bench/pytorch_fashion.py, 1 and 2 threads. Build first
# (mvn -o -q package -DskipTests); run with nothing else on the machine.
set -u
cd "$(dirname "$0")/.."
out=bench/target/convnets-$(date +%H%M); mkdir -p $out
java="$(./kiln --print-java)"
jmh() { "$java" --add-modules jdk.incubator.vector -cp "bench/target/classes:$(cat bench/target/classpath.txt)" org.openjdk.jmh.Main "$@"; }
{ lscpu | grep -E 'Model name|^CPU\(s\)|Model:'; grep -o 'avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' '; echo; uptime; } > $out/cpu.txt
jmh FmaPeakBenchmark -t 1 -f 1 -wi 2 -i 5 -r 1 -w 1 > $out/fma-1t.txt 2>&1
jmh ConvBenchmark -f 1 -wi 3 -i 8 -w 1 -r 1 > $out/conv-kiln.txt 2>&1
OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/pytorch_conv.py 1 2 > $out/conv-torch.txt 2>&1
for t in 1 2; do
  for mode in --compiled ""; do echo "threads $t ${mode:-eager}: $(./kiln sample fashion-cnn $mode --steps 60 --threads $t --test-size 10 --train-size 6400 2>&1 | grep -o 'median[^,]*')"; done
  OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/pytorch_fashion.py --time --threads $t --steps 40 --warmup 5 2>&1 | tail -1
done > $out/fashion-step.txt
uptime >> $out/cpu.txt
echo $out
