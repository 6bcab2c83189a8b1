#!/bin/bash
# build-tree.sh OUTDIR
#
# Builds the loader-rule test corpus for elfdyn under OUTDIR/tree/<scenario>/
# from the tiny C sources in TestBinaries/tree/src, and writes the manifest
# OUTDIR/tree/cases.tsv (see TestBinaries/tree/README.md for its columns).
# Idempotent: OUTDIR/tree is wiped first. Needs gcc, GNU ld, readelf,
# ldconfig and /opt/swift/usr/bin/{clang,ld.lld} (for foreign-arch objects).
#
# Every `expect` below was derived from the loader rules of glibc 2.36
# (elf/dl-load.c, dl-deps.c, rtld.c); check-cases.sh then compares it with
# ldd or with running the program. Paths in `expect` are absolute and
# lexically normalised (no `.`, `..`, `//`; symlinks NOT resolved): the loader
# itself keeps strings like /x/bin/../lib/liba.so, compare after normalising.
#
# What the oracles showed (all checked with ldd / LD_DEBUG=libs on Debian 12):
# - ldd prints a fatal load error only, on STDOUT, and no list at all:
#     ./app: error while loading shared libraries: /T/not_elf/N2/libs.so: file too short
#   (ldd exit 1; running the program prints it on stderr, exit 127). The path
#   is the candidate that failed. Messages seen: "file too
#   short" (< 64 bytes, so also a short linker script), "invalid ELF header"
#   (>= 64 bytes of text), "cannot read file data: Error 21" (a directory; ld.so
#   prints no strerror text), "only ET_DYN and ET_EXEC can be loaded" (a .o).
# - A name needed by two objects and not found is printed twice:
#     libmiss.so => not found
#     libmiss.so => not found
#   glibc's "already loaded?" check skips faked (not found) entries, so the
#   second DT_NEEDED searches again and makes a second entry.
# - ldd lists objects in link-map order (mapping order, breadth-first), with the
#   interpreter re-inserted after its predecessor in the breadth-first search
#   list (it is libc's dependency: after libc's level, e.g. after libdeep in
#   missing_twice) and not-found entries keeping their mapping place (so they
#   may appear before or after the interpreter line). Filter/auxiliary targets
#   are moved to just before the filter.
# - ldd exits 0 when something is "not found"; only fatal errors give exit 1.
# - Name printed by ldd: the DT_NEEDED string (after $ORIGIN expansion) or the
#   LD_PRELOAD string; when it equals the path it opened, ldd prints only
#   "\tPATH (0x...)", e.g. "./sub/libslash.so (0x...)" (relative, as given) or
#   "libo.so (0x...)" for an empty LD_LIBRARY_PATH element.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/tree/src
mkdir -p "$1"
OUT=$(realpath "$1")          # symlinks resolved: an exe's $ORIGIN is resolved too
T=$OUT/tree
rm -rf "$T"
mkdir -p "$T/.obj"
O=$T/.obj
LOG=$T/build.log
: >"$LOG"
CLANG=/opt/swift/usr/bin/clang
LLD=/opt/swift/usr/bin/ld.lld
START=$(date +%s%N)

# libc.so.6 as the host's /etc/ld.so.cache resolves it (rule: cache lookup).
# awk reads to the end (no early exit): ldconfig, cut off by a closed pipe, would fail this line under pipefail.
LIBC=$(ldconfig -p | awk '!found && $1 == "libc.so.6" && /x86-64/ { print $NF; found = 1 }')
[ -n "$LIBC" ] || { echo "build-tree.sh: no x86-64 libc.so.6 in ldconfig -p" >&2; exit 1; }

# x CMD...: run, log, stop with the log tail on failure.
x() {
  echo "+ $*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || { echo "build-tree.sh: FAILED: $*" >&2; tail -20 "$LOG" >&2; exit 1; }
}

# obj NAME: object file for a library/executable body, compiled once.
#   f          lib.c: int f(void){return 0;}
#   valN       lib.c: int val(void){return N;}
#   gcallval   lib.c: int g(void){return val();}
#   main0      main.c: main returns 0;   mainval / maing: main returns val() / g()
#   a64_f, a64_main0, i686_f, x32_f, a64be_f, a64_valN: foreign-arch versions
obj() {
  local n=$1 o=$O/$1.o src=lib.c fl=() cc=(gcc) base=$1
  if [ ! -e "$o" ]; then
    case $n in
      a64_*)   cc=("$CLANG" --target=aarch64-linux-gnu);   base=${n#a64_} ;;
      a64be_*) cc=("$CLANG" --target=aarch64_be-linux-gnu); base=${n#a64be_} ;;
      i686_*)  cc=("$CLANG" --target=i686-linux-gnu);     base=${n#i686_} ;;
      x32_*)   cc=("$CLANG" --target=x86_64-linux-gnux32); base=${n#x32_} ;;
    esac
    case $base in
      f)        ;;
      val*)     fl=(-DFN=val -DVAL="${base#val}") ;;
      gcallval) fl=(-DFN=g -DCALL=val) ;;
      main0)    src=main.c ;;
      mainval)  src=main.c; fl=(-DFN=val) ;;
      maing)    src=main.c; fl=(-DFN=g) ;;
      *) echo "obj: unknown $n" >&2; exit 1 ;;
    esac
    x "${cc[@]}" -O -fPIC -c -o "$o" "$SRC/$src" "${fl[@]}"
  fi
  echo "$o"
}

# lib OUT OBJ SONAME [ld args...]: x86_64 shared object via GNU ld.
# SONAME "-" = none. Give RPATH/RUNPATH explicitly with --disable/--enable-new-dtags.
lib() {
  local out=$1 o; o=$(obj "$2"); local so=$3; shift 3
  mkdir -p "$(dirname "$out")"
  local sof=(); [ "$so" = - ] || sof=(-soname "$so")
  x ld -shared -z noseparate-code --hash-style=gnu -o "$out" "$o" "${sof[@]}" "$@"
}
# alib OUT OBJ SONAME [ld.lld args...]: foreign-arch shared object via ld.lld.
alib() {
  local out=$1 o; o=$(obj "$2"); local so=$3; shift 3
  mkdir -p "$(dirname "$out")"
  local sof=(); [ "$so" = - ] || sof=(-soname "$so")
  x "$LLD" -shared -o "$out" "$o" "${sof[@]}" "$@"
}
# exe OUT MAINOBJ [gcc link args...]: ordinary x86_64 gcc program (libc.so.6 is
# its last DT_NEEDED).
exe() {
  local out=$1 o; o=$(obj "$2"); shift 2
  mkdir -p "$(dirname "$out")"
  x gcc -o "$out" "$o" -Wl,--no-as-needed "$@"
}
# assert_dyn FILE TAG VALUE...: readelf -d shows exactly these values for TAG
# (NEEDED, RPATH, RUNPATH, SONAME, FILTER, AUXILIARY, FLAGS_1).
assert_dyn() {
  local f=$1 tag=$2; shift 2
  local got want
  got=$(readelf -dW "$f" | awk -v t="($tag)" '$2 == t { s = $0; sub(/^[^[]*\[/, "", s); sub(/\][^]]*$/, "", s); if ($2 == "(FLAGS_1)") { s = $0; sub(/.*Flags: */, "", s) } print s }')
  want=$(printf '%s\n' "$@")
  [ "$got" = "$want" ] || { printf 'build-tree.sh: %s %s is [%s], want [%s]\n' "$f" "$tag" "$got" "$want" >&2; exit 1; }
}

