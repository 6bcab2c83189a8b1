#!/bin/bash
# build-musl.sh OUTDIR
#
# Builds the musl loader-rule corpus under OUTDIR/musl/<scenario>/ from the
# small C sources in TestBinaries/musl/src, then runs the real musl loader on
# every case (TestBinaries/musl/oracle.py) and records what it printed in
# OUTDIR/musl/cases.json (read by TestBinaries/musl/check.sh) and
# OUTDIR/musl/oracle.txt. See TestBinaries/musl/README.md.
# Idempotent: OUTDIR/musl is wiped first. Quiet on success (log:
# OUTDIR/musl/build.log). Needs musl, musl-tools (musl-gcc), gcc-multilib
# (an i386 .so), python3, /opt/swift/usr/bin/clang + ld.lld (aarch64 .so).
# Nothing outside OUTDIR is written; the host's /etc/ld-musl-x86_64.path is
# only read (by the loader; oracle.py copies it into cases.json).
set -euo pipefail
# readelf_matches: readelf output searched once read in full (no SIGPIPE race under pipefail).
. "$(dirname "${BASH_SOURCE[0]}")/readelf-matches.sh"

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/musl/src
mkdir -p "$1"
OUT=$(realpath "$1")
T=$OUT/musl
rm -rf "$T"
mkdir -p "$T/.obj"
O=$T/.obj
LOG=$T/build.log
: >"$LOG"
CC=musl-gcc
CLANG=/opt/swift/usr/bin/clang
LDSO=/lib/ld-musl-x86_64.so.1
GLIBC_LIBC=/lib/x86_64-linux-gnu/libc.so.6
for t in "$CC" gcc python3 readelf "$CLANG" "$LDSO" "$GLIBC_LIBC"; do
  command -v "$t" >/dev/null 2>&1 || [ -e "$t" ] || { echo "build-musl.sh: missing $t" >&2; exit 1; }
done

# source_of FILE: a source of musl/src, or the shared lib.c/main.c of tree/src.
source_of() { if [ -e "$SRC/$1" ]; then echo "$SRC/$1"; else echo "$HERE/tree/src/$1"; fi; }
# x CMD...: run, log, stop with the log tail on failure.
x() {
  echo "+ $*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || { echo "build-musl.sh: FAILED: $*" >&2; tail -20 "$LOG" >&2; exit 1; }
}
# mlib OUT SONAME SRC [cc args...]: musl shared library (SONAME - = none).
mlib() {
  local out=$1 so=$2 src=$3; shift 3
  mkdir -p "$(dirname "$out")"
  local sof=(); [ "$so" = - ] || sof=("-Wl,-soname,$so")
  x "$CC" -shared -fPIC -O -o "$out" "$(source_of "$src")" "${sof[@]}" -Wl,--no-as-needed "$@"
}
# mexe OUT SRC [cc args...]: musl program; every library given is a DT_NEEDED
# (before libc.so, which musl-gcc adds last); undefined symbols of libraries
# are allowed at link time.
mexe() {
  local out=$1 src=$2; shift 2
  mkdir -p "$(dirname "$out")"
  x "$CC" -O -o "$out" "$(source_of "$src")" -Wl,--no-as-needed -Wl,--allow-shlib-undefined "$@"
}
# stub SONAME: an empty link-time-only library whose soname is SONAME (any
# string, slashes too); prints its path. Link with the path to get a
# DT_NEEDED of exactly SONAME; nothing at run time ever finds these files.
stub() {
  local n; n=$(printf '%s' "$1" | tr '/' '%')
  local f=$O/stubs/$n
  [ -e "$f" ] || mlib "$f" "$1" lib.c -DFN=stub_unused
  echo "$f"
}
# case NAME INPUT CWD LD_LIBRARY_PATH ORACLE NOTE -> cases.in (see oracle.py)
case_() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$T/cases.in"; }
: >"$T/cases.in"

# ---------------------------------------------------------------------------
# builtin_names: every name musl's loader reserves for itself ("lib" + one of
# c. pthread. rt. m. dl. util. xnet.) resolves to the loader, never searched.
S=$T/builtin_names
mexe "$S/app" main.c "$(stub libm.so.6)" "$(stub libpthread.so.0)" "$(stub librt.so.1)" \
  "$(stub libdl.so.2)" "$(stub libutil.so.1)" "$(stub libxnet.so)"
