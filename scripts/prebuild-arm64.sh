#!/bin/sh
# npm run prebuild:arm64 — cross-builds the linux-arm64 prebuild (prebuildify + g++-aarch64-linux-gnu) into
# prebuilds/linux-arm64/ecg-edge.node (the name node-gyp-build looks for on a Raspberry Pi 3/4/5 with a 64-bit
# OS), then proves it works:
#   1. ELF check: machine AArch64, every undefined symbol is N-API (napi_*, provided by node) or versioned
#      glibc / libstdc++ / libgcc, and the N-API entry point napi_register_module_v1 is exported;
#   2. it loads in a REAL arm64 Node.js (Debian's nodejs:arm64, run under qemu-aarch64) through the package's
#      own loader (dist/native/binding.js → node-gyp-build → prebuilds/linux-arm64/), and the device path
#      (fixed-point filter → R-peak detector → int8 classifier) on the MIT-BIH records in fixtures/ gives
#      output identical to an x64 build of the same sources under the host's node (scripts/prebuild-check.mjs);
#   3. the C++ core's unit tests pass on arm64 (qemu-aarch64);
#   4. the streaming pipeline is bit-identical host vs arm64 over synthetic signals (scripts/arch-hash.cc).
# The arm64 node and its shared libraries come from Debian: downloaded once with apt-get using a private state
# directory (no change to the host's dpkg architectures) and unpacked into .cache/arm64-node-<suite>/ (suite
# ECG_EDGE_ARM64_NODE_SUITE, default trixie = Node.js 20; location ECG_EDGE_ARM64_NODE_ROOT). The x64 build in build/ and dist/ are left untouched.
# Needs: apt-get install g++-aarch64-linux-gnu qemu-user cmake (installed automatically when run as root).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "prebuild-arm64: $*" >&2; }

# ---- prerequisites ----------------------------------------------------------------------------------------
missing=""
for t in aarch64-linux-gnu-g++:g++-aarch64-linux-gnu aarch64-linux-gnu-strip:binutils-aarch64-linux-gnu \
         aarch64-linux-gnu-readelf:binutils-aarch64-linux-gnu qemu-aarch64:qemu-user cmake:cmake \
         dpkg-deb:dpkg apt-get:apt; do
  command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
done
if [ -n "$missing" ]; then
  # shellcheck disable=SC2086
  pkgs=$(printf '%s\n' $missing | sort -u | tr '\n' ' ')
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $pkgs"
    # shellcheck disable=SC2086
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs; } >&2
  else
    say "missing tools; install them with:"
    echo "  sudo apt-get install -y --no-install-recommends $pkgs" >&2
    exit 2
  fi
