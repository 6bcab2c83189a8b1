#!/bin/bash
# check-cases.sh OUTDIR [NAME...]
#
# Checks every `ldd` and `run` case of OUTDIR/tree/cases.tsv (made by
# TestBinaries/build-tree.sh) against the real loader:
#   ldd:  `ldd EXE` in CWD with LD_LIBRARY_PATH / LD_PRELOAD as given.
#   run:  `LD_TRACE_LOADED_OBJECTS=1 EXE` (the kernel starts the program, so the
#         main map's $ORIGIN comes from /proc/self/exe as in a real run).
#   exit=N in expect: the program is also run normally and must exit with N.
#   NAME=>error in expect: the loader must fail with
#         "error while loading shared libraries: .../NAME: <reason>" and print no list.
# `none` cases (foreign architecture, --root) cannot be run; only their files
# are checked to exist. Paths are compared after lexical normalisation (make
# absolute against CWD, drop `.`, `..`, `//`; symlinks not resolved).
# Prints PASS/FAIL per case; exit status 1 if any case fails.
set -uo pipefail

[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [CASE...]" >&2; exit 2; }
T=$(realpath "$1")/tree
M=$T/cases.tsv
[ -f "$M" ] || { echo "no $M (run build-tree.sh first)" >&2; exit 2; }
shift
only=" $* "
INTERP=/lib64/ld-linux-x86-64.so.2

# awk: lexical normalisation, shared by both parsers.
NORM='
function norm(p, cwd,   n, a, i, out, k, r) {
  if (p !~ /^\//) p = cwd "/" p
  n = split(p, a, "/"); k = 0
  for (i = 1; i <= n; i++) {
    if (a[i] == "" || a[i] == ".") continue
    if (a[i] == "..") { if (k > 0) k--; continue }
    out[++k] = a[i]
  }
  r = ""
  for (i = 1; i <= k; i++) r = r "/" out[i]
  return r == "" ? "/" : r
}'

# trace output (ldd format) -> NAME=>PATH lines
parse_trace() { # CWD < output
  awk -v cwd="$1" -v interp="$INTERP" "$NORM"'
    /^\t/ {
      line = $0; sub(/^\t/, "", line)
      if (line ~ / => not found$/) { sub(/ => not found$/, "", line); print line "=>not found"; next }
      sub(/ \(0x[0-9a-f]+\)$/, "", line)
      i = index(line, " => ")
      if (i) { name = substr(line, 1, i - 1); path = substr(line, i + 4) } else { name = line; path = line }
      if (name ~ /^linux-vdso\.so/ || name ~ /^linux-gate\.so/) next
      if (path == interp || name == interp) next
      print name "=>" norm(path, cwd)
    }'
}
# expect -> NAME=>PATH lines (exit= and root= dropped)
parse_expect() { # CWD EXPECT
  printf '%s\n' "$2" | tr ';' '\n' | awk -v cwd="$1" "$NORM"'
    /^exit=/ || /^root=/ || $0 == "" { next }
    { i = index($0, "=>"); name = substr($0, 1, i - 1); path = substr($0, i + 2)
      if (path != "not found" && path != "error") path = norm(path, cwd)
      print name "=>" path }'
}

pass=0 fail=0 skip=0
failed=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

while IFS=$'\t' read -r name exe cwd llp pre oracle expect; do
  [ "$name" = name ] && continue
  [ "$only" = "  " ] || [[ "$only" == *" $name "* ]] || continue
  envs=(-u LD_LIBRARY_PATH -u LD_PRELOAD)
  [ "$llp" = - ] || envs+=("LD_LIBRARY_PATH=$llp")
  [ "$pre" = - ] || envs+=("LD_PRELOAD=$pre")
  why=""
  if [ "$oracle" = none ]; then
    [ -e "$exe" ] || why="missing $exe"
    r=$(printf '%s\n' "$expect" | tr ';' '\n' | sed -n 's/^root=//p')
    [ -z "$r" ] || [ -d "$r" ] || why="missing root $r"
    if [ -z "$why" ]; then skip=$((skip + 1)); echo "SKIP $name (oracle none)"; continue; fi
  else
    if [ "$oracle" = ldd ]; then
      (cd "$cwd" && env "${envs[@]}" ldd "$exe") >"$tmp/out" 2>"$tmp/err"
    else
      (cd "$cwd" && env "${envs[@]}" LD_TRACE_LOADED_OBJECTS=1 "$exe") >"$tmp/out" 2>"$tmp/err"
    fi
    rc=$?
    parse_expect "$cwd" "$expect" >"$tmp/want"
    if grep -q '=>error$' "$tmp/want"; then
      ename=$(sed -n '/=>error$/{s///p;q}' "$tmp/want")
      if [ $rc -eq 0 ]; then why="loader succeeded, want a fatal error for $ename"
      # ldd (trace mode) prints the error on stdout, a running program on stderr.
      elif ! grep -qh "error while loading shared libraries: .*${ename##*/}: " "$tmp/out" "$tmp/err"; then
        why="no load error for $ename: $(cat "$tmp/out" "$tmp/err")"
      elif grep -q ' => ' "$tmp/out"; then why="a list was printed despite the error"
      fi
    else
      parse_trace "$cwd" <"$tmp/out" >"$tmp/got"
      if [ $rc -ne 0 ]; then why="$oracle exit $rc: $(cat "$tmp/out" "$tmp/err" | sed -n 1,3p)"
      elif ! cmp -s "$tmp/got" "$tmp/want"; then
        why=$'mismatch (- expect, + '"$oracle"$'):\n'"$(diff "$tmp/want" "$tmp/got" | grep '^[<>]' | sed -n 's/^</  -/; s/^>/  +/; 1,20p')"
      fi
    fi
    want_exit=$(printf '%s\n' "$expect" | tr ';' '\n' | sed -n 's/^exit=//p')
    if [ -z "$why" ] && [ -n "$want_exit" ]; then
      (cd "$cwd" && env "${envs[@]}" timeout 10 "$exe") >/dev/null 2>"$tmp/err"
      st=$?
      [ "$st" = "$want_exit" ] || why="program exited $st, want $want_exit $(head -2 "$tmp/err")"
    fi
  fi
  if [ -z "$why" ]; then
    pass=$((pass + 1)); echo "PASS $name"
  else
    fail=$((fail + 1)); failed+=("$name"); echo "FAIL $name: $why"
  fi
done <"$M"

echo "check-cases: $pass passed, $fail failed, $skip not runnable (oracle none)"
[ $fail -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
