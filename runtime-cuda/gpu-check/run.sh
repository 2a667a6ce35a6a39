#!/usr/bin/env bash
# The GPU check (issue 29 §3), the one command a lent GPU machine runs, from the repository root, with
# runtime-cuda/target/gpu-check (made by prepare.sh) carried:
#   bash runtime-cuda/gpu-check/run.sh            full sizes, under 8 minutes
#   bash runtime-cuda/gpu-check/run.sh --smoke    tiny sizes (the mock driver: KILN_CUDA_DRIVER / KILN_CUDA_NVRTC set before)
# Finds libcuda and the NVRTC and NCCL libraries (PyTorch's nvidia/*/lib wheels), records the driver, GPU and
# library versions, runs Kiln's parity suite, CUDA-graph replay check, seed samples and benchmarks (the
# jlink image's java), then PyTorch's side of the benchmarks (torch_side.py), each stage under `timeout`, and
# writes $OUT/report.md (with env.txt, java.log and torch.log beside it). A stage that fails or times out is
# reported as such and the next one still runs. Pre-set KILN_CUDA_DRIVER / KILN_CUDA_NVRTC / KILN_CUDA_NCCL win.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
smoke=""
[ "${1:-}" = "--smoke" ] && smoke="--smoke"
out="${OUT:-/tmp/gpu-check-out}"
mkdir -p "$out"
prep=runtime-cuda/target/gpu-check
report="$out/report.md"
env_log="$out/env.txt"
java_log="$out/java.log"
torch_log="$out/torch.log"
: > "$env_log"; : > "$java_log"; : > "$torch_log"
start=$(date +%s)
deadline=$((start + ${KILN_GPUCHECK_SECONDS:-470}))   # the whole stays under 8 minutes
python="${PYTHON:-python3}"
stages=()

# seconds a stage may take: its own limit, cut to what is left before the deadline (10 s kept for the report)
limit() {
  local left=$((deadline - $(date +%s) - 10))
  [ "$left" -lt "$1" ] && echo $((left > 1 ? left : 1)) || echo "$1"
}
# run NAME LIMIT LOG COMMAND...: one stage, time-limited; its status goes into the report
run_stage() {
  local name="$1" secs log="$3" t0 rc
  secs="$(limit "$2")"
  shift 3
  t0=$(date +%s)
  echo "=== $name (limit ${secs}s): $*" >> "$log"
  timeout -k 10 "$secs" "$@" >> "$log" 2>&1
  rc=$?
  local what="exit $rc"
  [ "$rc" = 0 ] && what="ok"
  [ "$rc" = 124 ] || [ "$rc" = 137 ] && what="TIMED OUT after ${secs}s"
  stages+=("| $name | $what | $(( $(date +%s) - t0 )) s |")
  echo "gpu-check: $name: $what" >&2
}

# ---- the libraries ----
nvidia_dirs() {
  "$python" - 2>/dev/null <<'PY'
import os
try:
    import nvidia
    for p in nvidia.__path__:
        print(p)
except Exception:
    pass
import site, sys
for s in site.getsitepackages() + [site.getusersitepackages()]:
    p = os.path.join(s, "nvidia")
    if os.path.isdir(p):
        print(p)
PY
}
find_lib() { # find_lib PATTERN...: the first match in PyTorch's nvidia/*/lib folders, then the CUDA toolkit's
  local dirs pattern f
  dirs="$(nvidia_dirs | awk '!seen[$0]++') /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib"
  for pattern in "$@"; do
    for d in $dirs; do
      [ -d "$d" ] || continue
      f="$(find "$d" -name "$pattern" \( -type f -o -type l \) 2>/dev/null | sort | head -1)"
      [ -n "$f" ] && { echo "$f"; return 0; }
    done
  done
  return 1
}
if [ -z "${KILN_CUDA_DRIVER:-}" ]; then
  KILN_CUDA_DRIVER="$(ldconfig -p 2>/dev/null | awk '$1 == "libcuda.so.1" {print $NF; exit}')"
  for f in /usr/lib/x86_64-linux-gnu/libcuda.so.1 /usr/lib64/libcuda.so.1 /usr/local/nvidia/lib64/libcuda.so.1 /usr/local/cuda/compat/libcuda.so.1; do
    [ -n "$KILN_CUDA_DRIVER" ] && break
    [ -e "$f" ] && KILN_CUDA_DRIVER="$f"
  done