case_ builtin_names "$S/app" "$S" - list "libm.so.6 libpthread.so.0 librt.so.1 libdl.so.2 libutil.so.1 libxnet.so libc.so => loader"

# builtin_aliases: libc.so.6, libc.musl-x86_64.so.1 (Alpine's name) and libc.so
# are one reserved entry (prefix libc.), libm.so and libm.so.6 another; --list
# prints each reserved entry once, under the first name that asked for it.
S=$T/builtin_aliases
mlib "$S/lib/libdep.so" libdep.so lib.c -DFN=g "$(stub libm.so.6)"
mexe "$S/app" main.c -DFN=g "$(stub libc.so.6)" "$(stub libc.musl-x86_64.so.1)" "$(stub libm.so)" \
  "$S/lib/libdep.so" "-Wl,-rpath,$S/lib"
case_ builtin_aliases "$S/app" "$S" - list "one line per reserved entry (libc.so.6, libm.so), libdep's libm.so.6 and libc.so silent"

# not_builtin: libresolv.so.2, libcrypt.so.1 and libmx.so are NOT reserved in
# musl 1.2.3 (they are searched like any name, and not found on this host).
S=$T/not_builtin
mexe "$S/app" main.c "$(stub libresolv.so.2)" "$(stub libcrypt.so.1)" "$(stub libmx.so)"
case_ not_builtin "$S/app" "$S" - list "libresolv.so.2 libcrypt.so.1 libmx.so searched, not found"

# needed_loader: a DT_NEEDED equal to the loader's name (PT_INTERP) is the
# loader, silently; the bare name ld-musl-x86_64.so.1 is searched (not found).
S=$T/needed_loader
mexe "$S/app_abs" main.c "$(stub "$LDSO")"
mexe "$S/app_bare" main.c "$(stub ld-musl-x86_64.so.1)"
case_ needed_loader/absolute "$S/app_abs" "$S" - list "DT_NEEDED $LDSO = PT_INTERP: the loader, not listed"
case_ needed_loader/bare "$S/app_bare" "$S" - list "DT_NEEDED ld-musl-x86_64.so.1: searched in the system path"

# glibc_libc_by_path: a library that defines __libc_start_main and stdin (any
# libc: here glibc's, by absolute path) is replaced by the loader ("libc.so").
S=$T/glibc_libc_by_path
mexe "$S/app" main.c "$(stub "$GLIBC_LIBC")"
case_ glibc_libc_by_path "$S/app" "$S" - list "DT_NEEDED $GLIBC_LIBC: mapped, seen to be a libc, replaced by the loader"

# ld_library_path: LD_LIBRARY_PATH is searched before DT_RPATH and DT_RUNPATH;
# separators are ':' and newline only; empty elements are skipped (not the
# cwd); relative elements are relative to the cwd; $ORIGIN is not expanded.
S=$T/ld_library_path
mlib "$S/rp/libo.so" libo.so lib.c -DFN=val -DVAL=1
mlib "$S/llp/libo.so" libo.so lib.c -DFN=val -DVAL=2
mlib "$S/libo.so" libo.so lib.c -DFN=val -DVAL=3
mlib "$S/up/libo.so" libo.so lib.c -DFN=val -DVAL=4
mlib "$S/bin/libo.so" libo.so lib.c -DFN=val -DVAL=5
mexe "$S/bin/app_rpath" main.c -DFN=val "$S/rp/libo.so" -Wl,--disable-new-dtags "-Wl,-rpath,$S/rp"
mexe "$S/bin/app_runpath" main.c -DFN=val "$S/up/libo.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/up"
case_ ld_library_path/rpath_alone "$S/bin/app_rpath" "$S" - list "DT_RPATH rp"
case_ ld_library_path/over_rpath "$S/bin/app_rpath" "$S" "$S/llp" list "LD_LIBRARY_PATH before DT_RPATH"
case_ ld_library_path/over_runpath "$S/bin/app_runpath" "$S" "$S/llp" list "LD_LIBRARY_PATH before DT_RUNPATH"
case_ ld_library_path/empty_elements "$S/bin/app_runpath" "$S" ":$S/none::$S/llp:" list "empty elements skipped (the cwd $S has a libo.so too)"
case_ ld_library_path/newline "$S/bin/app_runpath" "$S" "$S/none\\n$S/llp" list "newline separates elements"
case_ ld_library_path/semicolon "$S/bin/app_runpath" "$S" "$S/none;$S/llp" list "';' is not a separator: one (missing) directory, then DT_RUNPATH"
case_ ld_library_path/relative "$S/bin/app_runpath" "$S" "llp" list "relative element: relative to the cwd"
case_ ld_library_path/origin_literal "$S/bin/app_runpath" "$S" '$ORIGIN' list "\$ORIGIN in LD_LIBRARY_PATH is not expanded (bin/libo.so not used)"

