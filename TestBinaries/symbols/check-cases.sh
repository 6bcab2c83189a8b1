#!/bin/bash
# check-cases.sh OUTDIR [NAME...]
#
# Checks OUTDIR/symbols/cases.tsv (made by TestBinaries/build-symbols.sh)
# against the real loader (glibc 2.36, Debian 12, x86_64):
#
# ldd-r rows: `ldd -r INPUT` in CWD with LD_LIBRARY_PATH / LD_PRELOAD as given
#   (both unset when `-`). Its output is parsed into items:
#     undefined symbol: NAME\t(PATH)              -> U:NAME:PATH
#     undefined symbol: NAME, version V\t(PATH)   -> U:NAME@V:PATH
#     INPUT: LIB: version `V' not found (required by OBJ) -> V:V:LIB:OBJ
#     INPUT: LIB: weak version `V' not found (required by OBJ) -> W:V:LIB:OBJ
#     \tNAME => not found                         -> NAME is missing
#   U, V and W items must equal the expected ones as sets (ldd may print a line
#   more than once). ldd does not say which object needed a missing NAME, so
#   for M:NAME:BY the check is: BY has DT_NEEDED NAME (readelf), and ldd printed
#   "NAME => not found" once per distinct M item with that NAME (one faked
#   entry per needing object). `U*` = ldd -r prints at least one undefined
#   symbol and no version/missing line (the list itself is whatever ldd says).
#   Paths are compared exactly as printed (no normalisation: INPUT is
#   absolute and the corpus only uses $ORIGIN[/sub] runpaths).
#   ldd must exit 0 and print no "error while loading" line.
# none rows (ldd -r cannot express them) are checked as far as possible:
#   --strict: the same ldd -r comparison for the non-S items (--strict only
#     adds), and for S:SYM:REF that REF has SYM undefined in its .dynsym.
#   host=EXE: the loader itself: EXE dlopens INPUT with RTLD_NOW (our host
#     programs take the plugin as argv[1]; python3.11 via ctypes.CDLL, which
#     always adds RTLD_NOW). `ok` -> exit 0; U items -> dlopen fails with
#     "undefined symbol: SYM" for one of them (dlerror names only the first).
# H:SYM:TEXT items where TEXT is a file in the case directory: that file
#   must define SYM in some symbol table (nm / nm -D); other TEXT is not checked.
# Prints PASS/FAIL per row; exit 1 if any fails. CHECK_VERBOSE=1 also prints
# ldd -r's stdout/stderr/exit status per ldd-r row.
set -uo pipefail
# Whether readelf's lines for a file match a pattern (status 2 when readelf fails):
# readelf_matches GREP-FLAGS PATTERN READELF-ARGS...
# The output is read in full first: `readelf | grep -q` stops reading at the first match, and under
# pipefail readelf's SIGPIPE then fails the check at random (by timing).
readelf_matches() {
  local flags=$1 pattern=$2 out
  shift 2
  out=$(readelf "$@" 2>/dev/null) || return 2
  grep "$flags" -- "$pattern" <<<"$out"
}

