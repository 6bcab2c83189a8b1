#!/usr/bin/env bash
# scripts/link-order.sh ELFDYN [OUTPUT] -- writes the symbol ordering file the release link uses
# (scripts/link-order.txt): every function the common commands run, found by running ELFDYN under
# callgrind on the machine's own programs and libraries. The functions `tree` of one program runs
# come first (its start-up matters most), hottest first; then what each further profile adds.
#
# Why: the static executable is 32 MB and a run touches about 550 KB of its code. Left in link
# order, that code is spread over 11 MB, and each first touch of a 64 KB window is a page fault
# that maps 16 pages. With the functions side by side, `elfdyn tree /bin/true` takes 124 page
# faults instead of 184 and a third less CPU time. The Makefile links with lld, compiles with
# function sections, and passes this file to --symbol-ordering-file. A name that is no longer in
# the program is ignored, so a stale file costs speed, never correctness: run this again after
# large changes (`make link-order`) and commit the result. The data symbols the commands touch
# follow the functions (link-order-data.py).
set -euo pipefail
elfdyn=$(realpath "${1:?usage: link-order.sh ELFDYN [OUTPUT]}")
output=${2:-$(dirname "$(realpath "$0")")/link-order.txt}
valgrind=$(command -v valgrind.bin || command -v valgrind || true)
[ -n "$valgrind" ] || { echo "link-order.sh: valgrind is missing" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LD_LIBRARY_PATH LD_PRELOAD

# A program with many libraries, a library, and a handful of programs in one run.
big=$(ls /opt/swift/usr/bin/sourcekit-lsp /usr/bin/python3 2>/dev/null | sed -n 1p)
lib=$(ls /usr/lib/x86_64-linux-gnu/libssl.so.3 /usr/lib/x86_64-linux-gnu/libz.so.1 2>/dev/null | sed -n 1p)
mapfile -t several < <(ls /usr/bin/ls /usr/bin/cp /usr/bin/git /usr/bin/perl /usr/bin/gcc 2>/dev/null)
cp /usr/bin/ls "$work/ls-copy"
cp /usr/bin/ls "$work/ls-copy2"

run=0
profile() { # ARGS... : one callgrind profile of `elfdyn ARGS`
  run=$((run + 1))
  "$valgrind" --tool=callgrind --demangle=no --callgrind-out-file="$work/profile.$run" \
    "$elfdyn" "$@" >/dev/null 2>&1 || true
}
profile tree "$big"
profile tree --flat "$big"
profile tree --format json "$lib"
profile tree "${several[@]}"
profile check-undefined "$big"
profile check-undefined "$lib"
profile check-undefined --format json "${several[@]}"
profile check-undefined --unused "$big"
profile set-rpath --rpath '$ORIGIN/../lib' "$work/ls-copy"
profile set-rpath --in-place --rpath '$ORIGIN/../lib:/opt/a-longer-directory/of-libraries' "$work/ls-copy2"
profile versions "$big"
profile conflicts "$big"
profile tree --all --color always "$big"

profiles=()
for i in $(seq 1 "$run"); do profiles+=("$work/profile.$i"); done
python3 "$(dirname "$(realpath "$0")")/link-order.py" "$output" "${profiles[@]}"

# Then the data the commands read and write (.data, .bss and the runtime's caches), in the order
# of first access, from memory traces: side by side they take fewer pages. `tree` of a static
# program went from 140 to 115 page faults and 0.92 of the time (1,000 runs in turn), `tree` of
# sourcekit-lsp from 197 to 170 and 0.92 to 0.95 of the time (500 runs in turn, four times).
trace() { # ARGS... : the memory accesses of `elfdyn ARGS` (valgrind's lackey)
  "$valgrind" --tool=lackey --trace-mem=yes --log-fd=3 "$elfdyn" "$@" 3>&1 >/dev/null 2>/dev/null || true
}
{
  trace tree "$work/ls-copy"
  trace tree "$big"
  trace check-undefined "$big"
  trace tree --format json "$lib"
  trace versions "$big"
} | python3 "$(dirname "$(realpath "$0")")/link-order-data.py" "$elfdyn" "$output"