# rpath_inherited: DT_RUNPATH is treated like DT_RPATH and inherited: a
# library's dependency is searched in the runpath of the library, then of the
# object that loaded it, and so on up to the program.
S=$T/rpath_inherited
mlib "$S/e/libleaf.so" libleaf.so lib.c -DFN=leaf -DVAL=1
mlib "$S/e/libmid.so" libmid.so lib.c -DFN=g -DCALL=leaf "$S/e/libleaf.so"
mexe "$S/app_runpath" main.c -DFN=g "$S/e/libmid.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/e"
mexe "$S/app_rpath" main.c -DFN=g "$S/e/libmid.so" -Wl,--disable-new-dtags "-Wl,-rpath,$S/e"
mlib "$S/e/libgrand.so" libgrand.so lib.c -DFN=grand -DVAL=7
mlib "$S/m/libleaf2.so" libleaf2.so lib.c -DFN=leaf2 -DCALL=grand "$S/e/libgrand.so"
mlib "$S/e/libleaf2.so" libleaf2.so lib.c -DFN=leaf2 -DVAL=3
mlib "$S/e/libmid2.so" libmid2.so lib.c -DFN=g -DCALL=leaf2 "$S/m/libleaf2.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/m"
mexe "$S/app_chain" main.c -DFN=g "$S/e/libmid2.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/e"
case_ rpath_inherited/runpath "$S/app_runpath" "$S" - list "libmid (no runpath) finds libleaf in the program's DT_RUNPATH"
case_ rpath_inherited/rpath "$S/app_rpath" "$S" - list "same with DT_RPATH"
case_ rpath_inherited/chain "$S/app_chain" "$S" - list "libmid2's own runpath m first (libleaf2 from m, not e); libleaf2's libgrand from the program's e, two levels up"

# rpath_and_runpath: an object with both DT_RPATH and DT_RUNPATH uses only
# DT_RUNPATH, for itself and as a link of its dependencies' chain.
S=$T/rpath_and_runpath
mlib "$S/R/libx.so" libx.so lib.c -DFN=val -DVAL=1
mlib "$S/U/libx.so" libx.so lib.c -DFN=val -DVAL=2
mlib "$S/R/libk.so" libk.so lib.c -DFN=kv -DVAL=3
mlib "$S/U/libkid.so" libkid.so lib.c -DFN=kid -DCALL=kv "$S/R/libk.so"
mlib "$S/L/libboth.so" libboth.so lib.c -DFN=g -DCALL=val "$S/U/libx.so" "$S/U/libkid.so" \
  "$(stub "$S/U")" -Wl,--disable-new-dtags "-Wl,-rpath,$S/R"
x gcc -O -o "$O/dynpatch" "$HERE/tree/src/dynpatch.c"
x "$O/dynpatch" "$S/L/libboth.so" "$S/U"
readelf_matches -q "(RPATH).*\[$S/R\]" -dW "$S/L/libboth.so" || { echo "build-musl.sh: libboth has no RPATH" >&2; exit 1; }
readelf_matches -q "(RUNPATH).*\[$S/U\]" -dW "$S/L/libboth.so" || { echo "build-musl.sh: libboth has no RUNPATH" >&2; exit 1; }
mexe "$S/app" main.c -DFN=g "$S/L/libboth.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/L:$S/U"
case_ rpath_and_runpath "$S/app" "$S" - list "libboth: RPATH R ignored, RUNPATH U used (libx from U); libkid's libk (only in R) not found"