# ---------------------------------------------------------------- manifest
M=$T/cases.tsv
printf 'name\texe\tcwd\tld_library_path\tpreload\toracle\texpect\n' >"$M"
# add NAME EXE CWD LLP PRELOAD ORACLE ITEM... (items joined with ';')
add() {
  local name=$1 exe=$2 cwd=$3 llp=$4 pre=$5 ora=$6; shift 6
  local IFS=';'
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$exe" "$cwd" "$llp" "$pre" "$ora" "$*" >>"$M"
}
C="libc.so.6=>$LIBC"     # most executables end with this DT_NEEDED
NF="not found"

# tools
x gcc -O -o "$O/dynpatch" "$SRC/dynpatch.c"
x gcc -O -o "$O/mkcache" "$SRC/mkcache.c"

# ------------------------------------------------------------ 18 deep_chain
# Started first, in the background: 2000 sequential GNU ld runs (~4 s).
# lib0 needs lib1 ... lib1999; each has RUNPATH $ORIGIN (RUNPATH is not
# inherited, so every link needs its own).
deep_chain_build() {
  local S=$T/deep_chain i o
  o=$(obj f)
  mkdir -p "$S/lib"
  cd "$S/lib"
  ld -shared -z noseparate-code -soname lib1999.so -o lib1999.so "$o"
  for ((i = 1998; i >= 0; i--)); do
    ld -shared -z noseparate-code -soname "lib$i.so" -o "lib$i.so" "$o" \
      -L. -l:"lib$((i + 1)).so" --enable-new-dtags -rpath '$ORIGIN'
  done
}
obj f >/dev/null
deep_chain_build >>"$T/deep_chain.log" 2>&1 &
DEEP_PID=$!

# ----------------------------------------------------------- 1 rpath_chain
# DT_RPATH is inherited: for an object without DT_RUNPATH the loader tries its
# own DT_RPATH, then its loader's, ... up to the executable's.
S=$T/rpath_chain
lib "$S/Z/libzz.so" f libzz.so
lib "$S/B/libb.so" f libb.so -L"$S/Z" -l:libzz.so
lib "$S/A/liba.so" f liba.so -L"$S/B" -l:libb.so --disable-new-dtags -rpath "$S/Z"
exe "$S/bin/app" main0 -L"$S/A" -l:liba.so -Wl,--disable-new-dtags,-rpath,"$S/A:$S/B"
exe "$S/bin/app_origin" main0 -L"$S/A" -l:liba.so -Wl,--disable-new-dtags,-rpath,'$ORIGIN/../A:$ORIGIN/../B'
assert_dyn "$S/bin/app" RPATH "$S/A:$S/B"
assert_dyn "$S/bin/app" NEEDED liba.so libc.so.6
assert_dyn "$S/A/liba.so" RPATH "$S/Z"
# libb (needed by liba): liba's RPATH Z, then the exe's RPATH A, B -> B.
# libzz (needed by libb): libb has none, liba's RPATH Z -> found (two levels up).
add rpath_chain "$S/bin/app" "$S" - - ldd \
  "liba.so=>$S/A/liba.so" "$C" "libb.so=>$S/B/libb.so" "libzz.so=>$S/Z/libzz.so"
# the exe's $ORIGIN is expanded for the exe even when the search is for libb.
add rpath_chain_origin "$S/bin/app_origin" "$S" - - ldd \
  "liba.so=>$S/A/liba.so" "$C" "libb.so=>$S/B/libb.so" "libzz.so=>$S/Z/libzz.so"

# ------------------------------------------------- 2 runpath_not_inherited
S=$T/runpath_not_inherited
lib "$S/B/libb.so" f libb.so
lib "$S/A/liba.so" f liba.so -L"$S/B" -l:libb.so
exe "$S/bin/app" main0 -L"$S/A" -l:liba.so -Wl,--enable-new-dtags,-rpath,"$S/A:$S/B"
assert_dyn "$S/bin/app" RUNPATH "$S/A:$S/B"
assert_dyn "$S/bin/app" RPATH
add runpath_not_inherited "$S/bin/app" "$S" - - ldd \
  "liba.so=>$S/A/liba.so" "$C" "libb.so=>$NF"
# LD_LIBRARY_PATH applies to every object.
add runpath_not_inherited_llp "$S/bin/app" "$S" "$S/B" - ldd \
  "liba.so=>$S/A/liba.so" "$C" "libb.so=>$S/B/libb.so"

# ------------------------------------------------ 3 runpath_disables_rpath
# GNU ld 2.40, gold and lld write only one of DT_RPATH/DT_RUNPATH (with
# --enable-new-dtags only DT_RUNPATH), so libboth.so is patched: it is linked
# with DT_RPATH "R:U" and DT_NEEDED "<S>/U" (a stub whose soname is that
# string), and dynpatch turns that DT_NEEDED into DT_RUNPATH "<S>/U".
# glibc (get-dynamic-info.h) then drops DT_RPATH: it is used neither for the
# object's own needs nor for its children's rpath chain.
S=$T/runpath_disables_rpath
lib "$S/R/libq.so" val1 libq.so
lib "$S/R/libr.so" f libr.so
lib "$S/U/libq.so" val2 libq.so
lib "$S/U/libk.so" f libk.so -L"$S/R" -l:libr.so
lib "$S/stub/runpath-stub.so" f "$S/U"
lib "$S/L/libboth.so" f libboth.so -L"$S/U" -l:libq.so -l:libk.so "$S/stub/runpath-stub.so" \
  --disable-new-dtags -rpath "$S/R:$S/U"
x "$O/dynpatch" "$S/L/libboth.so" "$S/U"
assert_dyn "$S/L/libboth.so" NEEDED libq.so libk.so
assert_dyn "$S/L/libboth.so" RPATH "$S/R:$S/U"
assert_dyn "$S/L/libboth.so" RUNPATH "$S/U"
lib "$S/L/librp.so" f librp.so -L"$S/U" -l:libq.so -l:libk.so --disable-new-dtags -rpath "$S/R:$S/U"
lib "$S/L/librun.so" f librun.so -L"$S/U" -l:libq.so -l:libk.so --enable-new-dtags -rpath "$S/U"
exe "$S/bin/app_both" main0 -L"$S/L" -l:libboth.so -Wl,--enable-new-dtags,-rpath,"$S/L"
exe "$S/bin/app_rp" main0 -L"$S/L" -l:librp.so -Wl,--enable-new-dtags,-rpath,"$S/L"
exe "$S/bin/app_child_runpath" main0 -L"$S/L" -l:librun.so -Wl,--disable-new-dtags,-rpath,"$S/R:$S/L"
# libboth: RPATH R:U ignored -> libq from RUNPATH U (not R); libk (no runpath)
# needs libr, only in R: chain libk -> libboth (RPATH dropped) -> exe (RUNPATH
# only) gives nothing -> not found.
add runpath_disables_rpath "$S/bin/app_both" "$S" - - ldd \
  "libboth.so=>$S/L/libboth.so" "$C" "libq.so=>$S/U/libq.so" "libk.so=>$S/U/libk.so" "libr.so=>$NF"
