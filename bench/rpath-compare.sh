#!/usr/bin/env bash
# rpath-compare.sh ELFDYN [PATCHELF...] -- compares runpath rewriting on copies of real files and of the
# TestBinaries patch matrix. For every file and every tool: set a runpath several hundred bytes
# longer than the old one, then check that the file still runs or loads, survives strip, reads back
# in readelf -d, and count the eu-elflint --gnu-ld findings the original did not have, and the
# bytes added. Prints one TSV line per (tool, file) and a summary per tool.
#
# Environment: TESTBIN (default TestBinaries/out) for the matrix; FILES to override the real files.
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
here=$(cd "$(dirname "$0")/.." && pwd)
elfdyn=$(realpath "${1:?usage: rpath-compare.sh ELFDYN [PATCHELF...]}")
shift
tools=("elfdyn" "$@")
# A label per tool: elfdyn, patchelf-0.19.1, patchelf-0.14.3...
label() { if [ "$1" = elfdyn ]; then echo elfdyn; else echo "patchelf-$("$1" --version | awk '{print $2}')"; fi; }
testbin=${TESTBIN:-$here/TestBinaries/out}
toolchain=$(rustc --print sysroot 2>/dev/null || echo /root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu)
driver=$(ls "$toolchain"/lib/librustc_driver-*.so 2>/dev/null | sed -n 1p)
default_files=(
  /usr/bin/ls /usr/bin/grep /usr/bin/tar /usr/bin/readelf /usr/bin/patchelf
  /usr/lib/x86_64-linux-gnu/libz.so.1 /usr/lib/x86_64-linux-gnu/libelf.so.1 /usr/lib/x86_64-linux-gnu/libcrypt.so.1
  /opt/swift/usr/lib/swift/linux/libBlocksRuntime.so /opt/swift/usr/lib/swift/linux/libswiftGlibc.so
  /opt/swift/usr/bin/swift-plugin-server
  "$toolchain/bin/rustc"
)
[ -n "${WITH_DRIVER:-}" ] && [ -n "$driver" ] && default_files+=("$driver")
read -r -a real_files <<<"${FILES:-${default_files[*]}}"
work=$(mktemp -d /tmp/rpath-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
padding=""
for i in 1 2 3 4 5 6; do padding+=":/nonexistent/elfdyn-compare/a-directory-that-makes-the-runpath-longer-$i"; done

# The runpath to write: the old entries made absolute (the copy lives elsewhere), then padding.
new_value() {
  local file=$1 dir old
  dir=$(dirname "$(realpath "$file")")
  old=$(readelf -dW "$file" 2>/dev/null | sed -n 's/.*(R[UN]*PATH).*\[\(.*\)\]/\1/p' | sed -n 1p)
  old=${old//\$ORIGIN/$dir}
  old=${old//\$\{ORIGIN\}/$dir}
  printf '%s%s' "${old:-/nonexistent/elfdyn-compare/none}" "$padding"
}

# check FILE KIND: runs a program with --version, loads a library with dlopen-check.
check() {
  local file=$1 kind=$2
  case $kind in
    exe) timeout 20 "$file" --version >/dev/null 2>&1 ;;
    lib)
      case $file in
        # It cannot be dlopen-ed (static TLS); rustc loads it, found first through LD_LIBRARY_PATH.
        *librustc_driver-*) LD_LIBRARY_PATH=$(dirname "$file") timeout 20 "$toolchain/bin/rustc" --version >/dev/null 2>&1 ;;
        *) timeout 20 "$testbin/patch/bin/dlopen-check" "$file" >/dev/null 2>&1 ;;
      esac ;;
    foreign) readelf -dW "$file" >/dev/null 2>&1 ;;
  esac
}

kind_of() {
  local file=$1
  if ! readelf_matches -q 'X86-64' -hW "$file"; then echo foreign; return; fi
  if readelf_matches -q 'Requesting program interpreter' -lW "$file"; then echo exe; else echo lib; fi
}

lint() { eu-elflint --gnu-ld "$1" 2>&1 | sed "s|$1|FILE|g" | grep -v '^No errors' | sort -u; }

