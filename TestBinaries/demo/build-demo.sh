#!/usr/bin/env bash
# Builds the demo sample into OUTDIR: project/target/debug/app needing deps/libgreet.so (the
# project's) and libruntime.so.1 from toolchain/lib (like a Rust toolchain's libstd), no runpath.
set -euo pipefail
out=${1:?usage: build-demo.sh OUTDIR}
src=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out"
mkdir -p "$out/project/target/debug/deps" "$out/toolchain/lib"
cc=${CC:-gcc}
"$cc" -shared -fPIC -o "$out/toolchain/lib/libruntime.so.1" -Wl,-soname,libruntime.so.1 "$src/runtime.c"
"$cc" -shared -fPIC -o "$out/project/target/debug/deps/libgreet.so" -Wl,-soname,libgreet.so "$src/greet.c" \
  -L"$out/toolchain/lib" -l:libruntime.so.1
"$cc" -o "$out/project/target/debug/app" "$src/app.c" \
  -L"$out/project/target/debug/deps" -lgreet -L"$out/toolchain/lib" -l:libruntime.so.1