# control: the same object with DT_RPATH only.
add runpath_disables_rpath_control "$S/bin/app_rp" "$S" - - ldd \
  "librp.so=>$S/L/librp.so" "$C" "libq.so=>$S/R/libq.so" "libk.so=>$S/U/libk.so" "libr.so=>$S/R/libr.so"
# exe RPATH R:L, child librun has RUNPATH U: the child's own needs skip the
# whole rpath chain (libq from U although R, on the exe's RPATH, has one), but
# the grandchild libk (no runpath) walks libk -> librun -> exe and finds R/libr.
add runpath_child_disables_chain "$S/bin/app_child_runpath" "$S" - - ldd \
  "librun.so=>$S/L/librun.so" "$C" "libq.so=>$S/U/libq.so" "libk.so=>$S/U/libk.so" "libr.so=>$S/R/libr.so"

# ------------------------------------------------ 4 ld_library_path_order
# RPATH > LD_LIBRARY_PATH > RUNPATH. libo.so returns 1 (RP), 2 (LLP), 3 (RUN), 4 (o2).
S=$T/ld_library_path_order
lib "$S/RP/libo.so" val1 libo.so
lib "$S/LLP/libo.so" val2 libo.so
lib "$S/RUN/libo.so" val3 libo.so
lib "$S/o2/libo.so" val4 libo.so
exe "$S/bin/app_rpath" mainval -L"$S/RP" -l:libo.so -Wl,--disable-new-dtags,-rpath,"$S/RP"
exe "$S/bin/app_runpath" mainval -L"$S/RUN" -l:libo.so -Wl,--enable-new-dtags,-rpath,"$S/RUN"
mkdir -p "$S/empty"
add llp_rpath_wins "$S/bin/app_rpath" "$S" "$S/LLP" - ldd "libo.so=>$S/RP/libo.so" "$C" exit=1
add llp_beats_runpath "$S/bin/app_runpath" "$S" "$S/LLP" - ldd "libo.so=>$S/LLP/libo.so" "$C" exit=2
add llp_unset_runpath "$S/bin/app_runpath" "$S" - - ldd "libo.so=>$S/RUN/libo.so" "$C" exit=3
# An empty element is the current directory: the loader builds the path
# "libo.so" (ldd prints "libo.so (0x...)"), i.e. cwd/libo.so.
add llp_empty_element "$S/bin/app_runpath" "$S/LLP" "$S/none::$S/RP" - ldd "libo.so=>$S/LLP/libo.so" "$C" exit=2
add llp_empty_trailing "$S/bin/app_runpath" "$S/LLP" "$S/none:" - ldd "libo.so=>$S/LLP/libo.so" "$C" exit=2
add llp_semicolon "$S/bin/app_runpath" "$S" "$S/none;$S/LLP" - ldd "libo.so=>$S/LLP/libo.so" "$C" exit=2
# relative element: relative to cwd (ldd prints "LLP/libo.so").
add llp_relative "$S/bin/app_runpath" "$S" "LLP" - ldd "libo.so=>$S/LLP/libo.so" "$C" exit=2
# a cwd without libo.so: the empty element finds nothing, RUNPATH does.
add llp_empty_element_miss "$S/bin/app_runpath" "$S/empty" ":" - ldd "libo.so=>$S/RUN/libo.so" "$C" exit=3
# $ORIGIN in LD_LIBRARY_PATH is the executable's origin (_dl_init_paths).
add llp_origin "$S/bin/app_runpath" "$S" '$ORIGIN/../o2' - ldd "libo.so=>$S/o2/libo.so" "$C" exit=4

# ------------------------------------------------------------- 5 origin
S=$T/origin
lib "$S/lib/sub/libd.so" f libd.so
lib "$S/lib/libb.so" f libb.so -L"$S/lib/sub" -l:libd.so --enable-new-dtags -rpath '${ORIGIN}/sub'
lib "$S/lib/liba.so" f liba.so -L"$S/lib" -l:libb.so --enable-new-dtags -rpath '$ORIGIN'
exe "$S/bin/app" main0 -L"$S/lib" -l:liba.so -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'
exe "$S/bin/app_brace" main0 -L"$S/lib" -l:liba.so -Wl,--enable-new-dtags,-rpath,'${ORIGIN}/../lib'
assert_dyn "$S/lib/libb.so" RUNPATH '${ORIGIN}/sub'
# liba is opened as <S>/bin/../lib/liba.so, so its $ORIGIN is "<S>/bin/../lib".
add origin "$S/bin/app" "$S" - - ldd \
  "liba.so=>$S/lib/liba.so" "$C" "libb.so=>$S/lib/libb.so" "libd.so=>$S/lib/sub/libd.so"
add origin_braces "$S/bin/app_brace" "$S" - - ldd \
  "liba.so=>$S/lib/liba.so" "$C" "libb.so=>$S/lib/libb.so" "libd.so=>$S/lib/sub/libd.so"

# -------------------------------------------------- 6 origin_symlinked_exe
# The executable's $ORIGIN is dirname(readlink /proc/self/exe): symlinks
# resolved. ldd runs "ld.so <path>", where the main map's origin is the dirname
# of the path as given, so ldd says bin/lib/libo.so (returns 7) while the
# program really loads real/lib/libo.so (returns 9). Oracle: run.
S=$T/origin_symlinked_exe
lib "$S/real/lib/libo.so" val9 libo.so
lib "$S/bin/lib/libo.so" val7 libo.so
exe "$S/real/app" mainval -L"$S/real/lib" -l:libo.so -Wl,--enable-new-dtags,-rpath,'$ORIGIN/lib'
exe "$S/real/app_llp" mainval -L"$S/real/lib" -l:libo.so
mkdir -p "$S/bin"
ln -s ../real/app "$S/bin/app"
ln -s ../real/app_llp "$S/bin/app_llp"
add origin_symlinked_exe "$S/bin/app" "$S" - - run "libo.so=>$S/real/lib/libo.so" "$C" exit=9
# same for $ORIGIN in LD_LIBRARY_PATH (expanded with the main map's origin).
add origin_symlinked_exe_llp "$S/bin/app_llp" "$S" '$ORIGIN/lib' - run "libo.so=>$S/real/lib/libo.so" "$C" exit=9
# A library's $ORIGIN is the directory of the path it was opened by, symlinks
# NOT resolved: libp is opened as <S>/linkdir/libp.so (linkdir -> realdir),
# so libq is <S>/linkdir/libq.so (same file as realdir/libq.so, other name).
lib "$S/realdir/libq.so" f libq.so
lib "$S/realdir/libp.so" f libp.so -L"$S/realdir" -l:libq.so --enable-new-dtags -rpath '$ORIGIN'
ln -s realdir "$S/linkdir"
exe "$S/app2" main0 -L"$S/realdir" -l:libp.so -Wl,--enable-new-dtags,-rpath,'$ORIGIN/linkdir'
add origin_symlinked_dir "$S/app2" "$S" - - ldd "libp.so=>$S/linkdir/libp.so" "$C" "libq.so=>$S/linkdir/libq.so"
# ... and through a symlinked library file: lib3/libs3.so -> ../other3/libs3.so
# has RUNPATH $ORIGIN = <S>/lib3, so it loads lib3/libv.so (7), not other3's (9).
lib "$S/lib3/libv.so" val7 libv.so
lib "$S/other3/libv.so" val9 libv.so
lib "$S/other3/libs3.so" gcallval libs3.so -L"$S/other3" -l:libv.so --enable-new-dtags -rpath '$ORIGIN'
ln -s ../other3/libs3.so "$S/lib3/libs3.so"
exe "$S/app3" maing -L"$S/lib3" -l:libs3.so -Wl,--enable-new-dtags,-rpath,'$ORIGIN/lib3' -Wl,-rpath-link,"$S/lib3"
add origin_symlinked_lib "$S/app3" "$S" - - ldd "libs3.so=>$S/lib3/libs3.so" "$C" "libv.so=>$S/lib3/libv.so" exit=7