printf 'tool\tfile\tkind\tstrategy\tbytes_added\tnew_elflint\truns\truns_after_strip\treadelf\n'
declare -A total_new total_bytes total_fail files_with_new
run_tool() {
  local tool=$1 name=$2 src=$3 value=$4 kind=$5 env_before=$6
  local dir=$work/$(label "$tool")/$name
  mkdir -p "$dir"
  local file=$dir/$(basename "$src")
  cp -p "$src" "$file"
  local before_size after_size strategy="-"
  before_size=$(stat -c %s "$file")
  if [ "$tool" = elfdyn ]; then
    out=$("$elfdyn" set-rpath --format json --rpath "$value" "$file" 2>&1)
    strategy=$(printf '%s' "$out" | sed -n 's/.*"strategy":"\([^"]*\)".*/\1/p')
    [ -n "$strategy" ] || strategy="error"
  else
    "$tool" --set-rpath "$value" "$file" >/dev/null 2>&1 || strategy="error"
  fi
  after_size=$(stat -c %s "$file")
  local new runs stripped readback
  new=$(comm -13 <(lint "$src") <(lint "$file") | wc -l)
  if [ "$kind" = foreign ] || env $env_before true; then :; fi
  if check "$file" "$kind"; then runs=yes; else runs=no; fi
  cp -p "$file" "$file.stripped"
  if strip "$file.stripped" 2>/dev/null || { [ "$kind" = foreign ] && /opt/swift/usr/bin/llvm-objcopy --strip-all "$file.stripped"; }; then
    if check "$file.stripped" "$kind" && readelf_matches -qF "$value" -dW "$file.stripped"; then stripped=yes; else stripped=no; fi
  else
    stripped=strip-failed
  fi
  if readelf_matches -qF "[$value]" -dW "$file"; then readback=yes; else readback=no; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(label "$tool")" "$name" "$kind" "$strategy" \
    "$((after_size - before_size))" "$new" "$runs" "$stripped" "$readback"
  local t
  t=$(label "$tool")
  total_new[$t]=$(( ${total_new[$t]:-0} + new ))
  total_bytes[$t]=$(( ${total_bytes[$t]:-0} + after_size - before_size ))
  [ "$new" -gt 0 ] && files_with_new[$t]=$(( ${files_with_new[$t]:-0} + 1 ))
  if [ $runs != yes ] || [ $stripped != yes ] || [ $readback != yes ]; then total_fail[$t]=$(( ${total_fail[$t]:-0} + 1 )); fi
}

count=0
for src in "${real_files[@]}"; do
  [ -f "$src" ] || continue
  kind=$(kind_of "$src")
  value=$(new_value "$src")
  name=$(basename "$src")
  count=$((count + 1))
  for tool in "${tools[@]}"; do run_tool "$tool" "$name" "$src" "$value" "$kind" ""; done
done
if [ -f "$testbin/patch/cases.tsv" ]; then
  mkdir -p "$work"
  while IFS=$'\t' read -r name linker kind arch runnable initial path; do
    case $name in *-page16384|*-hash-sysv|*-noseparate|*-norelro|*-now|*-rpath|*-separate) [ -n "${ALL:-}" ] || continue ;; esac
    count=$((count + 1))
    k=foreign
    [ "$arch" = x86_64 ] && { [ "$kind" = shared ] && k=lib || k=exe; }
    for tool in "${tools[@]}"; do
      mkdir -p "$work/$(label "$tool")/dep"
      cp -p "$testbin/patch/dep/libpdep.so" "$work/$(label "$tool")/dep/"
      run_tool "$tool" "$name" "$path" "\$ORIGIN/../dep$padding" "$k" ""
    done
  done <"$testbin/patch/cases.tsv"
fi
echo
for tool in "${tools[@]}"; do
  t=$(label "$tool")
  echo "# $t: $count files, ${files_with_new[$t]:-0} with new eu-elflint findings (${total_new[$t]:-0} findings)," \
    "${total_fail[$t]:-0} failing a run/strip/readelf check, ${total_bytes[$t]:-0} bytes added in total"
done
