#!/usr/bin/env bash
# Prepares what the GPU check carries to a lent GPU machine (issue 29 §3): builds the reactor (no tests),
# collects runtime-cuda's and the samples' jars with everything on their test class paths (the check's
# program is test code: dev.kiln.cuda.tests.GpuCheck, dev.kiln.samples.SamplesGpuCheck), and a jlink image
# of the JDK modules they need (the GPU machine has no JDK), packed as jdk.tar.gz. Writes runtime-cuda/target/gpu-check/
# (git-ignored: carry it), prints its size, and fails if it is over 60 MiB.
#   bash runtime-cuda/gpu-check/prepare.sh        (from anywhere; run it under the build lock where builds share a machine)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out=runtime-cuda/target/gpu-check
limit=$((60 * 1024 * 1024))

java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}
# a JDK 25 with jlink and jdeps, found as ./kiln finds one
jdk=""
for dir in "${JAVA_HOME:-/nonexistent}" /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
  if [ -x "$dir/bin/jlink" ] && [ -x "$dir/bin/jdeps" ]; then
    major="$(java_major "$dir/bin/java" 2>/dev/null || true)"
    if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then jdk="$dir"; break; fi
  fi
done
[ -n "$jdk" ] || { echo "prepare: no JDK 25 with jlink found (set JAVA_HOME)" >&2; exit 1; }
echo "prepare: JDK $jdk"

# The build finds its own JDK 25 (the toolchains step); the class paths of both modules' tests, as the reactor resolves them
mvn -B -o -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/gpu-check.classpath -Dmdep.includeScope=test \
    -pl runtime-cuda,samples -am

rm -rf "$out"
mkdir -p "$out/lib"
version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)"
{
  tr ':' '\n' < runtime-cuda/target/gpu-check.classpath; echo
  tr ':' '\n' < samples/target/gpu-check.classpath; echo
  echo "runtime-cuda/target/kiln-runtime-cuda-$version.jar"
  echo "runtime-cuda/target/kiln-runtime-cuda-$version-tests.jar"
  echo "samples/target/kiln-samples-$version.jar"
} | awk 'NF && !seen[$0]++' | while read -r jar; do
  [ -f "$jar" ] || { echo "prepare: $jar is missing" >&2; exit 1; }
  # reactor jars keep their names; two artifacts never share a file name here
  cp "$jar" "$out/lib/"
done
# the samples' check alone from their test classes (the rest of them, and their fixtures, stay behind)
"$jdk/bin/jar" --create --file "$out/lib/kiln-samples-gpucheck.jar" -C samples/target/test-classes dev/kiln/samples/SamplesGpuCheck.class

# The JDK modules the jars need (jdeps), and the Vector API the runtime uses
# (over the jars' classes unpacked together: jdeps refuses modular jars whose modules it cannot all resolve)
classes="$(mktemp -d)"
trap 'rm -rf "$classes"' EXIT
for jar in "$out"/lib/*.jar; do (cd "$classes" && "$jdk/bin/jar" --extract --file "$root/$jar"); done
find "$classes" -name module-info.class -delete
modules="$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 "$classes")"
# java.desktop is jfreechart's and the samples' plots and image grids, which the check never loads: left out (about 10 MiB)
modules="$(echo "java.base,jdk.incubator.vector,$modules" | tr ',' '\n' | grep -v -x java.desktop | sort -u | paste -sd,)"
echo "prepare: jlink modules $modules"
"$jdk/bin/jlink" --add-modules "$modules" --strip-java-debug-attributes --strip-native-debug-symbols=exclude-debuginfo-files --no-man-pages --no-header-files --compress=zip-9 --output "$out/jdk"
ls "$out/lib" > "$out/classpath.txt"
"$out/jdk/bin/java" -version 2>&1 | head -1 > "$out/jdk-version.txt"
# packed: libjvm.so alone is 29 MiB, and what travels (this folder and the tracked tree) must stay under 64 MiB; run.sh unpacks it
tar -C "$out" -czf "$out/jdk.tar.gz" jdk
rm -rf "$out/jdk"
git rev-parse HEAD > "$out/commit.txt" 2>/dev/null || true

size=$(du -sb "$out" | cut -f1)
echo "prepare: $out is $((size / 1024 / 1024)) MiB ($size bytes): jars $(du -sh "$out/lib" | cut -f1), jdk.tar.gz $(du -sh "$out/jdk.tar.gz" | cut -f1)"
if [ "$size" -gt "$limit" ]; then
  echo "prepare: over the 60 MiB limit" >&2
  exit 1
fi