# rpath_other_dst: a runpath with a '$' other than $ORIGIN / ${ORIGIN}
# ($LIB, $PLATFORM) is ignored as a whole.
S=$T/rpath_other_dst
mlib "$S/good/libo.so" libo.so lib.c -DFN=val -DVAL=1
mexe "$S/app_lib" main.c -DFN=val "$S/good/libo.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/good:\$LIB"
mexe "$S/app_platform" main.c -DFN=val "$S/good/libo.so" -Wl,--disable-new-dtags "-Wl,-rpath,\$ORIGIN/good:\$PLATFORM"
mexe "$S/app_braces" main.c -DFN=val "$S/good/libo.so" -Wl,--enable-new-dtags "-Wl,-rpath,\${ORIGIN}/good"
case_ rpath_other_dst/lib "$S/app_lib" "$S" - list "RUNPATH \"$S/good:\$LIB\": ignored entirely"
case_ rpath_other_dst/platform "$S/app_platform" "$S" - list "RPATH \"\$ORIGIN/good:\$PLATFORM\": ignored entirely"
case_ rpath_other_dst/braces "$S/app_braces" "$S" - list "RUNPATH \"\${ORIGIN}/good\": used"

# origin: $ORIGIN and ${ORIGIN} in the program and in libraries; a library's
# origin is the directory of the path it was opened by (a symlink is not
# resolved).
S=$T/origin
mlib "$S/bin/lib/sub/libsub.so" libsub.so lib.c -DFN=subv -DVAL=4
mlib "$S/bin/lib/liba.so" liba.so lib.c -DFN=av -DCALL=subv "$S/bin/lib/sub/libsub.so" -Wl,--enable-new-dtags "-Wl,-rpath,\$ORIGIN/sub"
mlib "$S/o2/libo2.so" libo2.so lib.c -DFN=o2 -DVAL=2
mlib "$S/bin/lib/dep/libsd.so" libsd.so lib.c -DFN=val -DVAL=1
mlib "$S/real/dep/libsd.so" libsd.so lib.c -DFN=val -DVAL=2
mlib "$S/real/libsym.so" libsym.so lib.c -DFN=g -DCALL=val "$S/real/dep/libsd.so" -Wl,--enable-new-dtags "-Wl,-rpath,\$ORIGIN/dep"
ln -s ../../real/libsym.so "$S/bin/lib/libsym.so"
mexe "$S/bin/app" main.c -DFN=g "$S/bin/lib/liba.so" "$S/o2/libo2.so" "$S/bin/lib/libsym.so" \
  -Wl,--enable-new-dtags "-Wl,-rpath,\$ORIGIN/lib:\${ORIGIN}/../o2"
case_ origin "$S/bin/app" "$S" - run=1 "libsym.so (a symlink into real/) gets its \$ORIGIN from bin/lib: libsd from bin/lib/dep (exit 1)"

# origin_symlinked_exe: the program's $ORIGIN is the directory of
# /proc/self/exe (symlinks resolved) in a real run, but of the path as given in
# --list mode: the real run is the oracle.
S=$T/origin_symlinked_exe
mlib "$S/real/lib/libo.so" libo.so lib.c -DFN=val -DVAL=1
mlib "$S/link/lib/libo.so" libo.so lib.c -DFN=val -DVAL=2
mexe "$S/real/app" main.c -DFN=val "$S/real/lib/libo.so" -Wl,--enable-new-dtags "-Wl,-rpath,\$ORIGIN/lib"
mkdir -p "$S/link"
ln -s ../real/app "$S/link/app"
case_ origin_symlinked_exe "$S/link/app" "$S" - run=1 "run via link/app: \$ORIGIN = real/ (exit 1); --list link/app would say link/lib"

# slash_needed: a DT_NEEDED with a '/' is opened as it is, relative to the cwd
# (not to $ORIGIN); the same file found again by a bare name is reused (same
# device and inode) and not listed twice.
S=$T/slash_needed
mlib "$S/sub/libslash.so" - lib.c -DFN=val -DVAL=1
mlib "$S/abs/libabs.so" - lib.c -DFN=absv -DVAL=2
(cd "$S" && x "$CC" -O -o app "$(source_of main.c)" -DFN=val -Wl,--no-as-needed ./sub/libslash.so "$S/abs/libabs.so")
(cd "$S" && x "$CC" -O -o app_twice "$(source_of main.c)" -DFN=val -Wl,--no-as-needed ./sub/libslash.so -Lsub -lslash \
  -Wl,--enable-new-dtags "-Wl,-rpath,$S/sub")