fi
[ -f "$root/node_modules/prebuildify/package.json" ] || { say "run \`npm install\` first (needs the prebuildify devDependency)"; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sysroot=/usr/aarch64-linux-gnu

# ---- a real arm64 Node.js from Debian ----------------------------------------------------------------------
# Default: Debian 13 "trixie", whose nodejs is 20.x (package.json engines: node >= 20). Set
# ECG_EDGE_ARM64_NODE_SUITE=bookworm for Debian 12's nodejs 18.x (also N-API >= 8).
suite=${ECG_EDGE_ARM64_NODE_SUITE:-trixie}
mirror=${ECG_EDGE_DEBIAN_MIRROR:-http://deb.debian.org}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
noderoot=${ECG_EDGE_ARM64_NODE_ROOT:-$root/.cache/arm64-node-$suite}
arm_node="$noderoot/root/usr/bin/node"
if [ ! -x "$arm_node" ]; then
  echo "== fetching nodejs:arm64 and its libraries from Debian $suite into $noderoot (once)"
  [ -f "$keyring" ] || { say "missing $keyring; install it with:"; echo "  sudo apt-get install -y debian-archive-keyring" >&2; exit 2; }
  mkdir -p "$noderoot/lists/partial" "$noderoot/cache/archives/partial"
  : >"$noderoot/status"
  printf 'deb [arch=arm64 signed-by=%s] %s/debian %s main\ndeb [arch=arm64 signed-by=%s] %s/debian-security %s-security main\n' \
    "$keyring" "$mirror" "$suite" "$keyring" "$mirror" "$suite" >"$noderoot/sources.list"
  # A private apt state: its own sources list and package lists, an empty dpkg status (so every dependency is
  # downloaded), nothing installed or changed on the host (no dpkg --add-architecture).
  set -- -o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Dir::Etc::sourcelist="$noderoot/sources.list" \
    -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$noderoot/lists" -o Dir::State::status="$noderoot/status" \
    -o Dir::Cache="$noderoot/cache" -o Debug::NoLocking=1 -q
  if ! { apt-get "$@" update && apt-get "$@" install -y --download-only --no-install-recommends nodejs; } >"$tmp/apt.log" 2>&1; then
    tail -20 "$tmp/apt.log" >&2
    say "could not download nodejs:arm64 from $mirror/debian $suite (see above)"
    exit 1
  fi
  rm -rf "$noderoot/root.new" && mkdir -p "$noderoot/root.new"
  for d in "$noderoot"/cache/archives/*.deb; do dpkg-deb -x "$d" "$noderoot/root.new"; done
  # Merged /usr (trixie): the /lib -> usr/lib links come from base-files, which is not unpacked here.
  for l in lib bin sbin; do [ -e "$noderoot/root.new/$l" ] || ln -s "usr/$l" "$noderoot/root.new/$l"; done
  rm -rf "$noderoot/root" && mv "$noderoot/root.new" "$noderoot/root"
  rm -rf "$noderoot/lists" "$noderoot/cache" "$noderoot/status"   # only the unpacked tree is kept
fi
arm_node_run() { qemu-aarch64 -L "$noderoot/root" "$arm_node" "$@"; }
echo "arm64 node: $(arm_node_run -p '`${process.version} ${process.arch} napi ${process.versions.napi}`') ($arm_node, qemu-aarch64)"

# ---- cross-build (arm64) and host build (x64) of the same sources -------------------------------------------
echo "== cross-building the addon (prebuildify --napi --arch arm64) in $tmp"
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
node_file="$root/prebuilds/linux-arm64/ecg-edge.node"
[ -f "$node_file" ] || { say "prebuildify did not produce $node_file"; ls "$tmp"/pkg/prebuilds/*/ >&2; exit 1; }
file "$node_file"

echo "== building the same sources for the host (x64 reference)"
(cd "$tmp/pkg" && npx prebuildify --napi --target 20.0.0 >"$tmp/prebuild-host.log" 2>&1) || { tail -30 "$tmp/prebuild-host.log"; exit 1; }

# ---- 1. ELF check -------------------------------------------------------------------------------------------
echo "== ELF check"
machine=$(aarch64-linux-gnu-readelf -h "$node_file" | sed -n 's/^ *Machine: *//p')
echo "machine: $machine"
[ "$machine" = "AArch64" ] || { say "$node_file is not an AArch64 binary"; exit 1; }
aarch64-linux-gnu-readelf --dyn-syms -W "$node_file" >"$tmp/dynsyms"
# (weak undefined symbols such as __gmon_start__ from the C runtime's crt files are optional: not counted)
awk '$7 == "UND" && $5 != "WEAK" && $8 != "" { print $8 }' "$tmp/dynsyms" | sort -u >"$tmp/undef"
bad=$(grep -Ev '^napi_|@(GLIBC|GLIBCXX|CXXABI|GCC)_[0-9.]+( \([0-9]+\))?$' "$tmp/undef" || true)
[ -z "$bad" ] || { say "unexpected undefined symbols (neither N-API nor glibc/libstdc++/libgcc):"; echo "$bad" >&2; exit 1; }
awk '$7 != "UND" && $8 == "napi_register_module_v1" { f = 1 } END { exit !f }' "$tmp/dynsyms" \
  || { say "napi_register_module_v1 is not exported"; exit 1; }
echo "undefined: $(grep -c '^napi_' "$tmp/undef") napi_* (from node), $(grep -vc '^napi_' "$tmp/undef") glibc/libstdc++/libgcc;" \
  "newest glibc needed: $(grep -o 'GLIBC_[0-9.]*' "$tmp/undef" | sort -t. -k2,2n -k3,3n | tail -1);" \
  "needed: $(aarch64-linux-gnu-readelf -d "$node_file" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"

# ---- 2. load it in a real arm64 node and run the device path ------------------------------------------------
echo "== loading it in arm64 node via node-gyp-build and running the device path on fixtures/mitdb"
stage="$tmp/stage"
mkdir -p "$stage/prebuilds/linux-arm64" "$stage/prebuilds/linux-x64"
cp "$root/package.json" "$stage/"
cp "$node_file" "$stage/prebuilds/linux-arm64/"
cp "$tmp"/pkg/prebuilds/linux-x64/*.node "$stage/prebuilds/linux-x64/"
ln -s "$root/node_modules" "$stage/node_modules"
ln -s "$root/models" "$stage/models"
ln -s "$root/fixtures" "$stage/fixtures"
# The package's TypeScript, compiled from the current sources into the staging package (dist/ is not touched).
(cd "$root" && npx tsc -p tsconfig.json --outDir "$stage/dist" --declaration false --sourceMap false >"$tmp/tsc.log" 2>&1) \
  || { say "warning: tsc reported errors (the check goes on with what it emitted):"; tail -5 "$tmp/tsc.log" >&2; }
# PREBUILDS_ONLY: node-gyp-build takes prebuilds/<platform>-<arch>/, as on a machine without a local build.
x64=$(PREBUILDS_ONLY=1 node "$root/scripts/prebuild-check.mjs" "$stage") || { say "the x64 reference run failed"; exit 1; }
arm=$(PREBUILDS_ONLY=1 arm_node_run "$root/scripts/prebuild-check.mjs" "$stage") || { say "the arm64 run failed"; exit 1; }
echo "x64:   $x64"
echo "arm64: $arm"
strip_env() { echo "$1" | sed 's/^{"arch":"[^"]*","node":"[^"]*","addon":"[^"]*",//'; }
echo "$arm" | grep -q '"arch":"arm64".*"addon":"prebuilds/linux-arm64/ecg-edge.node"' \
  || { say "the arm64 node did not load prebuilds/linux-arm64/ecg-edge.node"; exit 1; }
[ "$(strip_env "$x64")" = "$(strip_env "$arm")" ] || { say "arm64 output differs from x64"; exit 1; }
echo "identical: filter output, R peaks, labels and probabilities on every record"

# ---- 3. core unit tests on arm64 ----------------------------------------------------------------------------
echo "== core unit tests on arm64 (qemu-aarch64)"
cmake -S "$root/native" -B "$tmp/arm" -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++ -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/arm" -j 2 >"$tmp/arm.log" 2>&1 || { tail -30 "$tmp/arm.log"; exit 1; }
qemu-aarch64 -L "$sysroot" "$tmp/arm/ecg_core_tests" >"$tmp/arm-tests.log" 2>&1 || { tail -30 "$tmp/arm-tests.log"; exit 1; }
tail -1 "$tmp/arm-tests.log"

# ---- 4. bit-exactness of the pipeline, host vs arm64 --------------------------------------------------------
echo "== bit-exactness host vs arm64 (scripts/arch-hash.cc)"
src="$root/native/core/dsp/*.cc $root/native/core/detect/*.cc $root/native/core/pipeline/*.cc $root/native/core/status.cc"
# shellcheck disable=SC2086
c++ -O2 -std=c++17 -I "$root/native/core" "$root/scripts/arch-hash.cc" $src -o "$tmp/hash-host"
# shellcheck disable=SC2086
aarch64-linux-gnu-g++ -O2 -std=c++17 -I "$root/native/core" "$root/scripts/arch-hash.cc" $src -o "$tmp/hash-arm64"
a=$("$tmp/hash-host"); b=$(qemu-aarch64 -L "$sysroot" "$tmp/hash-arm64")
echo "host:  $a"; echo "arm64: $b"
[ "$a" = "$b" ] || { say "outputs differ between architectures"; exit 1; }
echo "prebuild-arm64: ok ($node_file)"
