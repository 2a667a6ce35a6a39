#!/usr/bin/env bash
# The distributed benchmarks (docs/benchmarks.md, "Data-parallel"): all-reduce latency and bandwidth
# through Kiln against MPI_Allreduce from C (bench/mpi/allreduce.c, built here), and the MLP training
# step on 2 ranks x 1 thread against 1 rank x 2 threads and 1 rank x 1 thread (--bind-to none: Open MPI
# binds each rank to one core by default, which would put 1 rank x 2 threads on a single core). Needs
# openmpi-bin and gcc.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -q -DskipTests package -pl bench -am
java="$(./kiln --print-java)"
export OMPI_MCA_btl=self,vader OMPI_MCA_oob_tcp_if_include=lo
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
out="$root/bench/target"
lib="$(ls /usr/lib/*/libmpi.so.40 2>/dev/null | head -1)"
gcc -O2 -o "$out/allreduce" bench/mpi/allreduce.c "$lib"
run_java() {
  mpirun -np "$1" --oversubscribe --bind-to none "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx3g "${@:2}" \
    -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.kiln.bench.DistributedBenchmark "${BENCH_ARGS[@]}"
}
echo "# all-reduce, float32 sum in place: implementation ranks bytes median_us"
mpirun -np 2 "$out/allreduce"
BENCH_ARGS=(allreduce); run_java 2
BENCH_ARGS=(allreduce); run_java 2 -Dkiln.distributed.mpiReductions=true
echo "# MLP training step 64-512-512-1, batch 4096 per rank, compiled, Adam"
BENCH_ARGS=(mlp 1); run_java 1
BENCH_ARGS=(mlp 2); run_java 1
BENCH_ARGS=(mlp 1); run_java 2
