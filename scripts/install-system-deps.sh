#!/usr/bin/env bash
# Installs the Debian packages that building and testing ecg-edge needs: a C++ toolchain and CMake for the
# native core, and the AVR toolchain, Arduino core and simavr for the firmware bridge and simulated board.
set -euo pipefail
PKGS=(build-essential cmake python3 gcc-avr avr-libc arduino-core-avr simavr libsimavr-dev libelf-dev socat)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages: all present"; exit 0; fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "system packages: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
