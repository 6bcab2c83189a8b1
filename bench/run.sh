#!/usr/bin/env bash
# bench/run.sh ELFDYN — benchmark elfdyn against the tools people use instead (`make bench`).
#
# Sections (each one a single hyperfine run, so the tools are measured side by side):
#   1. elfdyn tree (text, --format json, --flat) vs libtree, lddtree and ldd on sourcekit-lsp.
#      Before timing anything, every tool's output is checked: all of them must resolve the
#      same set of files as ldd (compared after realpath); the run stops loudly otherwise.
#  1b. elfdyn tree over every dynamically linked program of /usr/bin vs libtree and xargs ldd.
#  1c. callgrind instruction counts of elfdyn (independent of the machine's load).
#   2. elfdyn check-undefined vs ldd -r, once the subcommand exists (skipped until then).
#  2c. elfdyn check-undefined vs ldd -r on a program that loads 112 dylibs of a Cargo build
#      (bench/cargo-many.sh builds it once into .build/bench-cargo, about 1.5 minutes).
#   3. bench/set-rpath.sh ELFDYN (absolute path), once that file exists. Its environment
#      has BENCH_RESULTS (the directory for its JSON) and BENCH_PYTHON and BENCH_REPORT, so
#      that "$BENCH_PYTHON" "$BENCH_REPORT" FILE.json prints the same table as the others.
#
# hyperfine JSON goes to bench/results/ (gitignored). After each section a table prints
# the absolute medians and the ratios median(elfdyn) / median(other): < 1.0 means elfdyn
# is faster. The pairs with a goal are then timed once more in turn, A, B, A, B
# (bench/alternate.c), which keeps a drift of the machine's speed out of the ratio. LD_LIBRARY_PATH and LD_PRELOAD are cleared so every tool resolves the default
# way. The whole run takes about one minute on 2 cores.
set -euo pipefail

die() { echo "bench: ERROR: $*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: $0 ELFDYN" >&2; exit 2; }
[ -x "$1" ] || die "$1 is not an executable (build it with 'make build')"
ELFDYN=$(realpath -- "$1")

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
TARGET=/opt/swift/usr/bin/sourcekit-lsp
LIBDIR=/usr/lib/x86_64-linux-gnu
# lddtree imports pyelftools, which Debian installs for its own python3 only; a python3
# earlier on PATH (pyenv, a venv) would not have it.
PYTHON=/usr/bin/python3
LDDTREE=/usr/bin/lddtree
RESULTS="$here/results"
REPORT="$here/report.py"

unset LD_LIBRARY_PATH LD_PRELOAD
export LC_ALL=C

for tool in hyperfine libtree ldd xargs realpath; do
  command -v "$tool" >/dev/null || die "$tool is missing (make deps-bench installs it)"
done
[ -x "$PYTHON" ] || die "$PYTHON is missing (make deps-bench installs it with pax-utils)"
[ -x "$LDDTREE" ] || die "$LDDTREE is missing (make deps-bench installs pax-utils)"
[ -f "$TARGET" ] || die "$TARGET is missing: the benchmark input is the Swift toolchain's sourcekit-lsp"
mkdir -p "$RESULTS"

# Fast commands (a few ms): warm-up, then as many runs as fit in hyperfine's 3 s budget,
# between 30 and 1000, so the median is stable to a few per cent. -N: no shell in between.
hf_fast=(hyperfine -N --warmup 10 --min-runs 30 --max-runs 1000 --style basic)
report() { "$PYTHON" "$REPORT" "$@"; }
# The goal pairs are also timed in turn (bench/alternate.c): hyperfine times all runs of one
# command and then the other, so a drift of the machine's speed in between goes into its ratio.
ALTERNATE="$RESULTS/alternate"
cc -O2 -o "$ALTERNATE" "$here/alternate.c" || die "cannot compile $here/alternate.c (gcc is needed)"
alternate() { "$ALTERNATE" "$@"; }
section() { printf '\n== %s\n' "$*"; }
started=$SECONDS

# --- machine and versions ---------------------------------------------------------------
section "machine and tools"
cpu=$(sed -n '/^model name/{s/^[^:]*: //;p;q}' /proc/cpuinfo)
echo "cpus:      $(nproc) x ${cpu:-unknown} ($(uname -sr))"
echo "elfdyn:    $("$ELFDYN" --version) ($ELFDYN)"
echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
echo "libtree:   $(libtree --version)"
echo "lddtree:   pax-utils $(dpkg-query -W -f='${Version}' pax-utils 2>/dev/null || echo '?') ($("$PYTHON" --version 2>&1))"
echo "ldd:       $(ldd --version | sed -n 1p)"
echo "input:     $TARGET ($(stat -c %s "$TARGET") bytes)"
# Other processes on the machine (a parallel build) widen the spread: judge the medians with this.
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"

