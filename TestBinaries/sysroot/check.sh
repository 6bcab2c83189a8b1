#!/usr/bin/env bash
# check.sh ELFDYN CACHEDIR [check.py options] [TARGET-PATH...]
#
# Compares `ELFDYN tree --root` and `ELFDYN check-undefined --root` with the loader's own output
# recorded by TestBinaries/build-sysroot.sh CACHEDIR, for every file with an oracle record.
# Prints PASS/FAIL lines per file and check, the per-check counts, and last `N passed, M failed`
# (files); exits 0 only when M is 0. Options: -j N (parallel elfdyn runs, default 2),
# --only tree|undef, --raw-paths (compare paths as printed, symlinks not resolved),
# --show TARGET... (print the normalised oracle and elfdyn results). See README.md.
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 ELFDYN CACHEDIR [-j N] [--only tree|undef] [--raw-paths] [--show] [TARGET...]" >&2; exit 2; }
exec python3 "$(cd "$(dirname "$0")" && pwd)/check.py" "$@"