readelf_matches -q 'NEEDED.*\[\./sub/libslash\.so\]' -dW "$S/app" || { echo "build-musl.sh: app lacks DT_NEEDED ./sub/libslash.so" >&2; exit 1; }
case_ slash_needed/cwd "$S/app" "$S" - list "./sub/libslash.so from the cwd, $S/abs/libabs.so"
case_ slash_needed/other_cwd "$S/app" "$S/sub" - list "cwd sub/: ./sub/libslash.so not found"
case_ slash_needed/reused "$S/app_twice" "$S" - list "./sub/libslash.so, then libslash.so found by RUNPATH = same inode: once"

# soname_ignored: musl never looks at DT_SONAME: libp.so whose soname is
# libq.so does not satisfy a later DT_NEEDED libq.so (glibc would reuse it).
S=$T/soname_ignored
mlib "$S/lib/libp.so" libq.so lib.c -DFN=pv -DVAL=1
mlib "$S/lib/libq.so" libq.so lib.c -DFN=qv -DVAL=2
mlib "$O/soname/libp.so" libp.so lib.c -DFN=pv
mexe "$S/app" main.c "$O/soname/libp.so" "$S/lib/libq.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ soname_ignored "$S/app" "$S" - list "libp.so (SONAME libq.so) and libq.so both loaded"

# breadth_first: load order is breadth-first over DT_NEEDED in order (the
# program's libc.so is listed at its place); a cycle loads each object once.
S=$T/breadth_first
mlib "$S/lib/libx1.so" libx1.so lib.c -DFN=x1
mlib "$S/lib/libx2.so" libx2.so lib.c -DFN=x2
mlib "$O/bf/liba.so" liba.so lib.c -DFN=af
mlib "$S/lib/libb.so" libb.so lib.c -DFN=bf "$O/bf/liba.so" "$S/lib/libx2.so"
mlib "$S/lib/liba.so" liba.so lib.c -DFN=af "$S/lib/libx1.so" "$S/lib/libb.so"
mexe "$S/app" main.c "$S/lib/liba.so" "$S/lib/libb.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ breadth_first "$S/app" "$S" - list "liba libb libc.so libx1 libx2 (liba<->libb cycle)"

# system_path_file: the system path comes from PREFIX/etc/ld-musl-x86_64.path,
# PREFIX = the loader's path (PT_INTERP) minus its last two components, ':' or
# newline separated; the elements are host paths (not under PREFIX). The
# program's interpreter is root/lib/ld-musl-x86_64.so.1, a symlink to the real
# loader, so the host's /etc/ld-musl-x86_64.path is not involved.
S=$T/system_path_file
mkdir -p "$S/root/lib" "$S/root/etc"
ln -s "$LDSO" "$S/root/lib/ld-musl-x86_64.so.1"
printf '%s:%s\n\n%s\n' "$S/sys1" "$S/sys2" "$S/sys3" >"$S/root/etc/ld-musl-x86_64.path"
mlib "$S/sys1/libs1.so" libs1.so lib.c -DFN=s1
mlib "$S/sys3/libs3.so" libs3.so lib.c -DFN=s3
mlib "$S/sys1/libsb.so" libsb.so lib.c -DFN=val -DVAL=1
mlib "$S/sys3/libsb.so" libsb.so lib.c -DFN=val -DVAL=3
mexe "$S/app" main.c -DFN=val "$S/sys1/libs1.so" "$S/sys3/libs3.so" "$S/sys1/libsb.so" \
  "-Wl,--dynamic-linker=$S/root/lib/ld-musl-x86_64.so.1"
mexe "$S/app_missing" main.c "$(stub libz.so.1)" "-Wl,--dynamic-linker=$S/root/lib/ld-musl-x86_64.so.1"
case_ system_path_file/found "$S/app" "$S" - run=1 "libs1 from sys1, libs3 from sys3, libsb from sys1 (exit 1)"
case_ system_path_file/missing "$S/app_missing" "$S" - list "libz.so.1: not in sys1..3 (host dirs not searched)"