# --- 1. tree ----------------------------------------------------------------------------
section "1. dependency tree of $TARGET"

# Each function prints the files a tool says get loaded, one a line, realpath'd and sorted.
canon() { xargs -r -d '\n' realpath -e -- | sort -u; }
ldd_files() { # NAME => PATH (0x...) | PATH (0x...) ; skips the vDSO
  local out; out=$(ldd "$1") || die "ldd $1 failed"
  ! grep -q 'not found' <<<"$out" || die "ldd reports missing libraries for $1:"$'\n'"$out"
  grep -v 'linux-vdso' <<<"$out" | awk '$2 == "=>" { print $3; next } { print $1 }' | canon
}
elfdyn_flat_files() { # NAME => PATH | PATH
  local out; out=$("$ELFDYN" tree --flat "$1") || die "elfdyn tree --flat $1 failed"
  ! grep -q 'not found' <<<"$out" || die "elfdyn tree --flat reports missing libraries:"$'\n'"$out"
  awk '$2 == "=>" { print $3; next } { print $1 }' <<<"$out" | canon
}
elfdyn_text_files() { # first appearance of each object: '... NAME => PATH [reason]'
  local out; out=$("$ELFDYN" tree --color never "$1") || die "elfdyn tree $1 failed"
  grep ' => ' <<<"$out" | grep -v '(already loaded)' | sed -n 's/.* => \([^ ]*\) \[.*/\1/p' | canon
}
elfdyn_json_files() { # every object but the input, which must all be found
  local out; out=$("$ELFDYN" tree --format json "$1") || die "elfdyn tree --format json $1 failed"
  "$PYTHON" -c '
import json, sys
doc = json.loads(sys.stdin.read())
doc = doc["results"][0] if "results" in doc else doc
missing = [o["name"] for o in doc["objects"] if not o["found"]]
if missing:
    sys.exit("objects not found: " + " ".join(missing))
print("\n".join(o["path"] for o in doc["objects"] if o["via"] != "input"))
' <<<"$out" | canon
}
libtree_files() { # -v also lists libc & co.; -p prints paths instead of sonames
  local out; out=$(libtree -v -p "$1") || die "libtree $1 failed"
  ! grep -q 'not found' <<<"$out" || die "libtree reports missing libraries:"$'\n'"$out"
  sed 1d <<<"$out" | grep -o '/[^ ]*' | canon
}
lddtree_files() { # -l: one path a line, the input first
  local out; out=$("$PYTHON" "$LDDTREE" -l "$1") || die "lddtree $1 failed"
  sed 1d <<<"$out" | canon
}

reference=$(ldd_files "$TARGET")
count=$(wc -l <<<"$reference")
[ "$count" -ge 10 ] || die "ldd resolves only $count files for $TARGET; expected dozens"
for tool in elfdyn_flat elfdyn_text elfdyn_json libtree lddtree; do
  got=$("${tool}_files" "$TARGET")
  if [ "$got" != "$reference" ]; then
    echo "bench: ERROR: $tool resolves $(wc -l <<<"$got") files, ldd $count; difference (< ldd, > $tool):" >&2
    diff <(echo "$reference") <(echo "$got") >&2 || true
    exit 1
  fi
done
echo "sanity: ldd, libtree, lddtree and elfdyn (text, json, flat) all resolve the same $count files"

# libtree and lddtree are timed as a user runs them (their default output), ldd as well.
json1="$RESULTS/tree.json"
"${hf_fast[@]}" --export-json "$json1" \
  -n "elfdyn tree" "$ELFDYN tree $TARGET" \
  -n "elfdyn tree --format json" "$ELFDYN tree --format json $TARGET" \
  -n "elfdyn tree --flat" "$ELFDYN tree --flat $TARGET" \
  -n "libtree" "libtree $TARGET" \
  -n "lddtree" "$PYTHON $LDDTREE $TARGET" \
  -n "ldd" "ldd $TARGET"
section "1. summary ($json1)"
report "$json1" --goal "elfdyn tree" "libtree" 0.70
alternate 300 "elfdyn tree" "$ELFDYN tree $TARGET" libtree "libtree $TARGET"

