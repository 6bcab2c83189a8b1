#!/bin/bash
# check.sh ELFDYN OUTDIR [--only SUBSTRING] [--category tree|undef] [--jobs N]
#
# Differential test of elfdyn against glibc's i386 loader: for every case
# recorded by TestBinaries/build-i386.sh in OUTDIR/i386/cases.json (the built
# scenarios and every dynamic i386 ELF file under /usr/lib/i386-linux-gnu and
# /usr/lib32 that ldd handles), runs
#   ELFDYN tree --flat INPUT                   vs `ldd INPUT`
#   ELFDYN check-undefined --format json INPUT vs `ldd -r INPUT`
# (same cwd and LD_LIBRARY_PATH). One line per test, "PASS tree:NAME" /
# "FAIL undef:NAME: expected ... got ...", then "N passed, M failed"; exit 0
# only if M is 0. The comparison rules are in TestBinaries/musl/difftest.py.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 ELFDYN OUTDIR [--only SUBSTRING] [--category tree|undef]" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
elfdyn=$1 out=$2; shift 2
m=$(realpath "$out")/i386/cases.json
[ -f "$m" ] || { echo "check.sh: no $m (run TestBinaries/build-i386.sh $out first)" >&2; exit 2; }
exec /usr/bin/python3 "$HERE/../musl/difftest.py" "$elfdyn" "$m" "$@"
