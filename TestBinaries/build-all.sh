#!/usr/bin/env bash
# Builds every ELF file the tests use into OUTDIR (default TestBinaries/out). Nothing built is committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
start=$(date +%s)
"$here/demo/build-demo.sh" "$out/demo"
"$here/build-tree.sh" "$out"
"$here/build-symbols.sh" "$out"
"$here/build-cargo.sh" "$out"
"$here/build-patch.sh" "$out"
"$here/build-musl.sh" "$out"
"$here/build-i386.sh" "$out"
"$here/build-abi.sh" "$out"
echo "TestBinaries built in $(( $(date +%s) - start )) s into $out" >&2