# --- 1b. many inputs ---------------------------------------------------------------------
section "1b. many inputs: the dynamically linked ELF programs of /usr/bin"
# The same files for every tool: ELF files that ldd accepts (static executables and scripts
# are left out, since ldd and libtree reject them).
bin_list="$RESULTS/usr-bin-files.txt"
for f in /usr/bin/*; do
  [ -f "$f" ] || continue
  IFS= read -r -N 4 magic <"$f" 2>/dev/null || true
  [ "$magic" = $'\x7fELF' ] || continue
  ldd "$f" >/dev/null 2>&1 && printf '%s\n' "$f"
done >"$bin_list"
nbins=$(wc -l <"$bin_list")
! grep -q '[[:space:]]' "$bin_list" || die "a file name in $bin_list contains white space"
bin_files=$(tr '\n' ' ' <"$bin_list")
json1b="$RESULTS/tree-many.json"
# -i: a missing library somewhere among hundreds of programs is an answer, not a failure.
hyperfine --warmup 2 --min-runs 10 -i --style basic --export-json "$json1b" \
  -n "elfdyn tree ($nbins files)" "$ELFDYN tree $bin_files" \
  -n "elfdyn tree --flat ($nbins files)" "$ELFDYN tree --flat $bin_files" \
  -n "libtree ($nbins files)" "libtree $bin_files" \
  -n "xargs ldd ($nbins files)" "xargs ldd <$bin_list"
section "1b. summary ($json1b)"
report "$json1b" --goal "elfdyn tree ($nbins files)" "libtree ($nbins files)" 1.0

# --- 1c. instruction counts -------------------------------------------------------------
# callgrind counts the instructions elfdyn executes: unlike times, they do not depend on the
# machine's load, so they show what a change did even on a busy machine.
section "1c. instructions executed (valgrind --tool=callgrind)"
if command -v valgrind >/dev/null; then
  # Debian's valgrind is a script that adds /usr/lib/debug to LD_LIBRARY_PATH before it starts
  # valgrind.bin: elfdyn honours that like the loader, and searched one more directory for every
  # library (tree over /usr/bin: 13 % more instructions). valgrind.bin runs the command with the
  # environment it is given. valgrind itself still sets LD_PRELOAD to its vgpreload_core library,
  # so each run resolves that one preloaded object more than it would outside valgrind.
  VALGRIND=valgrind
  [ -x /usr/bin/valgrind.bin ] && VALGRIND=/usr/bin/valgrind.bin
  instructions() { # prints the Ir total of one run
    local out="$RESULTS/callgrind.out"
    "$VALGRIND" --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>"$RESULTS/callgrind.log" || true
    sed -n '/^summary: /{s///p;q};/^totals: /{s///p;q}' "$out"
  }
  printf '  %15s  %s\n' "instructions" "command"
  printf '  %15s  %s\n' "$(instructions "$ELFDYN" tree "$TARGET")" "elfdyn tree $TARGET"
  printf '  %15s  %s\n' "$(instructions "$ELFDYN" check-undefined "$TARGET")" "elfdyn check-undefined $TARGET"
  # shellcheck disable=SC2086
  printf '  %15s  %s\n' "$(instructions "$ELFDYN" tree $bin_files)" "elfdyn tree ($nbins files of /usr/bin)"
else
  echo "skipped: valgrind is missing"
fi

# --- 2. check-undefined -----------------------------------------------------------------
section "2. undefined symbols"
# ArgumentParser answers 'elfdyn UNKNOWN --help' with the root help and exit status 0, so
# the exit status alone does not tell whether the subcommand exists: look for its usage.
help=$("$ELFDYN" check-undefined --help 2>&1 || true)
if ! grep -qi '^usage: .*check-undefined' <<<"$help"; then
  echo "skipped: '$ELFDYN check-undefined' does not exist yet"
else
  # Same files for both tools: the ELF objects among $LIBDIR/*.so* (ldd -r rejects the
  # few linker scripts such as libc.so, which would only add failures).
  list="$RESULTS/so-files.txt"
  for f in "$LIBDIR"/*.so*; do
    [ -f "$f" ] || continue
    IFS= read -r -N 4 magic <"$f" 2>/dev/null || true
    [ "$magic" = $'\x7fELF' ] && printf '%s\n' "$f"
  done >"$list"
  nfiles=$(wc -l <"$list")
  ! grep -q '[[:space:]]' "$list" || die "a file name in $list contains white space"

  # Exit status 0 (all defined) or 1 (some undefined) is an answer; anything else is not.
  # On sourcekit-lsp, ldd -r finds every symbol, so elfdyn must as well.
  set +e
  "$ELFDYN" check-undefined "$TARGET" >/dev/null; rc_one=$?
  "$ELFDYN" check-undefined $(cat "$list") >/dev/null; rc_all=$?
  set -e
  ldd_r=$(ldd -r "$TARGET" 2>&1) || die "ldd -r $TARGET failed"
  if grep -q 'undefined symbol' <<<"$ldd_r"; then
    [ "$rc_one" -le 1 ] || die "elfdyn check-undefined $TARGET exited $rc_one"
  else
    [ "$rc_one" -eq 0 ] || die "elfdyn check-undefined $TARGET exited $rc_one; ldd -r finds every symbol"
  fi
  [ "$rc_all" -le 1 ] || die "elfdyn check-undefined over $nfiles files exited $rc_all"
  echo "sanity: check-undefined exits $rc_one on $TARGET and $rc_all on $nfiles files of $LIBDIR"

  # -i: exit status 1 means "undefined symbols found", which is the tool working.
  json2="$RESULTS/check-undefined.json"
  "${hf_fast[@]}" -i --export-json "$json2" \
    -n "elfdyn check-undefined" "$ELFDYN check-undefined $TARGET" \
    -n "ldd -r" "ldd -r $TARGET"
  section "2a. summary ($json2)"
  report "$json2" --goal "elfdyn check-undefined" "ldd -r" 0.3334
  alternate 100 "elfdyn check-undefined" "$ELFDYN check-undefined $TARGET" "ldd -r" "ldd -r $TARGET"

  # The ldd side needs a shell (a pipe into xargs), so neither command uses -N here.
  json3="$RESULTS/check-undefined-dir.json"
  all_files=$(tr '\n' ' ' <"$list")
  hyperfine --warmup 1 --runs 3 -i --style basic --export-json "$json3" \
    -n "elfdyn check-undefined ($nfiles files)" "$ELFDYN check-undefined $all_files" \
    -n "xargs -P2 -n1 ldd -r ($nfiles files)" "xargs -P2 -n1 ldd -r <$list"
  section "2b. summary ($json3)"
  report "$json3" --goal "elfdyn check-undefined ($nfiles files)" "xargs -P2 -n1 ldd -r ($nfiles files)" 0.1
fi

# --- 2c. check-undefined on a 112-dylib Cargo program -----------------------------------
section "2c. check-undefined on a 112-dylib Cargo program"
# bench/cargo-many.sh generates and builds (once; cached in .build/bench-cargo) a workspace
# of 111 dylib crates and a program that needs them and libstd: 112 dylibs that only
# LD_LIBRARY_PATH=deps:rustlib finds. It checks that ldd and elfdyn tree --flat resolve the
# same files and that ldd -r and elfdyn check-undefined find every symbol, and exits 3
# when cargo is missing. Every command gets that LD_LIBRARY_PATH through env (-N: no shell).
cargo_out="$(dirname -- "$here")/.build/bench-cargo"
set +e
bash "$here/cargo-many.sh" "$cargo_out" "$ELFDYN"; rc_cargo=$?
set -e
if [ "$rc_cargo" -eq 3 ]; then
  echo "skipped: no usable cargo (bench/cargo-many.sh says why above)"
else
  [ "$rc_cargo" -eq 0 ] || die "bench/cargo-many.sh $cargo_out failed (exit $rc_cargo)"
  APP="" LIBPATH="" DYLIBS="" BUILD_SECONDS="" BUILD_KIND=""
  # shellcheck disable=SC1091
  . "$cargo_out/env"
  ! grep -q '[[:space:]]' <<<"$APP$LIBPATH" || die "$cargo_out or the toolchain path contains white space"
  echo "input:     $APP ($DYLIBS dylibs from target/debug/deps and the toolchain; last cargo build $BUILD_SECONDS s, $BUILD_KIND)"
  json2c="$RESULTS/check-undefined-cargo.json"
  lp="env LD_LIBRARY_PATH=$LIBPATH"
  "${hf_fast[@]}" -i --export-json "$json2c" \
    -n "elfdyn check-undefined (cargo)" "$lp $ELFDYN check-undefined $APP" \
    -n "ldd -r (cargo)" "$lp ldd -r $APP" \
    -n "elfdyn tree (cargo)" "$lp $ELFDYN tree $APP" \
    -n "libtree (cargo)" "$lp libtree $APP"
  section "2c. summary ($json2c)"
  report "$json2c" --goal "elfdyn check-undefined (cargo)" "ldd -r (cargo)" 0.3334
  alternate 100 "elfdyn check-undefined" "$lp $ELFDYN check-undefined $APP" "ldd -r" "$lp ldd -r $APP"
  if declare -F instructions >/dev/null; then
    # valgrind does not follow env's exec: the variable is set on valgrind itself.
    printf '\n  %15s  %s\n' "instructions" "command (valgrind --tool=callgrind)"
    printf '  %15s  %s\n' "$(LD_LIBRARY_PATH=$LIBPATH instructions "$ELFDYN" check-undefined "$APP")" \
      "elfdyn check-undefined $APP"
  fi
fi

# --- 3. set-rpath -----------------------------------------------------------------------
section "3. set-rpath"
if [ -f "$here/set-rpath.sh" ]; then
  BENCH_RESULTS="$RESULTS" BENCH_PYTHON="$PYTHON" BENCH_REPORT="$REPORT" \
    bash "$here/set-rpath.sh" "$ELFDYN"
else
  echo "skipped: bench/set-rpath.sh does not exist yet"
fi

section "done in $((SECONDS - started)) s; JSON in $RESULTS"