# ---------------------------------------------------------- 7 lib_platform
# $LIB is "lib/x86_64-linux-gnu" on Debian (LD_DEBUG=libs shows
# /x/lib/x86_64-linux-gnu for RUNPATH /x/$LIB), $PLATFORM is "x86_64".
S=$T/lib_platform
lib "$S/lib/x86_64-linux-gnu/libl.so" f libl.so
lib "$S/p/x86_64/libp.so" f libp.so
exe "$S/bin/app" main0 -L"$S/lib/x86_64-linux-gnu" -l:libl.so -L"$S/p/x86_64" -l:libp.so \
  -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../$LIB:$ORIGIN/../p/${PLATFORM}'
exe "$S/bin/app_brace" main0 -L"$S/lib/x86_64-linux-gnu" -l:libl.so -L"$S/p/x86_64" -l:libp.so \
  -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../${LIB}:$ORIGIN/../p/$PLATFORM'
assert_dyn "$S/bin/app" RUNPATH '$ORIGIN/../$LIB:$ORIGIN/../p/${PLATFORM}'
add lib_platform "$S/bin/app" "$S" - - ldd \
  "libl.so=>$S/lib/x86_64-linux-gnu/libl.so" "libp.so=>$S/p/x86_64/libp.so" "$C"
add lib_platform_braces "$S/bin/app_brace" "$S" - - ldd \
  "libl.so=>$S/lib/x86_64-linux-gnu/libl.so" "libp.so=>$S/p/x86_64/libp.so" "$C"

# ---------------------------------------------------------------- 8 hwcaps
# In every search directory D glibc 2.36 tries, in this order (LD_DEBUG=libs):
#   D/glibc-hwcaps/x86-64-v4, -v3, -v2 (those the CPU supports; here all),
#   D/tls/x86_64/x86_64, D/tls/x86_64, D/tls, D/x86_64/x86_64, D/x86_64, D.
# (ld.so lists tls/x86_64 and x86_64 twice: AT_PLATFORM plus the legacy
# hwcap name.) Values: plain 1, v2 2, v3 3, tls/x86_64 4, tls 5, x86_64 6.
# NOTE: the v3 case needs an AVX2 CPU (x86-64-v3); see ld.so --help.
S=$T/hwcaps
lib "$S/h1/libh.so" val1 libh.so
lib "$S/h1/glibc-hwcaps/x86-64-v2/libh.so" val2 libh.so
lib "$S/h2/libh.so" val1 libh.so
lib "$S/h2/glibc-hwcaps/x86-64-v2/libh.so" val2 libh.so
lib "$S/h2/glibc-hwcaps/x86-64-v3/libh.so" val3 libh.so
lib "$S/t1/libt.so" val1 libt.so
lib "$S/t1/tls/libt.so" val5 libt.so
lib "$S/t1/x86_64/libt.so" val6 libt.so
lib "$S/t2/libt.so" val1 libt.so
lib "$S/t2/x86_64/libt.so" val6 libt.so
lib "$S/t3/tls/libt.so" val5 libt.so
lib "$S/t3/tls/x86_64/libt.so" val4 libt.so
lib "$S/t4/tls/libt.so" val5 libt.so
lib "$S/t4/glibc-hwcaps/x86-64-v2/libt.so" val2 libt.so
exe "$S/bin/app_h" mainval -L"$S/h1" -l:libh.so -Wl,--enable-new-dtags,-rpath,"$S/h1"
exe "$S/bin/app_t" mainval -L"$S/t1" -l:libt.so
exe "$S/bin/app_t2" mainval -L"$S/t2" -l:libt.so -Wl,--enable-new-dtags,-rpath,"$S/t2"
add hwcaps_v2 "$S/bin/app_h" "$S" - - ldd "libh.so=>$S/h1/glibc-hwcaps/x86-64-v2/libh.so" "$C" exit=2
# LD_LIBRARY_PATH directories get the same subdirectories (and come first).
add hwcaps_v3_llp "$S/bin/app_h" "$S" "$S/h2" - ldd "libh.so=>$S/h2/glibc-hwcaps/x86-64-v3/libh.so" "$C" exit=3
add hwcaps_legacy_tls "$S/bin/app_t" "$S" "$S/t1" - ldd "libt.so=>$S/t1/tls/libt.so" "$C" exit=5
add hwcaps_legacy_x86_64 "$S/bin/app_t2" "$S" - - ldd "libt.so=>$S/t2/x86_64/libt.so" "$C" exit=6
add hwcaps_legacy_tls_x86_64 "$S/bin/app_t" "$S" "$S/t3" - ldd "libt.so=>$S/t3/tls/x86_64/libt.so" "$C" exit=4
add hwcaps_before_legacy "$S/bin/app_t" "$S" "$S/t4" - ldd "libt.so=>$S/t4/glibc-hwcaps/x86-64-v2/libt.so" "$C" exit=2

