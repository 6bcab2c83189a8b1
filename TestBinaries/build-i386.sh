#!/bin/bash
# build-i386.sh OUTDIR
#
# Builds the i386 (glibc) corpus under OUTDIR/i386/<scenario>/ with gcc -m32
# from the C sources in TestBinaries/musl/src (shared with the musl corpus),
# then runs ldd / ldd -r on every case and on every dynamic i386 ELF file
# under /usr/lib/i386-linux-gnu and /usr/lib32 (TestBinaries/i386/oracle.py)
# and records the result in OUTDIR/i386/cases.json (read by
# TestBinaries/i386/check.sh) and OUTDIR/i386/oracle.txt.
# See TestBinaries/i386/README.md. Idempotent: OUTDIR/i386 is wiped first.
# Quiet on success (log: OUTDIR/i386/build.log). Needs gcc-multilib,
# libc6:i386 (ldd, /lib/ld-linux.so.2), python3; zlib1g:i386 and
# libstdc++6:i386 for the cache scenario (system_cache).
set -euo pipefail
# readelf_matches: readelf output searched once read in full (no SIGPIPE race under pipefail).
. "$(dirname "${BASH_SOURCE[0]}")/readelf-matches.sh"

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/musl/src
mkdir -p "$1"
OUT=$(realpath "$1")
T=$OUT/i386
rm -rf "$T"
mkdir -p "$T/.obj"
O=$T/.obj
LOG=$T/build.log
: >"$LOG"
for t in gcc ldd python3 readelf /lib/ld-linux.so.2; do
  command -v "$t" >/dev/null 2>&1 || [ -e "$t" ] || { echo "build-i386.sh: missing $t" >&2; exit 1; }
done

# source_of FILE: a source of musl/src, or the shared lib.c/main.c of tree/src.
source_of() { if [ -e "$SRC/$1" ]; then echo "$SRC/$1"; else echo "$HERE/tree/src/$1"; fi; }
x() {
  echo "+ $*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || { echo "build-i386.sh: FAILED: $*" >&2; tail -20 "$LOG" >&2; exit 1; }
}
# ilib OUT SONAME SRC [gcc args...]: i386 shared library, -fPIC unless the
# args say otherwise (SONAME - = none).
ilib() {
  local out=$1 so=$2 src=$3; shift 3
  mkdir -p "$(dirname "$out")"
  local sof=(); [ "$so" = - ] || sof=("-Wl,-soname,$so")
  x gcc -m32 -shared -fPIC -O -o "$out" "$(source_of "$src")" "${sof[@]}" -Wl,--no-as-needed "$@"
}
# iexe OUT SRC [gcc args...]: i386 program (PIE unless told otherwise); every
# library given is a DT_NEEDED; libraries' undefined symbols are allowed.
iexe() {
  local out=$1 src=$2; shift 2
  mkdir -p "$(dirname "$out")"
  x gcc -m32 -O -o "$out" "$(source_of "$src")" -Wl,--no-as-needed -Wl,--allow-shlib-undefined "$@"
}
stub() {
  local f=$O/stubs/$1
  [ -e "$f" ] || ilib "$f" "$1" lib.c -DFN=stub_unused
  echo "$f"
}
# case NAME INPUT CWD LD_LIBRARY_PATH NOTE -> cases.in (see oracle.py)
case_() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$T/cases.in"; }
: >"$T/cases.in"

# basic: a plain i386 program: libc.so.6 from ld.so.cache, /lib/ld-linux.so.2.
S=$T/basic
iexe "$S/app" main.c
case_ basic "$S/app" "$S" - "libc.so.6 and the loader"

# undef_func_shlib: THE known bug: an i386 library calls foo_extra, which
# nothing defines; the program was linked with --allow-shlib-undefined.
S=$T/undef_func_shlib
ilib "$S/lib/libx.so" libx.so undef.c -DUFUNC=foo_extra
iexe "$S/app" main.c -DFN=g "$S/lib/libx.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ undef_func_shlib/program "$S/app" "$S" - "libx.so: foo_extra (R_386_JUMP_SLOT)"
case_ undef_func_shlib/library "$S/lib/libx.so" "$S" - "the library alone: foo_extra"

# undef_data: undefined data read through the GOT (R_386_GLOB_DAT) and an
# undefined function's address stored in data (R_386_32).
S=$T/undef_data
ilib "$S/lib/libu.so" libu.so undef.c -DUDATA=nowhere_data -DUPTR=nowhere_ptr
iexe "$S/app" main.c -DFN=g "$S/lib/libu.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ undef_data "$S/app" "$S" - "libu.so: nowhere_data (GLOB_DAT), nowhere_ptr (R_386_32)"