# system_path_default: no PREFIX/etc/ld-musl-x86_64.path: the built-in
# /lib:/usr/local/lib:/usr/lib. ld-musl-x86_64.so.1 is found as
# /lib/ld-musl-x86_64.so.1 and replaced by the loader (it is a libc);
# ld-linux.so.2 is /lib/ld-linux.so.2 (i386): an error, not skipped.
S=$T/system_path_default
mkdir -p "$S/root/lib"
ln -s "$LDSO" "$S/root/lib/ld-musl-x86_64.so.1"
mexe "$S/app_self" main.c "$(stub ld-musl-x86_64.so.1)" "-Wl,--dynamic-linker=$S/root/lib/ld-musl-x86_64.so.1"
mexe "$S/app_i386" main.c "$(stub ld-linux.so.2)" "-Wl,--dynamic-linker=$S/root/lib/ld-musl-x86_64.so.1"
mexe "$S/app_missing" main.c "$(stub libz.so.1)" "-Wl,--dynamic-linker=$S/root/lib/ld-musl-x86_64.so.1"
case_ system_path_default/self "$S/app_self" "$S" - list "ld-musl-x86_64.so.1 found in /lib, is a libc: the loader"
case_ system_path_default/i386 "$S/app_i386" "$S" - list "ld-linux.so.2 found in /lib, i386: Exec format error"
case_ system_path_default/missing "$S/app_missing" "$S" - list "libz.so.1 not in /lib /usr/local/lib /usr/lib"

# host_system_path: the host's /etc/ld-musl-x86_64.path (recorded in
# cases.json; the built-in default when absent) is the system path of a
# program whose interpreter is /lib/ld-musl-x86_64.so.1.
S=$T/host_system_path
mexe "$S/app" main.c "$(stub libz.so.1)"
case_ host_system_path "$S/app" "$S" - list "libz.so.1: glibc's dirs are not musl's system path"

# wrong_arch_i386: an i386 libw.so first on the path is an error (Exec format
# error), not skipped: the good one behind it is never tried.
S=$T/wrong_arch_i386
mkdir -p "$S/a"
x gcc -m32 -shared -fPIC -O -o "$S/a/libw.so" "$(source_of lib.c)" -DFN=val -DVAL=9 -Wl,-soname,libw.so
mlib "$S/b/libw.so" libw.so lib.c -DFN=val -DVAL=2
mexe "$S/app" main.c -DFN=val "$S/b/libw.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/a:$S/b"
mexe "$S/app_b" main.c -DFN=val "$S/b/libw.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/b"
case_ wrong_arch_i386/runpath "$S/app" "$S" - list "RUNPATH a:b, a/libw.so is i386: error"
case_ wrong_arch_i386/ld_library_path "$S/app_b" "$S" "$S/a" list "LD_LIBRARY_PATH a (i386 libw.so), RUNPATH b: error"
case_ wrong_arch_i386/good "$S/app_b" "$S" - list "RUNPATH b only: b/libw.so (exit 2)"

# wrong_arch_aarch64: musl checks neither e_machine nor the class of a
# library: an aarch64 ELF64 .so without relocations is "loaded" (the run then
# dies executing aarch64 code); one with relocations fails at relocation time
# ("unsupported relocation type").
S=$T/wrong_arch_aarch64
mkdir -p "$S/a" "$S/r"
x "$CLANG" --target=aarch64-linux-gnu -nostdlib -shared -fuse-ld=lld -fPIC -O -o "$S/a/libw.so" "$(source_of lib.c)" -DFN=val -DVAL=9 -Wl,-soname,libw.so
x "$CLANG" --target=aarch64-linux-gnu -nostdlib -shared -fuse-ld=lld -fPIC -O -o "$S/r/libw.so" "$SRC/ptrdata.c" -Wl,-soname,libw.so
mlib "$S/b/libw.so" libw.so lib.c -DFN=val -DVAL=2
mexe "$S/app" main.c "$S/b/libw.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/a:$S/b"
mexe "$S/app_r" main.c "$S/b/libw.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/r:$S/b"
case_ wrong_arch_aarch64/no_relocs "$S/app" "$S" - list "a/libw.so (aarch64, no relocations) is loaded"
case_ wrong_arch_aarch64/relocs "$S/app_r" "$S" - list "r/libw.so (aarch64, with relocations) is loaded, relocating it fails"