[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [CASE...]" >&2; exit 2; }
T=$(realpath "$1")/symbols
M=$T/cases.tsv
[ -f "$M" ] || { echo "no $M (run build-symbols.sh first)" >&2; exit 2; }
shift
only=" $* "
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run_ldd CWD LLP PRELOAD INPUT: ldd -r into $tmp/out, $tmp/err; returns its status.
run_ldd() {
  local envs=(-u LD_LIBRARY_PATH -u LD_PRELOAD)
  [ "$2" = - ] || envs+=("LD_LIBRARY_PATH=$2")
  [ "$3" = - ] || envs+=("LD_PRELOAD=$3")
  (cd "$1" && env "${envs[@]}" ldd -r "$4") >"$tmp/out" 2>"$tmp/err"
}

# parse_ldd INPUT: items from $tmp/out + $tmp/err, sorted unique, U and V only;
# missing names (one line per "not found") into $tmp/missing.
parse_ldd() {
  cat "$tmp/out" "$tmp/err" | awk -v input="$1" -v missing="$tmp/missing" '
    /^undefined symbol: / {
      s = $0; sub(/^undefined symbol: /, "", s)
      i = index(s, "\t("); name = substr(s, 1, i - 1); path = substr(s, i + 2); sub(/\)$/, "", path)
      if ((j = index(name, ", version ")) > 0) name = substr(name, 1, j - 1) "@" substr(name, j + 10)
      print "U:" name ":" path; next
    }
    index($0, input ": ") == 1 && / version `.*'"'"' not found \(required by .*\)$/ {
      s = substr($0, length(input) + 3); kind = "V"; sep = ": version `"
      if (index(s, ": weak version `")) { kind = "W"; sep = ": weak version `" }
      i = index(s, sep); lib = substr(s, 1, i - 1); s = substr(s, i + length(sep))
      i = index(s, "'"'"' not found (required by "); ver = substr(s, 1, i - 1)
      obj = substr(s, i + 25); sub(/\)$/, "", obj)
      print kind ":" ver ":" lib ":" obj; next
    }
    /^\t.* => not found$/ { s = $0; sub(/^\t/, "", s); sub(/ => not found$/, "", s); print s > missing; next }
  ' | sort -u
  touch "$tmp/missing"
}

# items EXPECT PREFIXES: the expected items whose kind is in PREFIXES (e.g. UV), sorted unique.
items() { printf '%s\n' "$1" | tr ';' '\n' | grep -E "^[$2]:" | sort -u; }

# check_ldd NAME INPUT CWD LLP PRE EXPECT: compare U/V/M; sets $why.
check_ldd() {
  local name=$1 input=$2 cwd=$3 llp=$4 pre=$5 expect=$6 rc
  rm -f "$tmp/missing"
  run_ldd "$cwd" "$llp" "$pre" "$input"; rc=$?
  if [ "${CHECK_VERBOSE:-}" = 1 ]; then
    echo "---- $name: ldd -r $input (exit $rc)"; echo "[stdout]"; cat "$tmp/out"; echo "[stderr]"; cat "$tmp/err"
  fi
  if [ $rc -ne 0 ] || grep -q 'error while loading' "$tmp/out" "$tmp/err"; then
    why="ldd -r exit $rc: $(head -3 "$tmp/out" "$tmp/err")"; return
  fi
  if grep -q 'not a dynamic executable' "$tmp/out" "$tmp/err"; then
    why="ldd -r did not check $input: $(cat "$tmp/out" "$tmp/err")"; return
  fi
  parse_ldd "$input" >"$tmp/got"
  if [ "$expect" = 'U*' ]; then
    grep -q '^U:' "$tmp/got" || why="U*: ldd -r printed no undefined symbol"
    grep -q '^[VW]:' "$tmp/got" && why="U*: ldd -r printed a missing version"
    [ -s "$tmp/missing" ] && why="U*: ldd -r printed a missing library"
    return
  fi
  if [ "$expect" = ok ]; then : >"$tmp/want"; else items "$expect" UVW >"$tmp/want"; fi
  if ! cmp -s "$tmp/want" "$tmp/got"; then
    why=$'U/V/W mismatch (- expect, + ldd -r):\n'"$(diff "$tmp/want" "$tmp/got" | grep '^[<>]' | sed -n 's/^</  -/; s/^>/  +/; 1,20p')"
    return
  fi
  # M items
  local n m by want_n got_n
  [ "$expect" = ok ] && expect=
  for n in $( (items "$expect" M | cut -d: -f2; cat "$tmp/missing") | sort -u); do
    want_n=$(items "$expect" M | awk -F: -v n="$n" '$2 == n' | wc -l)
    got_n=$(grep -cxF -- "$n" "$tmp/missing")
    [ "$want_n" = "$got_n" ] || { why="missing $n: expect $want_n needing objects, ldd -r printed $got_n 'not found'"; return; }
  done
  while IFS= read -r m; do
    [ -n "$m" ] || continue
    n=$(cut -d: -f2 <<<"$m"); by=$(cut -d: -f3- <<<"$m")
    readelf_matches -qF "(NEEDED)             Shared library: [$n]" -dW "$by" ||
      { why="$m: $by has no DT_NEEDED $n"; return; }
  done < <(items "$expect" M)
}

