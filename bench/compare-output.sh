#!/usr/bin/env bash
# bench/compare-output.sh OLD NEW — checks that two elfdyn binaries print byte-identical output
# (stdout, stderr and exit status) for tree (text, json, flat, dot) and check-undefined (text,
# json) over /usr/bin/* and /usr/lib/x86_64-linux-gnu/*.so*: all inputs in one run, and a sample
# of single-input runs. Used to show that a speed-up changes nothing; prints the first difference.
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OLD NEW" >&2; exit 2; }
old=$1 new=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C NO_COLOR=1
unset LD_LIBRARY_PATH LD_PRELOAD
bins=(/usr/bin/*)
libs=(/usr/lib/x86_64-linux-gnu/*.so*)
failures=0
compare() { # NAME ARGS...
  local name=$1; shift
  "$old" "$@" >"$work/old.out" 2>"$work/old.err"; echo "exit $?" >>"$work/old.err"
  "$new" "$@" >"$work/new.out" 2>"$work/new.err"; echo "exit $?" >>"$work/new.err"
  if cmp -s "$work/old.out" "$work/new.out" && cmp -s "$work/old.err" "$work/new.err"; then
    printf 'same  %-40s %s bytes\n' "$name" "$(stat -c %s "$work/new.out")"
  else
    printf 'DIFF  %s\n' "$name"
    diff "$work/old.out" "$work/new.out" | sed -n 1,20p
    diff "$work/old.err" "$work/new.err" | sed -n 1,10p
    failures=$((failures + 1))
  fi
}
for set in bins libs; do
  declare -n files=$set
  compare "tree $set" tree "${files[@]}"
  compare "tree --format json $set" tree --format json "${files[@]}"
  compare "tree --flat $set" tree --flat "${files[@]}"
  compare "tree --format dot $set" tree --format dot "${files[@]}"
  compare "tree --color never $set (ArgumentParser)" tree --color never "${files[@]}"
  compare "check-undefined $set" check-undefined "${files[@]}"
  compare "check-undefined --format json $set" check-undefined --format json "${files[@]}"
  # Single inputs (every 25th): one input takes other paths (every core on one closure).
  for ((i = 0; i < ${#files[@]}; i += 25)); do
    f=${files[$i]}
    compare "tree $f" tree "$f"
    compare "check-undefined --format json $f" check-undefined --format json "$f"
  done
done
compare "check-undefined /usr/lib/x86_64-linux-gnu (directory)" check-undefined /usr/lib/x86_64-linux-gnu
if [ "$failures" -eq 0 ]; then echo "compare-output: identical"; else echo "compare-output: $failures differences"; exit 1; fi
