#!/usr/bin/env bash
# `make demo`: builds the sample program and shows what elfdyn says about it.
set -uo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=${2:?usage: run-demo.sh ELFDYN OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
"$here/build-demo.sh" "$out"
cd "$out/project"
run() {
  printf '\n\033[1m$ %s\033[0m\n' "$*"
  "$@"
  printf '\033[2m(exit status %s)\033[0m\n' "$?"
}
echo "The sample: target/debug/app needs libgreet.so (in target/debug/deps) and libruntime.so.1"
echo "(in $out/toolchain/lib). Nothing tells the loader where they are:"
run ./target/debug/app
run "$bin" tree target/debug/app --color always
echo
echo "With the directories given (-L works like LD_LIBRARY_PATH), everything resolves:"
run "$bin" tree target/debug/app --color always -L target/debug/deps -L ../toolchain/lib
run "$bin" tree --flat target/debug/app -L target/debug/deps -L ../toolchain/lib
echo
echo "elfdyn set-rpath writes those directories into the program's DT_RUNPATH, \$ORIGIN-relative for"
echo "what is inside the project (the current directory), so the program starts as it is:"
run "$bin" set-rpath target/debug/app -L target/debug/deps -L ../toolchain/lib --color always
run sh -c "readelf -d target/debug/app | grep -E 'NEEDED|RUNPATH'"
run ./target/debug/app
echo
echo "Running it again changes nothing; --print shows the value:"
run "$bin" set-rpath target/debug/app -L target/debug/deps -L ../toolchain/lib --color always
run "$bin" set-rpath --print target/debug/app
echo
echo "target/debug/bpftool links (with --allow-shlib-undefined) but cannot start: libbpf.so calls"
echo "vsnprintf_wrapper, a C helper that libvsprintf.so took from a static archive and does not export."
echo "check-undefined finds it without running anything, and says where the symbol really is:"
run "$bin" check-undefined target/debug/bpftool -L target/debug/deps -L ../toolchain/lib --color always
run env LD_LIBRARY_PATH=target/debug/deps ./target/debug/bpftool
exit 0