# check_h EXPECT INPUT: H items naming a file of the case dir; sets $why.
check_h() {
  local h sym text casedir f
  case $2 in "$T"/*) ;; *) return ;; esac
  casedir=$T/$(cut -d/ -f1 <<<"${2#"$T"/}")
  while IFS= read -r h; do
    [ -n "$h" ] || continue
    sym=$(cut -d: -f2 <<<"$h"); text=$(cut -d: -f3- <<<"$h")
    f=$(find "$casedir" -name "$text" -type f | sed -n 1p)
    [ -n "$f" ] || continue
    { nm "$f" 2>/dev/null; nm -D "$f" 2>/dev/null; } | awk -v s="$sym" '$NF == s && $(NF-1) !~ /^[Uuvw]$/ { f = 1 } END { exit !f }' ||
      { why="$h: $f does not define $sym"; return; }
  done < <(items "$1" H)
}

pass=0 fail=0
failed=()
while IFS=$'\t' read -r name input cwd llp pre host opts oracle expect; do
  [ "$name" = name ] && continue
  [ "$only" = "  " ] || [[ "$only" == *" $name "* ]] || continue
  why=""
  how=$oracle
  if [ "$oracle" = ldd-r ]; then
    check_ldd "$name" "$input" "$cwd" "$llp" "$pre" "$expect"
  elif [ "$host" != - ]; then
    how="dlopen in $host"
    if [ "$(basename "$host")" = python3.11 ]; then
      (cd "$cwd" && timeout 20 "$host" -c 'import ctypes, sys; ctypes.CDLL(sys.argv[1])' "$input") >"$tmp/out" 2>"$tmp/err"
    else
      (cd "$cwd" && timeout 20 "$host" "$input") >"$tmp/out" 2>"$tmp/err"
    fi
    rc=$?
    if [ "$expect" = ok ]; then
      [ $rc -eq 0 ] || why="exit $rc: $(head -3 "$tmp/err")"
    elif [ $rc -eq 0 ]; then
      why="the plugin loaded, want: $expect"
    else
      hit=""
      for u in $(items "$expect" U | cut -d: -f2 | sed 's/@.*//'); do
        grep -q "undefined symbol: $u\b" "$tmp/err" && hit=1
      done
      [ -n "$hit" ] || why="dlopen failed differently: $(head -3 "$tmp/err")"
    fi
  elif [[ " $opts " == *" --strict "* ]]; then
    how="ldd -r + readelf"
    nonstrict=$(printf '%s\n' "$expect" | tr ';' '\n' | grep -v '^S:' | grep -v '^ok$' | paste -sd';')
    check_ldd "$name" "$input" "$cwd" "$llp" "$pre" "${nonstrict:-ok}"
    if [ -z "$why" ]; then
      while IFS= read -r s; do
        [ -n "$s" ] || continue
        sym=$(cut -d: -f2 <<<"$s"); ref=$(cut -d: -f3- <<<"$s")
        readelf --dyn-syms -W "$ref" | awk -v s="$sym" '$7 == "UND" && ($8 == s || index($8, s "@") == 1) { f = 1 } END { exit !f }' ||
          { why="$s: $ref has no undefined $sym"; break; }
      done < <(items "$expect" S)
    fi
  else
    [ -e "$input" ] || why="missing $input"
  fi
  [ -n "$why" ] || [ "$expect" = ok ] || [ "$expect" = 'U*' ] || check_h "$expect" "$input"
  if [ -z "$why" ]; then
    pass=$((pass + 1)); echo "PASS $name ($how)"
  else
    fail=$((fail + 1)); failed+=("$name"); echo "FAIL $name ($how): $why"
  fi
done <"$M"

echo "check-cases: $pass passed, $fail failed"
[ $fail -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
