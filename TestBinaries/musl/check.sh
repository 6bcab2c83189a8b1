#!/bin/bash
# check.sh ELFDYN OUTDIR [difftest.py options: --only SUBSTRING, --category tree|undef, --jobs N]
#
# Differential test of elfdyn against the real musl loader: for every case
# recorded by TestBinaries/build-musl.sh in OUTDIR/musl/cases.json, runs
#   ELFDYN tree --flat INPUT                  (same cwd and LD_LIBRARY_PATH
#   ELFDYN check-undefined --format json INPUT as the oracle got)
# and compares with what `INTERP --list INPUT` (and the real run) printed at
# build time. One line per test, "PASS tree:NAME" / "FAIL undef:NAME: expected
# ... got ...", then "N passed, M failed"; exit 0 only if M is 0.
# The comparison rules are in difftest.py (next to this script).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 ELFDYN OUTDIR [--only SUBSTRING] [--category tree|undef]" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
elfdyn=$1 out=$2; shift 2
m=$(realpath "$out")/musl/cases.json
[ -f "$m" ] || { echo "check.sh: no $m (run TestBinaries/build-musl.sh $out first)" >&2; exit 2; }
exec /usr/bin/python3 "$HERE/difftest.py" "$elfdyn" "$m" "$@"
