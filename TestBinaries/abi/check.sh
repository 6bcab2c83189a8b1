#!/usr/bin/env bash
# Runs `ELFDYN check-undefined` over the cross-ABI corpus built by TestBinaries/build-abi.sh and
# compares each answer with what glibc's loader decides (see README.md beside this file).
#
# Usage: check.sh ELFDYN OUTDIR [MACHINE...]
#
# For each machine (x86_64 i386 aarch64 arm riscv64 ppc64le ppc64 s390x) and each file it checks
# the JSON of `ELFDYN check-undefined -L OUTDIR/abi/<machine> --format json FILE`:
#   libuse.so, prog        exactly {missing_data, missing_func}, kind "unresolved", not weak,
#                          referenced by libuse.so; never weak_missing, dep_func, dep_data, dep_tls
#   libuse.so --strict,    the same: every undefined symbol is named by a relocation, and
#   prog --strict          libuse.so depends on libdep.so, so nothing more may appear
#   libtls.so              exactly {missing_tls} plus the machine's TLS helper (__tls_get_addr,
#                          ___tls_get_addr on i386, __tls_get_offset on s390x, none on aarch64):
#                          ld.so, which defines it, is not in the scope (nothing needs it)
#   progcopy               exactly {gone_data}, referenced by progcopy (a COPY relocation, or an
#                          ADDR64 one on ppc64, whose symbol only the program itself defines)
#   progaddr               exactly {missing_func in progaddr, missing_func and missing_data in
#                          libuse.so}: the program's canonical PLT entry for missing_func (an
#                          undefined symbol with a value) satisfies no JUMP_SLOT relocation
#   progempty              (where built) exactly {gone_data}, referenced by progempty: GNU ld's
#                          empty .gnu.hash must not hide the undefined .dynsym entries
# and that no library is reported missing. The machine's program interpreter is the exception:
# when it is reported missing (the host has no loader for that machine), a NOTE line says so and
# the symbol comparison alone decides.
# When the build recorded glibc's own answer (loader.txt, the real loader run as `ldd -r` runs
# it), each expectation is first compared with it; a disagreement is a FAIL of the corpus.
#
# Prints `PASS machine/file` or `FAIL machine/file: expected ... got ...` per check, `SKIP` for a
# machine the build skipped, then exactly `N passed, M failed`. Exit status 0 only if all pass.
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 ELFDYN OUTDIR [MACHINE...]" >&2
  exit 2
fi
elfdyn=$1
root=$(cd "$2/abi" 2>/dev/null && pwd -P) || { echo "check.sh: no $2/abi (run TestBinaries/build-abi.sh $2)" >&2; exit 2; }
shift 2
machines=("$@")
[ ${#machines[@]} -eq 0 ] && machines=(x86_64 i386 aarch64 arm riscv64 ppc64le ppc64 s390x)
command -v python3 >/dev/null || { echo "check.sh: python3 is needed to read the JSON" >&2; exit 2; }

passed=0
failed=0

tls_helper() {
  case $1 in
    i386) echo ___tls_get_addr ;;
    s390x) echo __tls_get_offset ;;
    aarch64) echo "" ;;  # TLSDESC: no helper call
    *) echo __tls_get_addr ;;
  esac
}

# summarize JSON_FILE: prints two lines: the sorted undefined entries as
# "symbol (kind, referencedBy-basename[, weak])" joined by "; ", then the missing libraries as
# "name (neededBy-basename[: error])" joined by "; ".
summarize() {
  python3 - "$1" <<'EOF'
import json, os, sys
try:
    doc = json.load(open(sys.argv[1]))
except Exception as error:
    print("unreadable JSON: %s" % error)
    print("")
    sys.exit(0)
undefined, missing = [], []
for result in doc.get("results", []):
    for item in result.get("undefined", []):
        kind = item.get("kind")
        if isinstance(kind, dict):
            kind = ",".join("%s:%s" % (k, os.path.basename(str(v))) for k, v in kind.items())
        text = "%s%s (%s, %s%s)" % (item.get("symbol"), "@" + item["version"] if item.get("version") else "",
                                     kind, os.path.basename(item.get("referencedBy") or ""),
                                     ", weak" if item.get("weak") else "")
        undefined.append(text)
    for item in result.get("missingLibraries", []):
        missing.append("%s (%s%s)" % (item.get("name"), os.path.basename(item.get("neededBy") or ""),
                                     ": " + item["error"] if item.get("error") else ""))
print("; ".join(sorted(undefined)))
print("; ".join(sorted(missing)))
EOF
}