# --------------------------------------------------- 9 wrong_class_machine
# A candidate of the wrong class (i686, x32) or machine (aarch64) is skipped.
# So is a big-endian aarch64 one: glibc 2.36 checks e_machine (read in host
# byte order) before the byte order, so it is "another machine", not the fatal
# "ELF file data encoding not little-endian". A search-path element that is a
# regular file (open gives ENOTDIR) is skipped too.
S=$T/wrong_class_machine
alib "$S/X32/libw.so" i686_f libw.so
alib "$S/X32x/libw.so" x32_f libw.so
alib "$S/A64/libw.so" a64_f libw.so
alib "$S/BE/libw.so" a64be_f libw.so
lib "$S/Y/libw.so" val5 libw.so
printf 'not a directory\n' >"$S/afile"
exe "$S/bin/app" mainval -L"$S/Y" -l:libw.so -Wl,--enable-new-dtags,-rpath,"$S/X32:$S/A64:$S/BE:$S/Y"
exe "$S/bin/app_x32" mainval -L"$S/Y" -l:libw.so -Wl,--enable-new-dtags,-rpath,"$S/X32x:$S/Y"
exe "$S/bin/app_none" mainval -L"$S/Y" -l:libw.so -Wl,--enable-new-dtags,-rpath,"$S/X32:$S/A64:$S/BE"
exe "$S/bin/app_notdir" mainval -L"$S/Y" -l:libw.so -Wl,--enable-new-dtags,-rpath,"$S/afile:$S/Y"
add wrong_class_machine "$S/bin/app" "$S" - - ldd "libw.so=>$S/Y/libw.so" "$C" exit=5
add wrong_class_x32 "$S/bin/app_x32" "$S" - - ldd "libw.so=>$S/Y/libw.so" "$C" exit=5
add wrong_class_none "$S/bin/app_none" "$S" - - ldd "libw.so=>$NF" "$C"
add wrong_class_llp "$S/bin/app_none" "$S" "$S/A64:$S/X32:$S/Y" - ldd "libw.so=>$S/Y/libw.so" "$C" exit=5
add search_dir_is_file "$S/bin/app_notdir" "$S" - - ldd "libw.so=>$S/Y/libw.so" "$C" exit=5

# --------------------------------------------------------------- 10 not_elf
# A candidate that exists but is not a loadable ELF object is a fatal error:
# the search stops there even though OK/ (next on the RUNPATH) has a good one.
# libs.so is the first DT_NEEDED, so nothing else is loaded before the abort.
S=$T/not_elf
lib "$S/OK/libs.so" f libs.so
mkdir -p "$S/N1" "$S/N2" "$S/N3/libs.so" "$S/N4"
printf '/* GNU ld script\n   Use the shared library, but some functions are only in\n   the static library.  */\nINPUT(libs.so.1)\n' >"$S/N1/libs.so"  # 118 bytes: "invalid ELF header"
printf '0123456789' >"$S/N2/libs.so"                              # 10 bytes: "file too short"
cp "$(obj f)" "$S/N4/libs.so"                                     # ET_REL: "only ET_DYN and ET_EXEC can be loaded"
for n in script:N1 short:N2 dir:N3 rel:N4; do
  exe "$S/bin/app_${n%%:*}" main0 -L"$S/OK" -l:libs.so -Wl,--enable-new-dtags,-rpath,"$S/${n#*:}:$S/OK"
done
add not_elf_script "$S/bin/app_script" "$S" - - ldd "libs.so=>error"
add not_elf_short "$S/bin/app_short" "$S" - - ldd "libs.so=>error"
add not_elf_directory "$S/bin/app_dir" "$S" - - ldd "libs.so=>error"
add not_elf_relocatable "$S/bin/app_rel" "$S" - - ldd "libs.so=>error"

# --------------------------------------------------------- 11 slash_needed
# A DT_NEEDED containing "/" is opened as a path, relative to the cwd (not
# $ORIGIN); no search. libslash.so has no soname, so linking it by the path
# ./sub/libslash.so records that string. Values: cwd S 7, S/other 9, S/bin 5.
S=$T/slash_needed
lib "$S/sub/libslash.so" val7 -
lib "$S/other/sub/libslash.so" val9 -
lib "$S/bin/sub/libslash.so" val5 -
mkdir -p "$S/bin" "$S/empty"
(cd "$S" && x gcc -o bin/app "$(obj mainval)" -Wl,--no-as-needed ./sub/libslash.so -Wl,--enable-new-dtags,-rpath,'$ORIGIN')
assert_dyn "$S/bin/app" NEEDED ./sub/libslash.so libc.so.6
# ldd prints such an entry as "./sub/libslash.so (0x...)" (name = path).
add slash_needed "$S/bin/app" "$S" - - ldd "./sub/libslash.so=>$S/sub/libslash.so" "$C" exit=7
add slash_needed_other_cwd "$S/bin/app" "$S/other" - - ldd "./sub/libslash.so=>$S/other/sub/libslash.so" "$C" exit=9
add slash_needed_missing "$S/bin/app" "$S/empty" - - ldd "./sub/libslash.so=>$NF" "$C"
# DT_NEEDED "$ORIGIN/sub/libslash.so" (the soname of a stub) is expanded with
# the needing object's origin before use; ldd prints the expanded string as the
# name: "<S>/bin/sub/libslash.so (0x...)".
lib "$S/stub/libslash.so" val5 '$ORIGIN/sub/libslash.so'
exe "$S/bin/app_origin" mainval "$S/stub/libslash.so"
assert_dyn "$S/bin/app_origin" NEEDED '$ORIGIN/sub/libslash.so' libc.so.6
add slash_needed_origin "$S/bin/app_origin" "$S/other" - - ldd "$S/bin/sub/libslash.so=>$S/bin/sub/libslash.so" "$C" exit=5

# -------------------------------------------------------------- 12 nodeflib
# (The GNU ld spelling is -z nodefaultlib; "-z nodeflib" is an unknown -z
# option that ld only warns about: "warning: -z nodeflib ignored".)
# DF_1_NODEFLIB on the needing object: no default directories, and no cache
# entry whose path starts with a default directory (prefix test, so also
# subdirectories of them). It only concerns that object's own DT_NEEDED.
S=$T/nodeflib
lib "$S/lib/libn0.so" f libn0.so
lib "$S/lib/libn1.so" f libn1.so -L"$(dirname "$LIBC")" -l:libc.so.6
exe "$S/bin/app0" main0 -L"$S/lib" -l:libn0.so -Wl,-z,nodefaultlib -Wl,--enable-new-dtags,-rpath,"$S/lib"
exe "$S/bin/app1" main0 -L"$S/lib" -l:libn1.so -Wl,-z,nodefaultlib -Wl,--enable-new-dtags,-rpath,"$S/lib"
assert_dyn "$S/bin/app0" FLAGS_1 "NODEFLIB PIE"
assert_dyn "$S/lib/libn1.so" NEEDED libc.so.6
add nodeflib "$S/bin/app0" "$S" - - ldd "libn0.so=>$S/lib/libn0.so" "libc.so.6=>$NF"
add nodeflib_llp "$S/bin/app0" "$S" "$(dirname "$LIBC")" - ldd "libn0.so=>$S/lib/libn0.so" "$C" exit=0
# the exe's libc.so.6 is not found (a faked entry); libn1's own libc.so.6 is
# searched again (faked entries never match) without NODEFLIB -> cache.
add nodeflib_child_finds_libc "$S/bin/app1" "$S" - - ldd "libn1.so=>$S/lib/libn1.so" "libc.so.6=>$NF" "$C"

