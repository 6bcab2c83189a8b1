#!/usr/bin/env bash
# Build the Rust dylib test corpus (TestBinaries/cargo) for elfdyn tests.
#
# Usage: build-cargo.sh OUTDIR
#
# Copies TestBinaries/cargo (without any target/ dir) to OUTDIR/cargo/ws and
# runs `RUSTFLAGS="-C prefer-dynamic" cargo build --offline` there, so the
# artifacts live in OUTDIR/cargo/ws/target/debug and the whole workspace can
# be moved by a test without touching the committed source tree.
#
# On success prints nothing but cargo's own output (on stderr) and writes
# OUTDIR/cargo/env (shell-sourceable) with:
#   WORKSPACE    abs path of the built workspace copy (OUTDIR/cargo/ws)
#   TARGET_DIR   abs path of ws/target/debug
#   DEPS_DIR     abs path of ws/target/debug/deps
#   RUST_LIBDIR  abs path of the toolchain's host lib dir (libstd-<hash>.so)
#   APP          abs path of target/debug/app
#   BPFTOOL      abs path of target/debug/bpftool
#
# Produced dylibs (path crates get no hash suffix from cargo), each present in
# both target/debug/ and target/debug/deps/ (hard links):
#   libgreet.so libutil.so libvsprintf.so liblibbpf_rs.so
# plus target/debug/build/vsprintf-<hash>/out/libwrapper.a (and wrapper.o).
#
# If cargo (or rustc, cc, ar) is unavailable: prints "skipped: <reason>" on
# stderr, writes the reason to OUTDIR/cargo/SKIPPED and exits 0.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/cargo" && pwd -P)"
mkdir -p "$1/cargo"
OUT="$(cd "$1/cargo" && pwd -P)"
WS="$OUT/ws"

rm -f "$OUT/env" "$OUT/SKIPPED"

skip() {
    echo "skipped: $1" >&2
    printf '%s\n' "$1" > "$OUT/SKIPPED"
    exit 0
}

command -v cargo >/dev/null 2>&1 || skip "cargo not found"
command -v rustc >/dev/null 2>&1 || skip "rustc not found"
cargo --version >/dev/null 2>&1 || skip "cargo not usable (cargo --version failed)"
command -v "${CC:-cc}" >/dev/null 2>&1 || skip "C compiler ${CC:-cc} not found (needed by vsprintf/build.rs)"
command -v "${AR:-ar}" >/dev/null 2>&1 || skip "${AR:-ar} not found (needed by vsprintf/build.rs)"

# Fresh copy of the workspace, never including a target/ dir from the source.
rm -rf "$WS"
mkdir -p "$WS"
tar -C "$SRC_DIR" --exclude=./target -cf - . | tar -C "$WS" -xf -

# Make the environment predictable: default target dir (ws/target), host
# target, and exactly our RUSTFLAGS (CARGO_ENCODED_RUSTFLAGS would win).
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR CARGO_BUILD_TARGET \
      CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS

cd "$WS"
RUSTFLAGS="-C prefer-dynamic" cargo build --offline >&2

# Same rustc (same rustup toolchain resolution) as cargo used in $WS.
RUST_LIBDIR="$(rustc --print target-libdir)"
RUST_LIBDIR="$(cd "$RUST_LIBDIR" && pwd -P)"

TARGET_DIR="$WS/target/debug"
DEPS_DIR="$TARGET_DIR/deps"
APP="$TARGET_DIR/app"
BPFTOOL="$TARGET_DIR/bpftool"

for f in "$APP" "$BPFTOOL" "$DEPS_DIR/libgreet.so" "$DEPS_DIR/libutil.so" \
         "$DEPS_DIR/libvsprintf.so" "$DEPS_DIR/liblibbpf_rs.so"; do
    [ -e "$f" ] || { echo "build-cargo.sh: expected output missing: $f" >&2; exit 1; }
done
compgen -G "$TARGET_DIR/build/vsprintf-*/out/libwrapper.a" >/dev/null \
    || { echo "build-cargo.sh: libwrapper.a missing under $TARGET_DIR/build" >&2; exit 1; }
compgen -G "$RUST_LIBDIR/libstd-*.so" >/dev/null \
    || { echo "build-cargo.sh: no libstd-*.so in $RUST_LIBDIR" >&2; exit 1; }

{
    printf 'WORKSPACE=%q\n' "$WS"
    printf 'TARGET_DIR=%q\n' "$TARGET_DIR"
    printf 'DEPS_DIR=%q\n' "$DEPS_DIR"
    printf 'RUST_LIBDIR=%q\n' "$RUST_LIBDIR"
    printf 'APP=%q\n' "$APP"
    printf 'BPFTOOL=%q\n' "$BPFTOOL"
} > "$OUT/env.tmp"
mv "$OUT/env.tmp" "$OUT/env"
