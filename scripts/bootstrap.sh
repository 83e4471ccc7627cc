#!/usr/bin/env bash
# Installs what the two build trees need, only if missing, quietly. Idempotent.
# Debian packages: cmake/ninja/g++ (Linux tree), mingw-w64 + wine (Windows tree),
# libcmocka-dev + googletest (test frameworks), python3 (conformance runner).
# The cmocka *source* for the mingw build comes from Debian's source package.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

for spec in cmake:cmake ninja:ninja-build g++:g++ python3:python3 \
            x86_64-w64-mingw32-g++-posix:g++-mingw-w64-x86-64-posix \
            x86_64-w64-mingw32-gcc-posix:gcc-mingw-w64-x86-64-posix \
            wine:wine wineserver:wine xz:xz-utils pkg-config:pkgconf; do
  have_cmd "${spec%%:*}" || need+=("${spec#*:}")
done
for pkg in wine64 libcmocka-dev libgtest-dev googletest mingw-w64-x86-64-dev; do
  have_pkg "$pkg" || need+=("$pkg")
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
updated=0
apt_update() { [ $updated -eq 1 ] || { $SUDO apt-get update -qq >/dev/null; updated=1; }; }

if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  echo "bootstrap: installing ${need[*]}"
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# CMocka source for the mingw build (Debian ships no mingw cmocka).
"$here/scripts/fetch-cmocka-source.sh" "$here/build/_deps"