# ---------------------------------------------------------- 13 soname_cache
# Before searching, a DT_NEEDED name is compared with the names of loaded
# objects and with their DT_SONAME; after opening a file, with dev/inode.
S=$T/soname_cache
lib "$S/lib/libx.so" f -                         # no soname while linking app
lib "$S/stub/libx.so.1" f libx.so.1
lib "$S/lib2/liby.so" f liby.so -L"$S/stub" -l:libx.so.1
mkdir -p "$S/bin"
(cd "$S" && x gcc -o bin/app "$(obj main0)" -Wl,--no-as-needed ./lib/libx.so -L"$S/lib2" -l:liby.so \
  -Wl,--enable-new-dtags,-rpath,"$S/lib2")
assert_dyn "$S/bin/app" NEEDED ./lib/libx.so liby.so libc.so.6
(cd "$S" && x ld -shared -o lib2/libz2.so "$(obj f)" -soname libz2.so ./lib/libx.so)
assert_dyn "$S/lib2/libz2.so" NEEDED ./lib/libx.so
lib "$S/lib/libx.so" f libx.so.1                 # the real one has soname libx.so.1
# liby's "libx.so.1" matches the soname of ./lib/libx.so: reused, no search
# (a search would fail: libx.so.1 exists nowhere).
add soname_reuse "$S/bin/app" "$S" - - ldd "./lib/libx.so=>$S/lib/libx.so" "liby.so=>$S/lib2/liby.so" "$C"
# Order matters: here libx.so.1 (needed by liby) is looked up before libz's
# ./lib/libx.so is loaded (breadth-first), so it is not found.
exe "$S/bin/app_late" main0 -L"$S/lib2" -l:liby.so -l:libz2.so -Wl,--enable-new-dtags,-rpath,"$S/lib2" \
  -Wl,-rpath-link,"$S/lib"
add soname_too_late "$S/bin/app_late" "$S" - - ldd \
  "liby.so=>$S/lib2/liby.so" "libz2.so=>$S/lib2/libz2.so" "$C" "libx.so.1=>$NF" "./lib/libx.so=>$S/lib/libx.so"
# Same file through two paths: ./ilink -> ireal. The second name misses the
# name check, is opened, and matches the first by dev/inode: one entry.
lib "$S/ireal/libi.so" f -
ln -s ireal "$S/ilink"
lib "$S/stub/i1.so" f ./ireal/libi.so
lib "$S/stub/i2.so" f ./ilink/libi.so
exe "$S/bin/app_inode" main0 "$S/stub/i1.so" "$S/stub/i2.so"
assert_dyn "$S/bin/app_inode" NEEDED ./ireal/libi.so ./ilink/libi.so libc.so.6
add inode_reuse_symlink_dir "$S/bin/app_inode" "$S" - - ldd "./ireal/libi.so=>$S/ireal/libi.so" "$C"
# ... and through a search: libj.so -> libi.so in one RUNPATH dir.
ln -s libi.so "$S/ireal/libj.so"
lib "$S/stub/libi.so" f libi.so
lib "$S/stub/libj.so" f libj.so
exe "$S/bin/app_inode2" main0 -L"$S/stub" -l:libi.so -l:libj.so -Wl,--enable-new-dtags,-rpath,"$S/ireal"
add inode_reuse_search "$S/bin/app_inode2" "$S" - - ldd "libi.so=>$S/ireal/libi.so" "$C"

# ----------------------------------------------------------------- 14 cycle
S=$T/cycle
lib "$S/stub/libb.so" f libb.so
lib "$S/lib/liba.so" f liba.so -L"$S/stub" -l:libb.so --enable-new-dtags -rpath '$ORIGIN'
lib "$S/lib/libb.so" f libb.so -L"$S/lib" -l:liba.so --enable-new-dtags -rpath '$ORIGIN'
exe "$S/bin/app" main0 -L"$S/lib" -l:liba.so -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'
add cycle "$S/bin/app" "$S" - - ldd "liba.so=>$S/lib/liba.so" "$C" "libb.so=>$S/lib/libb.so"

# --------------------------------------------------------------- 15 preload
# LD_PRELOAD objects are mapped right after the executable; their own
# dependencies come breadth-first after the executable's. A name without a
# slash is searched like a DT_NEEDED of the executable (its RUNPATH applies).
S=$T/preload
lib "$S/lib/liba.so" val1 liba.so
lib "$S/lib/libpq.so" f libpq.so
lib "$S/lib/libpre.so" f libpre.so -L"$S/lib" -l:libpq.so --enable-new-dtags -rpath '$ORIGIN'
lib "$S/other/libpre.so" f libpre.so
lib "$S/other/liba.so" val2 liba.so
exe "$S/bin/app" mainval -L"$S/lib" -l:liba.so -Wl,--enable-new-dtags,-rpath,"$S/lib"
# ldd prints a preload given by path as "<path> (0x...)" (name = path).
add preload_abs "$S/bin/app" "$S" - "$S/other/libpre.so" ldd \
  "$S/other/libpre.so=>$S/other/libpre.so" "liba.so=>$S/lib/liba.so" "$C" exit=1
add preload_bare "$S/bin/app" "$S" - libpre.so ldd \
  "libpre.so=>$S/lib/libpre.so" "liba.so=>$S/lib/liba.so" "$C" "libpq.so=>$S/lib/libpq.so" exit=1
# the exe's DT_NEEDED liba.so matches the preload's soname: reused.
add preload_soname_reuse "$S/bin/app" "$S" - "$S/other/liba.so" ldd \
  "$S/other/liba.so=>$S/other/liba.so" "$C" exit=2

# --------------------------------------------------------------- 16 missing
S=$T/missing
lib "$S/stub/libmiss.so" f libmiss.so
lib "$S/lib/libdeep.so" f libdeep.so
lib "$S/lib/liba.so" f liba.so -L"$S/stub" -l:libmiss.so --enable-new-dtags -rpath '$ORIGIN'
lib "$S/lib/libb.so" f libb.so -L"$S/stub" -l:libmiss.so -L"$S/lib" -l:libdeep.so --enable-new-dtags -rpath '$ORIGIN'
exe "$S/bin/app" main0 -L"$S/lib" -l:liba.so -l:libb.so -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib' \
  -Wl,-rpath-link,"$S/stub"
# libmiss.so twice (see the note at the top); libdeep, after it, still found.
add missing_twice "$S/bin/app" "$S" - - ldd "liba.so=>$S/lib/liba.so" "libb.so=>$S/lib/libb.so" "$C" \
  "libmiss.so=>$NF" "libmiss.so=>$NF" "libdeep.so=>$S/lib/libdeep.so"