fi
[ -z "${KILN_CUDA_NVRTC:-}" ] && KILN_CUDA_NVRTC="$(find_lib 'libnvrtc.so.13' 'libnvrtc.so.12' 'libnvrtc.so')"
[ -z "${KILN_CUDA_NCCL:-}" ] && KILN_CUDA_NCCL="$(find_lib 'libnccl.so.2' 'libnccl.so*')"
export KILN_CUDA_DRIVER KILN_CUDA_NVRTC KILN_CUDA_NCCL
# NVRTC loads its builtins library from beside itself
[ -n "$KILN_CUDA_NVRTC" ] && export LD_LIBRARY_PATH="$(dirname "$KILN_CUDA_NVRTC")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# the jlink image travels packed (prepare.sh)
java_bin=/tmp/kiln-gpucheck-jdk/jdk/bin/java
rm -rf /tmp/kiln-gpucheck-jdk
[ -f "$prep/jdk.tar.gz" ] && mkdir -p /tmp/kiln-gpucheck-jdk && tar -C /tmp/kiln-gpucheck-jdk -xzf "$prep/jdk.tar.gz"
problems=()
[ -n "$KILN_CUDA_DRIVER" ] || problems+=("no CUDA driver found (libcuda.so.1: not in ldconfig -p nor the usual folders; set KILN_CUDA_DRIVER)")
[ -n "$KILN_CUDA_NVRTC" ] || problems+=("no NVRTC found (libnvrtc.so* in Python's nvidia/*/lib or /usr/local/cuda; set KILN_CUDA_NVRTC)")
[ -x "$java_bin" ] && [ -f "$prep/classpath.txt" ] || problems+=("$prep is missing or incomplete: run runtime-cuda/gpu-check/prepare.sh here and carry it")
for p in "${problems[@]}"; do echo "gpu-check: $p" >&2; done

# ---- versions ----
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host: $(uname -srm)"
  echo "commit: $(cat "$prep/commit.txt" 2>/dev/null || git rev-parse HEAD 2>/dev/null || echo unknown)"
  echo "driver library: ${KILN_CUDA_DRIVER:-none} -> $(readlink -f "${KILN_CUDA_DRIVER:-/nonexistent}" 2>/dev/null)"
  echo "nvrtc library: ${KILN_CUDA_NVRTC:-none} -> $(readlink -f "${KILN_CUDA_NVRTC:-/nonexistent}" 2>/dev/null)"
  echo "nccl library: ${KILN_CUDA_NCCL:-none} -> $(readlink -f "${KILN_CUDA_NCCL:-/nonexistent}" 2>/dev/null)"
  echo "java: $(cat "$prep/jdk-version.txt" 2>/dev/null || echo none)"
  echo "python: $("$python" --version 2>&1)"
  echo "nvidia-smi --query-gpu: $(timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 | head -4 | paste -sd';')"
  echo "pip (torch, nvidia-*):"
  timeout 30 "$python" -m pip list 2>/dev/null | grep -i -E '^(torch|nvidia-|triton)' | sed 's/^/  /'
  echo
  echo "nvidia-smi:"
  timeout 20 nvidia-smi 2>&1
} >> "$env_log" 2>&1

