#!/bin/bash
# Regenerates the demangling fixtures of DemangleTests: real symbols, each with GNU c++filt's
# reading of it and, for Rust, rustc-demangle's:
#   mangled<TAB>c++filt -i<TAB>rustc-demangle {:#}<TAB>rustc-demangle {}
# (the last two columns only in the Rust files).
#
#   rust-legacy.tsv  crate.rs built with legacy mangling (nightly rustc: `-C symbol-mangling-version=
#                    legacy` needs `-Z unstable-options` since v0 became the default), and a sample
#                    of the rustup executable's legacy symbols (rustup is built with legacy mangling;
#                    the toolchain's libstd-*.so is v0 nowadays)
#   rust-v0.tsv      crate.rs built with `-C symbol-mangling-version=v0` (stable), and a sample of
#                    libstd-*.so's exported symbols (stable and nightly)
#   cxx.tsv          a sample of libstdc++.so.6's exported C++ symbols
#
# The oracles: `c++filt -i` (--no-verbose), which prints Rust names as rustc-demangle's alternate
# form does (no legacy hash, no crate disambiguators) and C++ names as __cxa_demangle does (no
# DMGL_VERBOSE expansion of std::string and friends); and for Rust the copy of rustc-demangle inside
# the nightly toolchain (rustc-demangle-oracle.rs). The script also checks that plain c++filt
# output, normalised by deleting `::h<16 hex>`, `[<hex>]` after a crate name and the `: usize`
# after v0 constants, is the same as `c++filt -i` output for the Rust files.
#
# Usage: make-fixtures.sh [--full] [output directory, default: this script's directory]
#   --full  every symbol instead of samples of 300 per source, plus rustc_driver's exported
#           symbols and the cargo executable's (v0, with `.llvm.` suffixes); DemangleTests runs
#           this at test time. Exits 77 when a tool is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
full=false
if [ "${1:-}" = --full ]; then
  full=true
  shift
fi
out=${1:-$here}
per_source=300
$full && per_source=100000000

export PATH="$PATH:$HOME/.cargo/bin"
for tool in rustc rustup nm c++filt; do
  if ! command -v $tool > /dev/null; then
    echo "$tool is not installed" >&2
    exit 77
  fi
done
if ! rustc +nightly --version > /dev/null 2>&1; then
  echo "no nightly Rust toolchain (rustup toolchain install nightly)" >&2
  exit 77
fi
rustc=$(command -v rustc)
rustup=$(command -v rustup)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# At most N lines of the input, evenly spaced, in order.
sample() {
  awk -v n="$1" '{ line[NR] = $0 } END {
    if (NR <= n) { for (i = 1; i <= NR; i++) print line[i]; exit }
    for (i = 0; i < n; i++) print line[int(i * NR / n) + 1] }'
}

# Symbols of an ELF file: $1 nm options, $2 file, $3 extended regex the names must match.
symbols() {
  nm $1 --without-symbol-versions "$2" | awk 'NF >= 2 { print $NF }' | grep -E "$3" | LC_ALL=C sort -u || true
}

# mangled<TAB>c++filt -i's text[<TAB>rustc-demangle's two forms with `rust`], for the names on stdin.
rows() {
  local list="$work/rows"
  cat > "$list"
  [ -s "$list" ] || return 0
  xargs -d '\n' c++filt -i < "$list" > "$work/cxxfilt"
  if [ "${1:-}" = rust ]; then
    "$work/oracle" < "$list" > "$work/alternate"
    "$work/oracle" --full < "$list" > "$work/full"
    paste "$list" "$work/cxxfilt" "$work/alternate" "$work/full"
  else
    paste "$list" "$work/cxxfilt"
  fi
}

# The plain (verbose) c++filt text normalised must equal c++filt -i's.
check_normalisation() {
  local file=$1
  cut -f1 "$file" | xargs -d '\n' c++filt |
    sed -E 's/::h[0-9a-f]{16}$//; s/([A-Za-z0-9_])\[[0-9a-f]+\]/\1/g; s/: (bool|char|[iu](8|16|32|64|128|size))([],>; ])/\3/g' > "$work/verbose"
  cut -f2 "$file" > "$work/terse"
  local differ
  differ=$(paste "$work/terse" "$work/verbose" | awk -F '\t' '$1 != $2' | wc -l)
  echo "$(basename "$file"): normalised c++filt differs from c++filt -i on $differ of $(wc -l < "$file") names"
  paste "$work/terse" "$work/verbose" | awk -F '\t' '$1 != $2 { print "  -i:      " $1; print "  verbose: " $2 }' | sed -n 1,4p
}

"$rustc" +nightly -O "$here/rustc-demangle-oracle.rs" -o "$work/oracle"

# crate.rs in both manglings (every symbol of the object file, local ones included).
"$rustc" --edition 2021 --crate-type=lib --crate-name demangle_fixture --emit=obj -C opt-level=0 \
  -C symbol-mangling-version=v0 "$here/crate.rs" -o "$work/v0.o"
"$rustc" +nightly --edition 2021 --crate-type=lib --crate-name demangle_fixture --emit=obj -C opt-level=0 \
  -Z unstable-options -C symbol-mangling-version=legacy "$here/crate.rs" -o "$work/legacy.o"

{
  symbols --defined-only "$work/legacy.o" '^_ZN'
  symbols "" "$rustup" '^_ZN.*17h[0-9a-f]{16}E' | sample $per_source
} | rows rust > "$out/rust-legacy.tsv"

{
  symbols --defined-only "$work/v0.o" '^_R'
  for toolchain in stable nightly; do
    for lib in "$("$rustc" +$toolchain --print target-libdir)"/libstd-*.so; do
      symbols "-D --defined-only" "$lib" '^_R'
    done
  done | LC_ALL=C sort -u | sample $per_source
  if $full; then
    sysroot=$("$rustc" --print sysroot)
    for lib in "$sysroot"/lib/librustc_driver-*.so; do symbols "-D --defined-only" "$lib" '^_R'; done
    symbols "" "$sysroot/bin/cargo" '^_R'
  fi
} | rows rust > "$out/rust-v0.tsv"

symbols "-D --defined-only" /usr/lib/x86_64-linux-gnu/libstdc++.so.6 '^_Z' | sample $per_source | rows > "$out/cxx.tsv"

check_normalisation "$out/rust-legacy.tsv"
check_normalisation "$out/rust-v0.tsv"
wc -l "$out"/*.tsv
echo "$(c++filt --version | sed -n 1p); $("$rustc" --version); $("$rustc" +nightly --version)"