# ---------------------------------------------------------------- 17 filter
# DT_FILTER / DT_AUXILIARY targets are loaded when the filter's dependencies
# are processed and moved to just before the filter in the load order. In
# trace mode (ldd) a missing auxiliary shows as "not found" in that place, but
# when the program runs it is silently ignored (exit 0 below).
S=$T/filter
lib "$S/lib/libfiltee.so" f libfiltee.so
lib "$S/lib/libauxok.so" f libauxok.so
lib "$S/lib/libfilter.so" f libfilter.so --filter=libfiltee.so --enable-new-dtags -rpath '$ORIGIN'
lib "$S/lib/libauxf.so" f libauxf.so --auxiliary=libaux.so --enable-new-dtags -rpath '$ORIGIN'
lib "$S/lib/libauxp.so" f libauxp.so --auxiliary=libauxok.so --enable-new-dtags -rpath '$ORIGIN'
assert_dyn "$S/lib/libfilter.so" FILTER libfiltee.so
assert_dyn "$S/lib/libauxf.so" AUXILIARY libaux.so
exe "$S/bin/app" main0 -L"$S/lib" -l:libfilter.so -l:libauxf.so -l:libauxp.so \
  -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'
exe "$S/bin/app_aux" main0 -L"$S/lib" -l:libauxf.so -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'
add filter "$S/bin/app" "$S" - - ldd "libfiltee.so=>$S/lib/libfiltee.so" "libfilter.so=>$S/lib/libfilter.so" \
  "libaux.so=>$NF" "libauxf.so=>$S/lib/libauxf.so" "libauxok.so=>$S/lib/libauxok.so" "libauxp.so=>$S/lib/libauxp.so" "$C" exit=0
add auxiliary_missing "$S/bin/app_aux" "$S" - - ldd "libaux.so=>$NF" "libauxf.so=>$S/lib/libauxf.so" "$C" exit=0

# ----------------------------------------------------------- 19 library_input
S=$T/library_input
lib "$S/lib/libdep.so" f libdep.so
lib "$S/lib/libin.so" f libin.so -L"$S/lib" -l:libdep.so -L"$(dirname "$LIBC")" -l:libc.so.6 --enable-new-dtags -rpath '$ORIGIN'
lib "$S/lib2/r/libr.so" f libr.so
lib "$S/lib2/r/libdep2.so" f libdep2.so -L"$S/lib2/r" -l:libr.so
lib "$S/lib2/libin2.so" f libin2.so -L"$S/lib2/r" -l:libdep2.so --disable-new-dtags -rpath '$ORIGIN/r'
add library_input "$S/lib/libin.so" "$S" - - ldd "libdep.so=>$S/lib/libdep.so" "$C"
# the input library's DT_RPATH is inherited by its dependencies like an exe's.
add library_input_rpath "$S/lib2/libin2.so" "$S" - - ldd "libdep2.so=>$S/lib2/r/libdep2.so" "libr.so=>$S/lib2/r/libr.so"

# ----------------------------------------------------------- 20 root_sysroot
# --root ROOT: every path the loader would use (RUNPATH, cache values, default
# dirs) is looked up under ROOT; the cache is ROOT/etc/ld.so.cache made by
# `ldconfig -r ROOT` (it reads ROOT/etc/ld.so.conf and also scans the trusted
# dirs /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib, /usr/lib).
# Check the cache with: ldconfig -C ROOT/etc/ld.so.cache -p (ldconfig -r ROOT -p
# prints the host's cache).
S=$T/root_sysroot
R=$S/root
lib "$R/opt/vendor/lib/libv.so" f libv.so
lib "$R/opt/vendor/lib/libgone.so" f libgone.so
lib "$R/usr/lib/x86_64-linux-gnu/libd.so" f libd.so
lib "$R/lib/x86_64-linux-gnu/libc.so.6" f libc.so.6   # a fake libc
lib "$R/opt/app/lib/liba.so" f liba.so
lib "$R/opt/app/lib/x86_64-linux-gnu/libl.so" f libl.so
mkdir -p "$R/etc" "$R/usr/lib" "$R/lib"
printf '/opt/vendor/lib\n' >"$R/etc/ld.so.conf"
x ldconfig -r "$R" -X
# After ldconfig: libgone.so's cache entry now points at a missing file (the
# loader then goes on with the default dirs, finding /usr/lib/libgone.so), and
# libstale.so is in a default dir but not in the cache.
rm "$R/opt/vendor/lib/libgone.so"
lib "$R/usr/lib/libgone.so" f libgone.so
lib "$R/usr/lib/x86_64-linux-gnu/libstale.so" f libstale.so
# The program interpreter, where the kernel would open it under ROOT (a stand-in: a program whose
# PT_INTERP is missing does not start, and elfdyn reports it).
lib "$R/lib64/ld-linux-x86-64.so.2" f ld-linux-x86-64.so.2
ldconfig -C "$R/etc/ld.so.cache" -p >"$S/cache.txt"
for k in libv.so libgone.so libd.so libc.so.6; do
  grep -q "^	$k (libc6,x86-64) => " "$S/cache.txt" || { echo "build-tree.sh: $k not in $R/etc/ld.so.cache" >&2; exit 1; }
done
if grep -q libstale "$S/cache.txt"; then echo "build-tree.sh: libstale in cache" >&2; exit 1; fi
RL=(-L"$R/opt/app/lib" -l:liba.so -L"$R/opt/app/lib/x86_64-linux-gnu" -l:libl.so -L"$R/opt/vendor/lib" -l:libv.so
    -L"$R/usr/lib/x86_64-linux-gnu" -l:libd.so -L"$R/usr/lib" -l:libgone.so -l:libstale.so)
exe "$R/opt/app/bin/app" main0 "${RL[@]}" -Wl,--enable-new-dtags,-rpath,'/opt/app/lib:/opt/app/$LIB'
exe "$R/opt/app/bin/app_nodeflib" main0 "${RL[@]}" -Wl,-z,nodefaultlib -Wl,--enable-new-dtags,-rpath,'/opt/app/lib:/opt/app/$LIB'
assert_dyn "$R/opt/app/bin/app" NEEDED liba.so libl.so libv.so libd.so libgone.so libstale.so libc.so.6
add root_sysroot "$R/opt/app/bin/app" "$S" - - none "root=$R" \
  "liba.so=>$R/opt/app/lib/liba.so" "libl.so=>$R/opt/app/lib/x86_64-linux-gnu/libl.so" \
  "libv.so=>$R/opt/vendor/lib/libv.so" "libd.so=>$R/usr/lib/x86_64-linux-gnu/libd.so" \
  "libgone.so=>$R/usr/lib/libgone.so" "libstale.so=>$R/usr/lib/x86_64-linux-gnu/libstale.so" \
  "libc.so.6=>$R/lib/x86_64-linux-gnu/libc.so.6"
# NODEFLIB: libv's cache entry (/opt/vendor/lib) is not in a default dir, so
# it is used; libd and libc entries are; libgone/libstale need default dirs.
add root_sysroot_nodeflib "$R/opt/app/bin/app_nodeflib" "$S" - - none "root=$R" \
  "liba.so=>$R/opt/app/lib/liba.so" "libl.so=>$R/opt/app/lib/x86_64-linux-gnu/libl.so" \
  "libv.so=>$R/opt/vendor/lib/libv.so" "libd.so=>$NF" "libgone.so=>$NF" "libstale.so=>$NF" "libc.so.6=>$NF"

