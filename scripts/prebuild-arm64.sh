#!/bin/sh
# Cross-builds the linux-arm64 prebuild (prebuildify + g++-aarch64-linux-gnu) into prebuilds/linux-arm64/,
# then checks it under qemu-user: the .node loads (dlopen) and exports the N-API entry point, the core's
# unit tests pass on arm64, and the pipeline's output is bit-identical to the host's (scripts/arch-hash.cc).
# Needs: apt-get install g++-aarch64-linux-gnu qemu-user. The x64 build in build/ is left untouched.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
for t in aarch64-linux-gnu-g++ aarch64-linux-gnu-strip qemu-aarch64 cmake; do
  command -v "$t" >/dev/null || { echo "prebuild-arm64: '$t' not found; apt-get install g++-aarch64-linux-gnu qemu-user cmake" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sysroot=/usr/aarch64-linux-gnu

echo "== cross-building the addon (prebuildify --arch arm64) in $tmp"
mkdir -p "$tmp/pkg/scripts"
cp -r "$root/native" "$root/binding.gyp" "$root/package.json" "$tmp/pkg/"
cp "$root/scripts/native-sources.cjs" "$tmp/pkg/scripts/"
ln -s "$root/node_modules" "$tmp/pkg/node_modules"
(cd "$tmp/pkg" && CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ \
  npx prebuildify --napi --arch arm64 --target 20.0.0 >"$tmp/prebuild.log" 2>&1) || { tail -30 "$tmp/prebuild.log"; exit 1; }
mkdir -p "$root/prebuilds/linux-arm64"
for f in "$tmp"/pkg/prebuilds/linux-arm64/*.node; do
  aarch64-linux-gnu-strip --strip-unneeded -o "$root/prebuilds/linux-arm64/$(basename "$f")" "$f"
done
node_file=$(ls "$root"/prebuilds/linux-arm64/*.node | head -1)
file "$node_file"

echo "== test-loading it under qemu-aarch64"
cat >"$tmp/probe.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char** argv) {
  void* h = dlopen(argv[1], RTLD_LAZY | RTLD_LOCAL);  /* napi_* resolve against node at run time */
  if (!h) { printf("dlopen failed: %s\n", dlerror()); return 1; }
  void* init = dlsym(h, "napi_register_module_v1");
  printf("loaded; napi_register_module_v1 %s\n", init ? "found" : "MISSING");
  return init ? 0 : 1;
}
C
aarch64-linux-gnu-gcc -O1 -o "$tmp/probe" "$tmp/probe.c" -ldl
qemu-aarch64 -L "$sysroot" "$tmp/probe" "$node_file"

echo "== core unit tests on arm64 (qemu-aarch64)"
cmake -S "$root/native" -B "$tmp/arm" -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++ -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/arm" -j 2 >"$tmp/arm.log" 2>&1 || { tail -30 "$tmp/arm.log"; exit 1; }
qemu-aarch64 -L "$sysroot" "$tmp/arm/ecg_core_tests" | tail -1

echo "== bit-exactness host vs arm64 (scripts/arch-hash.cc)"
src="$root/native/core/dsp/*.cc $root/native/core/detect/*.cc $root/native/core/pipeline/*.cc $root/native/core/status.cc"
# shellcheck disable=SC2086
c++ -O2 -std=c++17 -I "$root/native/core" "$root/scripts/arch-hash.cc" $src -o "$tmp/hash-host"
# shellcheck disable=SC2086
aarch64-linux-gnu-g++ -O2 -std=c++17 -I "$root/native/core" "$root/scripts/arch-hash.cc" $src -o "$tmp/hash-arm64"
a=$("$tmp/hash-host"); b=$(qemu-aarch64 -L "$sysroot" "$tmp/hash-arm64")
echo "host:  $a"; echo "arm64: $b"
[ "$a" = "$b" ] || { echo "prebuild-arm64: outputs differ between architectures" >&2; exit 1; }
echo "prebuild-arm64: ok ($node_file)"