# undef_nonpic: a non-PIC library (DT_TEXTREL): R_386_PC32 and R_386_32 in
# .text against undefined symbols.
S=$T/undef_nonpic
ilib "$S/lib/libnp.so" libnp.so undef.c -fno-pic -DUFUNC=nowhere_func -DUDATA=nowhere_data -DUPTR=nowhere_ptr
readelf_matches -q 'R_386_PC32.*nowhere_func' -rW "$S/lib/libnp.so" || { echo "build-i386.sh: libnp.so has no R_386_PC32" >&2; exit 1; }
iexe "$S/app" main.c -DFN=g "$S/lib/libnp.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ undef_nonpic "$S/app" "$S" - "libnp.so (TEXTREL): nowhere_func (PC32), nowhere_data, nowhere_ptr (R_386_32)"

# undef_tls: an undefined __thread variable (R_386_TLS_DTPMOD32/DTPOFF32).
S=$T/undef_tls
ilib "$S/lib/libu.so" libu.so undef.c -DUTLS=nowhere_tls
iexe "$S/app" main.c -DFN=g "$S/lib/libu.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ undef_tls "$S/app" "$S" - "libu.so: nowhere_tls (TLS)"

# undef_copyreloc: a non-PIE program with an R_386_COPY for lib_data and a
# JUMP_SLOT for lib_fn; the libd.so it gets has neither. Also the PIE
# program (GLOB_DAT) and the satisfied case.
S=$T/undef_copyreloc
ilib "$S/full/libd.so" libd.so libdata.c
ilib "$S/lib/libd.so" libd.so libdata.c -DNONE
iexe "$S/app" copyreloc.c -fno-pie -no-pie "$S/full/libd.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
iexe "$S/app_pie" copyreloc.c "$S/full/libd.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
iexe "$S/app_ok" copyreloc.c -fno-pie -no-pie "$S/full/libd.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/full"
readelf_matches -q 'R_386_COPY.*lib_data' -rW "$S/app" || { echo "build-i386.sh: app has no R_386_COPY" >&2; exit 1; }
case_ undef_copyreloc/copy "$S/app" "$S" - "app: lib_data (R_386_COPY), lib_fn undefined"
case_ undef_copyreloc/pie "$S/app_pie" "$S" - "PIE app: lib_data (GLOB_DAT), lib_fn undefined"
case_ undef_copyreloc/ok "$S/app_ok" "$S" - "copy relocation satisfied"

# versions: the program needs foo@VER_2 and bar@VER_2 of libv.so.
#   v2: defined; v1: only VER_1 ("version `VER_2' not found", and foo, bar
#   undefined); v3: only VER_3; hidden: foo only as the hidden foo@VER_2
#   (glibc matches it: a versioned reference may bind a hidden definition).
# (An unversioned libv.so is left out: ldd -r dies on an ld.so assertion.)
S=$T/versions
printf 'VER_1 { global: foo; bar; local: *; };\n' >"$O/v1.map"
printf 'VER_2 { global: foo; bar; local: *; };\n' >"$O/v2.map"
printf 'VER_3 { global: foo; bar; local: *; };\n' >"$O/v3.map"
printf 'VER_1 { local: foo_v1; foo_v2; };\nVER_2 { } VER_1;\n' >"$O/hidden.map"
ilib "$S/v1/libv.so" libv.so vlib.c "-Wl,--version-script=$O/v1.map"
ilib "$S/v2/libv.so" libv.so vlib.c "-Wl,--version-script=$O/v2.map"
ilib "$S/v3/libv.so" libv.so vlib.c "-Wl,--version-script=$O/v3.map"
ilib "$S/hidden/libv.so" libv.so vlib.c -DHIDDEN_ONLY "-Wl,--version-script=$O/hidden.map"
iexe "$S/app" vmain.c "$S/v2/libv.so"
case_ versions/defined "$S/app" "$S" "$S/v2" "VER_2 needed and defined"
case_ versions/missing "$S/app" "$S" "$S/v1" "VER_2 needed, only VER_1: version not found, foo and bar undefined"
case_ versions/other "$S/app" "$S" "$S/v3" "VER_2 needed, only VER_3"
case_ versions/hidden "$S/app" "$S" "$S/hidden" "VER_2 needed, foo@VER_2 hidden: matched"

# weak_undef: weak undefined references are never errors.
S=$T/weak_undef
ilib "$S/lib/libf.so" libf.so lib.c -DFN=f
iexe "$S/app" weak.c -DSTRONG=f "$S/lib/libf.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ weak_undef "$S/app" "$S" - "weak_fn, weak_data unresolved and fine"

