#!/usr/bin/env bash
# build-patch.sh OUTDIR
#
# Builds the set-rpath test matrix into OUTDIR/patch/: the same small program and library linked by
# GNU ld (bfd), gold, lld and mold, as PIE, non-PIE and shared objects, with max-page-size
# 4K/16K/64K, -z separate-code / noseparate-code, -z relro / norelro, --hash-style gnu/sysv/both,
# DT_RUNPATH or DT_RPATH or none; and shared objects for aarch64, s390x, powerpc64, powerpc64le,
# i686, riscv64 and armv7 built by the toolchain's clang and lld with no sysroot; and libraries linked
# by the toolchain's lld 21 (x86-64, aarch64, i686, riscv64, armv7), whose PT_GNU_RELRO segment holds
# only .dynamic and lld's .relro_padding.
#
# Every x86-64 file needs libpdep.so, which lives in OUTDIR/patch/dep and is on no search path:
# it runs (programs: `FILE --version`; libraries: `dlopen-check FILE`) only once a runpath finds it.
#
# The manifest OUTDIR/patch/cases.tsv has one line per file, tab-separated:
#   name  linker  kind(pie|exe|shared)  arch  runnable(yes|no)  initial(none|runpath|rpath)  path
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/patch/src
mkdir -p "$1"
OUT=$(realpath "$1")/patch
rm -rf "$OUT"
mkdir -p "$OUT/dep" "$OUT/bin"
CLANG=/opt/swift/usr/bin/clang
MANIFEST=$OUT/cases.tsv
: >"$MANIFEST"
start=$(date +%s%N)

gcc -shared -fPIC -O1 -o "$OUT/dep/libpdep.so" -Wl,-soname,libpdep.so "$SRC/dep.c"
gcc -O1 -o "$OUT/bin/dlopen-check" "$SRC/dlopen-check.c" -ldl
gcc -O1 -c -fPIC -o "$OUT/bin/main.o" "$SRC/main.c"
gcc -O1 -c -fPIC -o "$OUT/bin/lib.o" "$SRC/lib.c"
gcc -O1 -c -fno-pic -o "$OUT/bin/main-nopic.o" "$SRC/main.c"

linker_available() {
  case $1 in
    bfd) command -v ld.bfd >/dev/null ;;
    gold) command -v ld.gold >/dev/null ;;
    lld) command -v ld.lld >/dev/null ;;
    mold) command -v mold >/dev/null ;;
  esac
}

# case NAME LINKER KIND INITIAL [EXTRA LINK FLAGS...]
case_() {
  local name=$1 linker=$2 kind=$3 initial=$4
  shift 4
  linker_available "$linker" || { echo "build-patch.sh: skipping $name ($linker not installed)" >&2; return 0; }
  local dir=$OUT/$name
  mkdir -p "$dir"
  local rp=()
  case $initial in
    runpath) rp=(-Wl,--enable-new-dtags -Wl,-rpath,/opt/old/lib) ;;
    rpath) rp=(-Wl,--disable-new-dtags -Wl,-rpath,/opt/old/lib) ;;
    none) rp=() ;;
  esac
  local file
  case $kind in
    pie) file=$dir/app; gcc -fuse-ld="$linker" -pie -o "$file" "$OUT/bin/main.o" "${rp[@]}" "$@" -L"$OUT/dep" -lpdep ;;
    exe) file=$dir/app; gcc -fuse-ld="$linker" -no-pie -o "$file" "$OUT/bin/main-nopic.o" "${rp[@]}" "$@" -L"$OUT/dep" -lpdep ;;
    shared) file=$dir/libplib.so; gcc -fuse-ld="$linker" -shared -o "$file" -Wl,-soname,libplib.so "$OUT/bin/lib.o" "${rp[@]}" "$@" -L"$OUT/dep" -lpdep ;;
  esac
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$linker" "$kind" x86_64 yes "$initial" "$file" >>"$MANIFEST"
}

for linker in bfd gold lld mold; do
  case_ "$linker-pie" "$linker" pie none
  case_ "$linker-exe" "$linker" exe none
  case_ "$linker-shared" "$linker" shared none
  case_ "$linker-pie-runpath" "$linker" pie runpath
  case_ "$linker-shared-runpath" "$linker" shared runpath
done
case_ bfd-pie-rpath bfd pie rpath
case_ bfd-shared-rpath bfd shared rpath
case_ lld-pie-rpath lld pie rpath
for size in 4096 16384 65536; do
  case_ "bfd-pie-page$size" bfd pie none -Wl,-z,max-page-size=$size
  case_ "bfd-shared-page$size" bfd shared runpath -Wl,-z,max-page-size=$size
  case_ "lld-shared-page$size" lld shared none -Wl,-z,max-page-size=$size
  case_ "lld-pie-page$size" lld pie runpath -Wl,-z,max-page-size=$size