# Joins stdin's lines with "; ".
join_list() { awk 'NR > 1 { printf "; " } { printf "%s", $0 } END { printf "\n" }'; }

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# check MACHINE FILE EXPECTED [elfdyn options...]
# EXPECTED: the sorted undefined entries, as summarize prints them.
check() {
  local m=$1 file=$2 expected=$3 dir="$root/$1" label="$1/$2"
  shift 3
  [ $# -gt 0 ] && label="$label $*"
  local json err rc
  json=$(mktemp) err=$(mktemp)
  "$elfdyn" check-undefined "$@" -L "$dir" --format json "$dir/$file" >"$json" 2>"$err"
  rc=$?
  if [ $rc -gt 1 ] || [ ! -s "$json" ]; then
    fail "$label" "expected {$expected} got elfdyn exit $rc: $(head -c 300 "$err" | tr '\n' ' ')"
    rm -f "$json" "$err"
    return
  fi
  local got missing interp summary
  if ! summary=$(summarize "$json" 2>&1); then
    fail "$label" "expected {$expected} got a JSON reader failure: $(head -c 300 <<<"$summary" | tr '\n' ' ')"
    rm -f "$json" "$err"
    return
  fi
  { read -r got; read -r missing; } <<<"$summary"
  rm -f "$json" "$err"
  # The program interpreter reported missing is a note, not a failure of the symbol check.
  interp=$(readelf -lW "$dir/$file" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
  local other=() entry
  if [ -n "$missing" ]; then
    IFS=';' read -r -a entries <<<"$missing"
    for entry in "${entries[@]}"; do
      entry=${entry# }
      local name=${entry%% (*}
      if [ -n "$interp" ] && { [ "$name" = "$interp" ] || [ "$name" = "$(basename "$interp")" ]; }; then
        echo "NOTE $label: the interpreter is reported missing: $entry"
      else
        other+=("$entry")
      fi
    done
  fi
  if [ "$got" != "$expected" ]; then
    fail "$label" "expected {$expected} got {$got}"
  elif [ ${#other[@]} -gt 0 ]; then
    fail "$label" "expected no missing library got {${other[*]}}"
  else
    pass "$label"
  fi
}

# glibc's own answer from loader.txt, in summarize's form (kind unresolved, never weak).
oracle() {  # machine file
  awk -v f="$2" '
    /^################ / { cur = $2; next }
    cur == f && /^undefined symbol: / {
      sub(/^undefined symbol: /, ""); split($0, a, "\t");
      ref = a[2]; gsub(/[()]/, "", ref); n = split(ref, p, "/");
      print a[1] " (unresolved, " p[n] ")" }' "$root/$1/loader.txt" | sort -u | join_list
}

for m in "${machines[@]}"; do
  dir="$root/$m"
  if [ -f "$dir/SKIPPED" ]; then
    echo "SKIP $m: $(cat "$dir/SKIPPED")"
    continue
  fi
  if [ ! -d "$dir" ]; then
    fail "$m" "expected $dir got nothing (not built)"
    continue
  fi
  use="missing_data (unresolved, libuse.so); missing_func (unresolved, libuse.so)"
  helper=$(tls_helper "$m")
  tls="missing_tls (unresolved, libtls.so)"
  [ -n "$helper" ] && tls=$(printf '%s\n' "$tls" "$helper (unresolved, libtls.so)" | sort | join_list)
  copy="gone_data (unresolved, progcopy)"
  empty="gone_data (unresolved, progempty)"
  addr="missing_data (unresolved, libuse.so); missing_func (unresolved, libuse.so); missing_func (unresolved, progaddr)"
  declare -A expect=([libuse.so]=$use [prog]=$use [libtls.so]=$tls [progcopy]=$copy [progaddr]=$addr
    [progempty]=$empty)
  if [ -f "$dir/loader.txt" ]; then
    for f in libuse.so prog libtls.so progcopy progaddr progempty; do
      [ -e "$dir/$f" ] || continue
      glibc=$(oracle "$m" "$f")
      if [ "$glibc" != "${expect[$f]}" ]; then
        fail "$m/$f (glibc oracle)" "expected {${expect[$f]}} got {$glibc} from the real loader: the corpus is wrong"
      fi
    done
  fi
  check "$m" libuse.so "$use"
  check "$m" prog "$use"
  check "$m" libuse.so "$use" --strict
  check "$m" prog "$use" --strict
  check "$m" libtls.so "$tls"
  check "$m" progcopy "$copy"
  check "$m" progaddr "$addr"
  [ -e "$dir/progempty" ] && check "$m" progempty "$empty"
  unset expect
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
