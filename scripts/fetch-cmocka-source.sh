#!/usr/bin/env bash
# Puts Debian's cmocka source (orig tarball) under DEST/cmocka-src, if not there yet.
# Needs a deb-src entry; adds one for Debian's archive when none exists.
set -euo pipefail
dest=${1:?usage: fetch-cmocka-source.sh DEST}
[ -f "$dest/cmocka-src/src/cmocka.c" ] && exit 0
mkdir -p "$dest"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
if ! apt-get source --download-only -qq cmocka >/dev/null 2>&1; then
  if ! grep -rqs '^Types: *deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$(. /etc/os-release && echo "$VERSION_CODENAME")" | $SUDO tee /etc/apt/sources.list.d/ipcshim-deb-src.sources >/dev/null
  fi
  $SUDO apt-get update -qq >/dev/null
  apt-get source --download-only -qq cmocka >/dev/null 2>&1
fi
tarball=$(ls cmocka_*.orig.tar.* | head -n1)
mkdir src && tar -xf "$tarball" -C src --strip-components=1
rm -rf "$dest/cmocka-src" && mv src "$dest/cmocka-src"
echo "bootstrap: cmocka source ${tarball%%.orig*} in $dest/cmocka-src"