# not_elf: whatever is opened first is final: a directory, a linker script,
# a 10-byte file, an ET_REL object all stop the search with an error; a path
# element that is a regular file (ENOTDIR) is skipped.
S=$T/not_elf
mlib "$S/good/libw.so" libw.so lib.c -DFN=val -DVAL=2
mkdir -p "$S/dir/libw.so" "$S/script" "$S/short" "$S/obj"
printf '/* GNU ld script */\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( /nonexistent/libw.so.1 AS_NEEDED ( /x ) )\n' >"$S/script/libw.so"
printf '0123456789' >"$S/short/libw.so"
x "$CC" -c -fPIC -O -o "$S/obj/libw.so" "$(source_of lib.c)" -DFN=val
mexe "$S/app" main.c -DFN=val "$S/good/libw.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/good"
case_ not_elf/directory "$S/app" "$S" "$S/dir" list "a directory libw.so: Is a directory"
case_ not_elf/linker_script "$S/app" "$S" "$S/script" list "a linker script: Exec format error"
case_ not_elf/short_file "$S/app" "$S" "$S/short" list "a 10-byte file: Exec format error"
case_ not_elf/object_file "$S/app" "$S" "$S/obj" list "an ET_REL .o: Exec format error"
case_ not_elf/file_as_dir "$S/app" "$S" "$S/good/libw.so" list "a path element that is a file (ENOTDIR): skipped, RUNPATH good used"

# missing: a library not found anywhere, needed by the program and by a
# library: one error per needing object, the rest still loads; the symbols it
# should have provided are then undefined.
S=$T/missing
mlib "$O/miss/libmiss.so" libmiss.so lib.c -DFN=miss_fn
mlib "$S/lib/libuser.so" libuser.so lib.c -DFN=user "$O/miss/libmiss.so"
mexe "$S/app" main.c -DFN=miss_fn "$O/miss/libmiss.so" "$S/lib/libuser.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ missing "$S/app" "$S" - list "libmiss.so needed by app and libuser.so: two errors; miss_fn undefined"

# ----------------------------------------------------------------- symbols
# undef_func: a library calls a function nothing defines.
S=$T/undef_func
mlib "$S/lib/libu.so" libu.so undef.c -DUFUNC=nowhere_func
mexe "$S/app" main.c -DFN=g "$S/lib/libu.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ undef_func "$S/app" "$S" - list "libu.so: nowhere_func (JUMP_SLOT)"

# undef_data: a library reads undefined data (GLOB_DAT) and stores an
# undefined function's address in data (R_X86_64_64).
S=$T/undef_data
mlib "$S/lib/libu.so" libu.so undef.c -DUDATA=nowhere_data -DUPTR=nowhere_ptr
mexe "$S/app" main.c -DFN=g "$S/lib/libu.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ undef_data "$S/app" "$S" - list "libu.so: nowhere_data (GLOB_DAT), nowhere_ptr (R_X86_64_64)"

# undef_tls: an undefined __thread variable (DTPMOD64/DTPOFF64).
S=$T/undef_tls
mlib "$S/lib/libu.so" libu.so undef.c -DUTLS=nowhere_tls
mexe "$S/app" main.c -DFN=g "$S/lib/libu.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ undef_tls "$S/app" "$S" - list "libu.so: nowhere_tls (TLS)"

# undef_copyreloc: the program was linked against a libd.so with lib_data and
# lib_fn; the one it gets has neither: the program's R_X86_64_COPY and
# JUMP_SLOT fail. A copy relocation is looked up past the program itself.
S=$T/undef_copyreloc
mlib "$S/full/libd.so" libd.so libdata.c
mlib "$S/lib/libd.so" libd.so libdata.c -DNONE
mexe "$S/app" copyreloc.c "$S/full/libd.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
mexe "$S/app_ok" copyreloc.c "$S/full/libd.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/full"
readelf_matches -q 'R_X86_64_COPY.*lib_data' -rW "$S/app" || { echo "build-musl.sh: app has no copy relocation" >&2; exit 1; }
case_ undef_copyreloc/missing "$S/app" "$S" - list "app: lib_data (COPY) and lib_fn (JUMP_SLOT) undefined"
case_ undef_copyreloc/ok "$S/app_ok" "$S" - run=42 "the copy relocation satisfied (exit 42)"

# glibc_only_symbol: names glibc has and musl lacks.
S=$T/glibc_only_symbol
mlib "$S/lib/libg.so" libg.so glibconly.c
mexe "$S/app" main.c -DFN=g "$S/lib/libg.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ glibc_only_symbol "$S/app" "$S" - list "gnu_get_libc_version, __libc_single_threaded"

# weak_undef: weak undefined references (function and data, in the program;
# __cxa_finalize and _ITM_* in every gcc-built library) are never errors.
S=$T/weak_undef
mlib "$S/lib/libf.so" libf.so lib.c -DFN=f -DVAL=0
mexe "$S/app" weak.c -DSTRONG=f "$S/lib/libf.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ weak_undef "$S/app" "$S" - run=0 "weak_fn, weak_data unresolved and fine (exit 0)"

