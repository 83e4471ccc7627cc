#!/usr/bin/env bash
# CTest fixture: start|stop the persistent wineserver of a build tree's private prefix.
# With the server kept alive, a Wine process start costs a fraction of a second, not ~2 s.
set -euo pipefail
action=${1:?start|stop}
export WINEPREFIX=${2:?prefix}
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-"mscoree=;mshtml="}
case "$action" in
  start)
    mkdir -p "$WINEPREFIX"
    wineserver -k >/dev/null 2>&1 || true   # a server left over from an aborted run
    wineserver -w >/dev/null 2>&1 || true
    # Detached from our stdout: CTest waits for every holder of the test's output pipe.
    wineserver -p >/dev/null 2>&1 </dev/null
    # Creates/updates the prefix on first use; afterwards it only proves Wine starts.
    start=$(date +%s%N)
    wine cmd /c exit >/dev/null 2>&1 </dev/null
    t1=$(( ($(date +%s%N) - start) / 1000000 ))
    start=$(date +%s%N)
    wine cmd /c exit >/dev/null 2>&1 </dev/null
    t2=$(( ($(date +%s%N) - start) / 1000000 ))
    echo "wineserver up for $WINEPREFIX; first start ${t1} ms, warm process start ${t2} ms"
    ;;
  stop)
    wineserver -k >/dev/null 2>&1 || true
    wineserver -w >/dev/null 2>&1 || true
    echo "wineserver stopped"
    ;;
  *) echo "usage: $0 start|stop PREFIX" >&2; exit 2 ;;
esac