done
case_ mold-pie-page65536 mold pie none -Wl,-z,max-page-size=65536
case_ gold-shared-page65536 gold shared none -Wl,-z,max-page-size=65536
case_ bfd-pie-noseparate bfd pie none -Wl,-z,noseparate-code
case_ bfd-exe-separate bfd exe runpath -Wl,-z,separate-code
case_ lld-pie-noseparate lld pie none -Wl,-z,noseparate-code
case_ bfd-pie-norelro bfd pie none -Wl,-z,norelro
case_ lld-shared-norelro lld shared none -Wl,-z,norelro
case_ bfd-pie-now bfd pie runpath -Wl,-z,now
for style in gnu sysv both; do
  case_ "bfd-shared-hash-$style" bfd shared none -Wl,--hash-style=$style
  case_ "lld-pie-hash-$style" lld pie none -Wl,--hash-style=$style
done
case_ gold-pie-hash-sysv gold pie runpath -Wl,--hash-style=sysv

# Foreign architectures: shared objects only (no sysroot), structure checks only.
for target in aarch64-linux-gnu s390x-linux-gnu powerpc64-linux-gnu powerpc64le-linux-gnu i686-linux-gnu \
  riscv64-linux-gnu armv7-linux-gnueabihf; do
  arch=${target%%-*}
  for variant in none runpath; do
    name=lld-shared-$arch-$variant
    dir=$OUT/$name
    mkdir -p "$dir"
    extra=()
    [ $variant = runpath ] && extra=(-Wl,-rpath,/opt/old/lib)
    "$CLANG" --target=$target -nostdlib -shared -fPIC -fuse-ld=lld -O1 -o "$dir/libforeign.so" \
      -Wl,-soname,libforeign.so "${extra[@]}" "$SRC/foreign.c"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" lld shared "$arch" no "$variant" "$dir/libforeign.so" >>"$MANIFEST"
  done
done
"$CLANG" --target=aarch64-linux-gnu -nostdlib -shared -fPIC -fuse-ld=lld -O1 -Wl,-z,max-page-size=4096 \
  -o "$OUT/lld-shared-aarch64-page4096.so" "$SRC/foreign.c"
mkdir -p "$OUT/lld-shared-aarch64-page4096" && mv "$OUT/lld-shared-aarch64-page4096.so" "$OUT/lld-shared-aarch64-page4096/libforeign.so"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' lld-shared-aarch64-page4096 lld shared aarch64 no none \
  "$OUT/lld-shared-aarch64-page4096/libforeign.so" >>"$MANIFEST"

# The toolchain's lld 21 lays out PT_GNU_RELRO with a .relro_padding section; a library of only code
# and a call into libpdep.so has nothing but .dynamic in that segment, so moving .dynamic must not
# leave a writable segment with no writable section. x86-64 (runnable) and four foreign machines,
# with and without a runpath; the foreign ones need a libpdep.so of their own machine.
for target in x86_64-linux-gnu aarch64-linux-gnu i686-linux-gnu riscv64-linux-gnu armv7-linux-gnueabihf; do
  arch=${target%%-*}
  depdir=$OUT/dep
  runnable=yes
  if [ "$arch" != x86_64 ]; then
    depdir=$OUT/lld21-dep/$arch
    runnable=no
    mkdir -p "$depdir"
    "$CLANG" --target=$target -nostdlib -shared -fPIC -fuse-ld=lld -O1 -o "$depdir/libpdep.so" \
      -Wl,-soname,libpdep.so "$SRC/dep.c"
  fi
  for variant in none runpath; do
    name=lld21-shared-$arch-$variant
    dir=$OUT/$name
    mkdir -p "$dir"
    extra=()
    [ $variant = runpath ] && extra=(-Wl,-rpath,/opt/old/lib)
    "$CLANG" --target=$target -nostdlib -shared -fPIC -fuse-ld=lld -O1 -o "$dir/libplib.so" \
      -Wl,-soname,libplib.so "${extra[@]}" "$SRC/lld21.c" -L"$depdir" -lpdep
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" lld21 shared "$arch" "$runnable" "$variant" "$dir/libplib.so" \
      >>"$MANIFEST"
  done
done

# A file that is not ELF, and a linker script.
printf 'this is not an ELF file, only text that is long enough to have a header\n' >"$OUT/not-elf"
echo "build-patch.sh: $(wc -l <"$MANIFEST") files in $(( ($(date +%s%N) - start) / 1000000 )) ms" >&2