# versions_ignored: symbol versions are not checked: the program needs
# foo@VER_2 and bar@VER_2 (libv.so linked with a version script) and gets an
# unversioned libv.so, or one with VER_3 only.
S=$T/versions_ignored
printf 'VER_2 { global: foo; bar; local: *; };\n' >"$O/v2.map"
printf 'VER_3 { global: foo; bar; local: *; };\n' >"$O/v3.map"
printf 'VER_1 { local: foo_v1; foo_v2; };\nVER_2 { } VER_1;\n' >"$O/hidden.map"
mlib "$S/v2/libv.so" libv.so vlib.c "-Wl,--version-script=$O/v2.map"
mlib "$S/v3/libv.so" libv.so vlib.c "-Wl,--version-script=$O/v3.map"
mlib "$S/plain/libv.so" libv.so vlib.c
mexe "$S/app" vmain.c "$S/v2/libv.so"
readelf_matches -q 'Name: VER_2' -VW "$S/app" || { echo "build-musl.sh: app needs no VER_2" >&2; exit 1; }
case_ versions_ignored/v2 "$S/app" "$S" "$S/v2" run=5 "VER_2 needed, VER_2 defined (exit 5)"
case_ versions_ignored/unversioned "$S/app" "$S" "$S/plain" run=5 "VER_2 needed, libv.so has no versions (exit 5)"
case_ versions_ignored/other_version "$S/app" "$S" "$S/v3" run=5 "VER_2 needed, only VER_3 defined (exit 5)"

# hidden_version: a hidden (non-default, foo@VER_2) definition is never
# matched, whatever the reference's version; a default foo@@VER_2 next to a
# hidden foo@VER_1 is.
S=$T/hidden_version
mlib "$S/v2/libv.so" libv.so vlib.c "-Wl,--version-script=$O/v2.map"
mlib "$S/hidden/libv.so" libv.so vlib.c -DHIDDEN_ONLY "-Wl,--version-script=$O/hidden.map"
mlib "$S/hidden_default/libv.so" libv.so vlib.c -DHIDDEN_AND_DEFAULT "-Wl,--version-script=$O/hidden.map"
mexe "$S/app" vmain.c "$S/v2/libv.so"
readelf_matches -q ' foo@VER_2$' -sW --dyn-syms "$S/hidden/libv.so" || { echo "build-musl.sh: hidden/libv.so lacks foo@VER_2" >&2; exit 1; }
case_ hidden_version/hidden_only "$S/app" "$S" "$S/hidden" list "foo only as hidden foo@VER_2: symbol not found"
case_ hidden_version/hidden_and_default "$S/app" "$S" "$S/hidden_default" run=5 "foo@VER_1 hidden + foo@@VER_2: found (exit 5)"

# ifunc: musl's lookup accepts only NOTYPE, OBJECT, FUNC, COMMON and TLS
# symbols: an STT_GNU_IFUNC definition does not satisfy a reference.
S=$T/ifunc
mlib "$S/lib/libif.so" libif.so ifunc.c
mexe "$S/app" main.c -DFN=ifn "$S/lib/libif.so" -Wl,--enable-new-dtags "-Wl,-rpath,$S/lib"
case_ ifunc "$S/app" "$S" - list "ifn is STT_GNU_IFUNC in libif.so: symbol not found"

# library_input: the input is a musl library (no PT_INTERP): its RUNPATH
# $ORIGIN applies; --list prints the loader's own path first.
S=$T/library_input
mlib "$S/lib/libdep.so" libdep.so undef.c -DUFUNC=nowhere_func
mlib "$S/lib/libtop.so" libtop.so lib.c -DFN=top -DCALL=g "$S/lib/libdep.so" -Wl,--enable-new-dtags "-Wl,-rpath,\$ORIGIN"
case_ library_input "$S/lib/libtop.so" "$S" - list "libtop.so: libdep.so via \$ORIGIN, libc.so; nowhere_func undefined in libdep"

# system_musl_loader: the machine's only musl ELF file (the musl package ships
# no programs): the loader itself.
case_ system_musl_loader "$LDSO" / - list "the loader/libc itself: no dependencies"

# ------------------------------------------------------------------ oracle
rm -rf "$O"
x python3 "$HERE/musl/oracle.py" "$OUT"