# ---- Kiln ----
java_cmd=()
if [ -x "$java_bin" ] && [ -f "$prep/classpath.txt" ]; then
  cp="$(sed "s|^|$root/$prep/lib/|" "$prep/classpath.txt" | paste -sd:)"
  java_cmd=("$java_bin" -Xmx24g --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
    "-Dkiln.cuda.driver=$KILN_CUDA_DRIVER" "-Dkiln.cuda.nvrtc=$KILN_CUDA_NVRTC" "-Dkiln.cuda.cacheDir=/tmp/kiln-gpucheck-cubins"
    ${KILN_GPUCHECK_PRECISION:+"-Dkiln.cuda.precision=$KILN_GPUCHECK_PRECISION"} -cp "$cp")
fi
if [ ${#java_cmd[@]} -gt 0 ] && [ -n "$KILN_CUDA_DRIVER" ]; then
  run_stage "Kiln parity (primitives EXACT and FAST, MLP step)" 120 "$java_log" "${java_cmd[@]}" dev.kiln.cuda.tests.GpuCheck $smoke parity
  run_stage "Kiln CUDA-graph replay vs direct launches" 60 "$java_log" "${java_cmd[@]}" dev.kiln.cuda.tests.GpuCheck $smoke replay
  if [ -n "$smoke" ]; then samples_args=(--steps 3 --no-digits); else samples_args=(--steps 30); fi
  run_stage "Kiln seed samples and digits-mlp, cuda vs CPU" 90 "$java_log" "${java_cmd[@]}" dev.kiln.samples.SamplesGpuCheck "${samples_args[@]}"
  run_stage "Kiln benchmarks" 90 "$java_log" "${java_cmd[@]}" dev.kiln.cuda.tests.GpuCheck $smoke bench
else
  stages+=("| Kiln (all stages) | NOT RUN: ${problems[*]:-no java} | 0 s |")
fi

# ---- PyTorch ----
run_stage "PyTorch benchmarks (torch_side.py)" 120 "$torch_log" env PYTHONUNBUFFERED=1 "$python" runtime-cuda/gpu-check/torch_side.py $smoke

# ---- the report ----
results="$(grep -h '^RESULT ' "$java_log" "$torch_log" 2>/dev/null)"
value() { echo "$results" | awk -v n="$1" '$2 == n {v = $3} END {print v}'; }
fmt() { [ -n "$1" ] && printf '%.4g' "$1" || echo "—"; }
# ratio A B: A / B, or — where either is missing
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3g", a / b}' || echo "—"; }
meets() { # meets VALUE TARGET: yes/no against a minimum
  [ "$1" = "—" ] && { echo "not measured"; return; }
  awk -v v="$1" -v t="$2" 'BEGIN {print (v >= t ? "meets" : "MISSES")}'
}
kc=$(value kiln_copy_gbps); tc=$(value torch_copy_gbps)
kae=$(value kiln_add_eager_gbps); kac=$(value kiln_add_compiled_gbps); ta=$(value torch_add_gbps)
kce=$(value kiln_cubic_eager_us); kcc=$(value kiln_cubic_compiled_us); tce=$(value torch_cubic_eager_us); tcc=$(value torch_cubic_compiled_us)
kme=$(value kiln_mlp_eager_ms); kmc=$(value kiln_mlp_compiled_ms); tme=$(value torch_mlp_eager_ms)
tn=$(value torch_nccl_allreduce_us); tng=$(value torch_nccl_allreduce_gbps)
gpu="$(timeout 20 nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)"
torchv="$(grep -h '^INFO torch_version' "$torch_log" | awk '{print $3}')"
r_ae=$(ratio "$kae" "$tc"); r_ac=$(ratio "$kac" "$tc"); r_ta=$(ratio "$ta" "$tc")
r_cc=$(ratio "$tcc" "$kcc"); r_ce=$(ratio "$tce" "$kcc"); r_cee=$(ratio "$tce" "$kce")
r_mc=$(ratio "$tme" "$kmc"); r_me=$(ratio "$tme" "$kme")
{
  echo "# Kiln GPU check: $(date -u '+%Y-%m-%d') on ${gpu:-no GPU found}${smoke:+ (SMOKE sizes: not a measurement)}"
  echo
  echo "Driver ${KILN_CUDA_DRIVER:-not found}, NVRTC ${KILN_CUDA_NVRTC:-not found}, NCCL ${KILN_CUDA_NCCL:-not found}; PyTorch ${torchv:-not run}."
  echo "Kiln in FAST precision (float32 in float) unless -Dkiln.cuda.precision says otherwise (${KILN_GPUCHECK_PRECISION:-fast}); the parity part sets EXACT and FAST itself."
  for p in "${problems[@]}"; do echo; echo "**Problem:** $p"; done
  echo
  echo "## Benchmarks (float32, medians; env.txt has the versions)"
  echo
  echo "| workload | Kiln | PyTorch | ratio | target |"
  echo "|---|---|---|---|---|"
  echo "| device-to-device copy, 2^26 floats (GB/s, 8 B/element) | $(fmt "$kc") (clone) | $(fmt "$tc") (copy_) | Kiln/PyTorch $(ratio "$kc" "$tc") | reference |"
  echo "| elementwise add, eager (GB/s, 12 B/element) | $(fmt "$kae") | $(fmt "$ta") | fraction of PyTorch's copy: Kiln $r_ae, PyTorch $r_ta | ≥ 0.90: $(meets "$r_ae" 0.9) |"
  echo "| elementwise add, compiled + graph (GB/s) | $(fmt "$kac") | — | fraction of PyTorch's copy: $r_ac | ≥ 0.90: $(meets "$r_ac" 0.9) |"
  echo "| cubic step at 10^6 points, Kiln compiled + graph vs torch.compile(reduce-overhead) (µs/step) | $(fmt "$kcc") | $(fmt "$tcc") | speed-up $r_cc× | ≥ 2×: $(meets "$r_cc" 2) |"
  echo "| cubic step, Kiln compiled + graph vs PyTorch eager (µs/step) | $(fmt "$kcc") | $(fmt "$tce") | speed-up $r_ce× | — |"
  echo "| cubic step, both eager (µs/step) | $(fmt "$kce") | $(fmt "$tce") | speed-up $r_cee× | — |"
  echo "| MLP 64→512→512→1 tanh, batch 4096, Adam: Kiln compiled + graph vs PyTorch eager (ms/step) | $(fmt "$kmc") | $(fmt "$tme") | speed-up $r_mc× | ≥ 1.0×: $(meets "$r_mc" 1) |"
  echo "| MLP step, both eager (ms/step) | $(fmt "$kme") | $(fmt "$tme") | speed-up $r_me× | — |"
  echo "| NCCL all-reduce, one rank, 2^26 floats (µs) | pending (no Kiln NCCL binding yet) | $(fmt "$tn") ($(fmt "$tng") GB/s) | — | — |"
  echo
  echo "Timed: Kiln, 20 calls (cubic 100, MLP 10) after 3 warm-up calls, ended by reading one element back (the stream runs in order), median of 9; PyTorch, CUDA events around the same calls, median of 9."
  echo
  echo "## Checks"
  echo
  echo "| check | result |"
  echo "|---|---|"
  grep -h '^CHECK ' "$java_log" "$torch_log" 2>/dev/null | awk '{name = $2; st = $3; $1 = $2 = $3 = ""; sub(/^ +/, ""); gsub(/\|/, "/"); print "| " name " | " st " " $0 " |"}'
  echo
  echo "## Stages"
  echo
  echo "| stage | status | time |"
  echo "|---|---|---|"
  printf '%s\n' "${stages[@]}"
  echo
  echo "Total $(( $(date +%s) - start )) s. Logs: java.log, torch.log; versions and nvidia-smi: env.txt."
} > "$report"
echo "gpu-check: wrote $report" >&2
cat "$report"