# ----------------------------------------------------------- 21 aarch64_root
# The host ldconfig cannot make this cache: `ldconfig -r ROOT` on x86_64 says
# "libv.so is for unknown machine 183." and skips every aarch64 library (0 libs).
# So mkcache (src/mkcache.c, validated against ldconfig's own output for the
# x86_64 root at build time) writes it, with aarch64 entries flagged 0x0a03
# and one x86-64 entry (0x0303) that an aarch64 loader must ignore.
# aarch64 glibc (Debian): $LIB = lib/aarch64-linux-gnu, $PLATFORM = aarch64
# (AT_PLATFORM), default dirs /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu
# /lib /usr/lib, cache entries accepted only with flags 0x0a03. No library here
# sits in a hwcaps/legacy subdirectory, so those do not matter.
S=$T/aarch64_root
R=$S/root
alib "$R/opt/vendor/lib/libv.so" a64_f libv.so
lib "$R/opt/vendor/lib/libq.so" f libq.so                      # x86_64 file, x86-64 cache entry
alib "$R/usr/lib/aarch64-linux-gnu/libd.so" a64_f libd.so
alib "$R/usr/lib/aarch64-linux-gnu/libw.so" a64_f libw.so
lib "$R/opt/app/lib/libw.so" f libw.so                          # x86_64: wrong machine, skipped
alib "$R/lib/aarch64-linux-gnu/libc.so.6" a64_f libc.so.6       # a fake libc
alib "$R/opt/app/lib/liba.so" a64_f liba.so
alib "$R/opt/app/lib/aarch64-linux-gnu/libl.so" a64_f libl.so
alib "$R/opt/app/aarch64/libp.so" a64_f libp.so
alib "$R/usr/lib/libu.so" a64_f libu.so                         # default dir, not cached
alib "$S/stub/libq.so" a64_f libq.so                            # to link app (lld wants aarch64)
mkdir -p "$R/etc" "$R/opt/app/bin"
printf '/opt/vendor/lib\n' >"$R/etc/ld.so.conf"
x "$O/mkcache" "$R/etc/ld.so.cache" \
  0x0a03 libv.so /opt/vendor/lib/libv.so \
  0x0303 libq.so /opt/vendor/lib/libq.so \
  0x0a03 libd.so /usr/lib/aarch64-linux-gnu/libd.so \
  0x0a03 libw.so /usr/lib/aarch64-linux-gnu/libw.so \
  0x0a03 libc.so.6 /lib/aarch64-linux-gnu/libc.so.6
ldconfig -C "$R/etc/ld.so.cache" -p >"$S/cache.txt"
grep -q '	libv.so (libc6,AArch64) => /opt/vendor/lib/libv.so' "$S/cache.txt" ||
  { echo "build-tree.sh: bad aarch64 cache" >&2; exit 1; }
x "$LLD" -pie -o "$R/opt/app/bin/app" "$(obj a64_main0)" -e main --dynamic-linker /lib/ld-linux-aarch64.so.1 \
  "$R/opt/app/lib/liba.so" "$R/opt/app/lib/aarch64-linux-gnu/libl.so" "$R/opt/app/aarch64/libp.so" \
  "$R/usr/lib/aarch64-linux-gnu/libw.so" "$R/opt/vendor/lib/libv.so" "$R/usr/lib/aarch64-linux-gnu/libd.so" \
  "$S/stub/libq.so" "$R/usr/lib/libu.so" "$R/lib/aarch64-linux-gnu/libc.so.6" --enable-new-dtags -rpath '/opt/app/lib:/opt/app/$LIB:/opt/app/$PLATFORM'
assert_dyn "$R/opt/app/bin/app" NEEDED liba.so libl.so libp.so libw.so libv.so libd.so libq.so libu.so libc.so.6
add aarch64_root "$R/opt/app/bin/app" "$S" - - none "root=$R" \
  "liba.so=>$R/opt/app/lib/liba.so" "libl.so=>$R/opt/app/lib/aarch64-linux-gnu/libl.so" \
  "libp.so=>$R/opt/app/aarch64/libp.so" "libw.so=>$R/usr/lib/aarch64-linux-gnu/libw.so" \
  "libv.so=>$R/opt/vendor/lib/libv.so" "libd.so=>$R/usr/lib/aarch64-linux-gnu/libd.so" \
  "libq.so=>$NF" "libu.so=>$R/usr/lib/libu.so" "libc.so.6=>$R/lib/aarch64-linux-gnu/libc.so.6"

# mkcache self-check: for the x86_64 root, mkcache with the entries ldconfig
# found must list identically (order included) under ldconfig -C -p.
R=$T/root_sysroot/root
mapfile -t ents < <(awk -F' => ' '/^\t/ { split($1, a, " "); print a[1] "\t" $2 }' "$T/root_sysroot/cache.txt")
margs=()
for e in "${ents[@]}"; do margs+=(0x0303 "${e%%	*}" "${e#*	}"); done
x "$O/mkcache" "$O/x86.cache" "${margs[@]}"
if ! diff <(ldconfig -C "$O/x86.cache" -p | sed 1d | grep -v '^Cache generated') \
          <(sed 1d "$T/root_sysroot/cache.txt" | grep -v '^Cache generated') >>"$LOG"; then
  echo "build-tree.sh: mkcache disagrees with ldconfig" >&2; exit 1
fi

# ------------------------------------------------------------ 18 deep_chain
S=$T/deep_chain
lib "$S/stub/lib0.so" f lib0.so
exe "$S/app" main0 "$S/stub/lib0.so" -Wl,--enable-new-dtags,-rpath,'$ORIGIN/lib'
wait "$DEEP_PID" || { echo "build-tree.sh: deep_chain build failed" >&2; cat "$T/deep_chain.log" >&2; exit 1; }
rm -rf "$S/stub"
assert_dyn "$S/app" NEEDED lib0.so libc.so.6
assert_dyn "$S/lib/lib1998.so" NEEDED lib1999.so
deep=("lib0.so=>$S/lib/lib0.so" "$C")
for ((i = 1; i < 2000; i++)); do deep+=("lib$i.so=>$S/lib/lib$i.so"); done
add deep_chain "$S/app" "$S" - - ldd "${deep[@]}"

# Names expected "not found" must really be absent from the host cache and
# default dirs (else the host, not the rule, would decide).
for n in libb.so libr.so libw.so libmiss.so libaux.so libx.so.1 ./sub/libslash.so; do
  if ldconfig -p | awk -v n="$n" '$1 == n { f = 1 } END { exit !f }' ||
     ls /lib/x86_64-linux-gnu/"$n" /usr/lib/x86_64-linux-gnu/"$n" /lib/"$n" /usr/lib/"$n" >/dev/null 2>&1; then
    echo "build-tree.sh: WARNING: the host has $n; a not-found case will fail" >&2
  fi
done

END=$(date +%s%N)
printf 'build-tree.sh: %d cases in %s (%d ms)\n' "$(($(wc -l <"$M") - 1))" "$M" $(((END - START) / 1000000))
