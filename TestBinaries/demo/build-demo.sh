#!/usr/bin/env bash
# Builds the demo sample into OUTDIR: project/target/debug/app needing deps/libgreet.so (the
# project's) and libruntime.so.1 from toolchain/lib (like a Rust toolchain's libstd), no runpath;
# and target/debug/bpftool, which reproduces the vsnprintf_wrapper bug: a C helper from a static
# archive linked into libvsprintf.so, whose exports hide it, called directly from libbpf.so.
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

# The vsnprintf_wrapper bug, in C. The archive stays where a Cargo build script leaves it.
build="$out/project/target/debug/build/vsprintf-0123456789abcdef/out"
mkdir -p "$build"
"$cc" -c -fPIC -o "$build/wrapper.o" "$src/wrapper.c"
ar crs "$build/libwrapper.a" "$build/wrapper.o"
"$cc" -shared -fPIC -o "$out/project/target/debug/deps/libvsprintf.so" -Wl,-soname,libvsprintf.so \
  -Wl,--version-script="$src/vsprintf.map" "$src/vsprintf.c" -L"$build" -lwrapper
"$cc" -shared -fPIC -o "$out/project/target/debug/deps/libbpf.so" -Wl,-soname,libbpf.so "$src/bpf.c" \
  -L"$out/project/target/debug/deps" -lvsprintf
"$cc" -o "$out/project/target/debug/bpftool" "$src/bpftool.c" -Wl,--allow-shlib-undefined \
  -L"$out/project/target/debug/deps" -lbpf -lvsprintf