# rpath_runpath: DT_RPATH is inherited by the program's libraries,
# DT_RUNPATH is not.
S=$T/rpath_runpath
ilib "$S/e/libleaf.so" libleaf.so lib.c -DFN=leaf -DVAL=1
ilib "$S/e/libmid.so" libmid.so lib.c -DFN=g -DCALL=leaf "$S/e/libleaf.so"
iexe "$S/app_rpath" main.c -DFN=g "$S/e/libmid.so" -Wl,--disable-new-dtags "-Wl,-rpath,$S/e"
iexe "$S/app_runpath" main.c -DFN=g "$S/e/libmid.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/e"
case_ rpath_runpath/rpath "$S/app_rpath" "$S" - "libleaf found through the program's DT_RPATH"
case_ rpath_runpath/runpath "$S/app_runpath" "$S" - "libleaf not found: DT_RUNPATH is not inherited; leaf undefined"

# origin: $ORIGIN in the program and in a library.
S=$T/origin
ilib "$S/bin/lib/sub/libsub.so" libsub.so lib.c -DFN=subv -DVAL=4
ilib "$S/bin/lib/liba.so" liba.so lib.c -DFN=g -DCALL=subv "$S/bin/lib/sub/libsub.so" -Wl,--enable-new-dtags "-Wl,-rpath,\$ORIGIN/sub"
iexe "$S/bin/app" main.c -DFN=g "$S/bin/lib/liba.so" -Wl,--enable-new-dtags "-Wl,-rpath,\$ORIGIN/lib"
case_ origin "$S/bin/app" "$S" - "liba via \$ORIGIN/lib, libsub via liba's \$ORIGIN/sub"

# missing_lib: libmiss.so needed by the program and by libuser.so: two
# "not found" entries; miss_fn undefined.
S=$T/missing_lib
ilib "$O/miss/libmiss.so" libmiss.so lib.c -DFN=miss_fn
ilib "$S/lib/libuser.so" libuser.so lib.c -DFN=user "$O/miss/libmiss.so"
iexe "$S/app" main.c -DFN=miss_fn "$O/miss/libmiss.so" "$S/lib/libuser.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ missing_lib "$S/app" "$S" - "libmiss.so not found (twice)"

# ld_library_path: DT_RPATH > LD_LIBRARY_PATH > DT_RUNPATH.
S=$T/ld_library_path
ilib "$S/rp/libo.so" libo.so lib.c -DFN=val -DVAL=1
ilib "$S/llp/libo.so" libo.so lib.c -DFN=val -DVAL=2
ilib "$S/up/libo.so" libo.so lib.c -DFN=val -DVAL=3
iexe "$S/app_rpath" main.c -DFN=val "$S/rp/libo.so" -Wl,--disable-new-dtags "-Wl,-rpath,$S/rp"
iexe "$S/app_runpath" main.c -DFN=val "$S/up/libo.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/up"
case_ ld_library_path/rpath "$S/app_rpath" "$S" "$S/llp" "DT_RPATH before LD_LIBRARY_PATH"
case_ ld_library_path/runpath "$S/app_runpath" "$S" "$S/llp" "LD_LIBRARY_PATH before DT_RUNPATH"

# wrong_class: an x86-64 libw.so first on the path is skipped (glibc),
# the i386 one behind it is used.
S=$T/wrong_class
mkdir -p "$S/a"
x gcc -shared -fPIC -O -o "$S/a/libw.so" "$(source_of lib.c)" -DFN=val -DVAL=9 -Wl,-soname,libw.so
ilib "$S/b/libw.so" libw.so lib.c -DFN=val -DVAL=2
iexe "$S/app" main.c -DFN=val "$S/b/libw.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/a:$S/b"
case_ wrong_class/runpath "$S/app" "$S" - "a/libw.so (x86-64) skipped, b/libw.so used"
case_ wrong_class/ld_library_path "$S/app" "$S" "$S/a" "LD_LIBRARY_PATH a (x86-64) skipped"

# system_cache: libz.so.1 and libstdc++.so.6 through ld.so.cache: the i386
# entries (flags libc6), not the x86-64 or x32 ones; libstdc++.so.6 has two
# i386 entries (/lib/i386-linux-gnu and /lib32), the first one wins.
S=$T/system_cache
iexe "$S/app" main.c "$(stub libz.so.1)" "$(stub libstdc++.so.6)"
case_ system_cache "$S/app" "$S" - "libz.so.1, libstdc++.so.6 (+ libm, libgcc_s) from the cache's i386 entries"

# ------------------------------------------------------------------ oracle
rm -rf "$O"
sysdirs=()
for d in /usr/lib/i386-linux-gnu /usr/lib32; do [ -d "$d" ] && sysdirs+=("$d"); done
x python3 "$HERE/i386/oracle.py" "$OUT" "${sysdirs[@]}"
