#!/bin/bash
# build-symbols.sh OUTDIR
#
# Builds the symbol-binding test corpus for `elfdyn check-undefined` under
# OUTDIR/symbols/<case>/ from the tiny C sources, version scripts and linker
# scripts in TestBinaries/symbols/src, and writes the manifest
# OUTDIR/symbols/cases.tsv (columns: see TestBinaries/symbols/README.md).
# Idempotent: OUTDIR/symbols is wiped first. Needs gcc, g++, GNU ld, ar,
# readelf, nm. TestBinaries/symbols/check-cases.sh OUTDIR checks the manifest
# against `ldd -r` (glibc 2.36, Debian 12, x86_64).
#
# Every path in `expect` is absolute and exactly what `ldd -r INPUT` prints
# (INPUT absolute, runpaths are `$ORIGIN` or `$ORIGIN/sub`, so nothing needs
# normalising).
#
# What ldd -r printed here (glibc 2.36-9+deb12u14), exactly; ADDR = load address:
# - Everything goes to STDOUT, stderr stays empty, exit status 0, also for
#   missing versions, undefined symbols and missing libraries. The version
#   line comes first (before the list), undefined symbols after it, e.g. for
#   version_missing/app_nomid (linked against a libv.so with V2; the libv.so
#   found at run time defines V1 only):
#     /S/version_missing/app_nomid: /S/version_missing/lib/libv.so: version `V2' not found (required by /S/version_missing/app_nomid)
#     \tlinux-vdso.so.1 (0xADDR)
#     \tlibv.so => /S/version_missing/lib/libv.so (0xADDR)
#     \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0xADDR)
#     \t/lib64/ld-linux-x86-64.so.2 (0xADDR)
#     undefined symbol: bar, version V2\t(/S/version_missing/app_nomid)
#   (the first field is the program as given to ldd; running the program
#   prints the same version line on stderr and exits 1, not 127).
# - A WEAK undefined reference that nothing defines: ldd -r prints nothing
#   about it at all (weak_undefined: just the four library lines, exit 0).
#   A weak reference to sym@V2 whose version is missing (version_weak_ref):
#   only the version line, no "undefined symbol" line, exit 0 (and the
#   program still fails: GNU ld does not mark the verneed VER_FLG_WEAK).
#   With VER_FLG_WEAK set on the verneed (version_weak_flag, patched) ldd -r
#   prints a different, non-fatal line (manifest item W:V2:LIB:OBJ), then the
#   list, then the strong reference, exit 0:
#     /S/version_missing/app_weakflag: /S/version_missing/lib/libv.so: weak version `V2' not found (required by /S/version_missing/app_weakflag)
#     undefined symbol: bar, version V2\t(/S/version_missing/app_weakflag)
#   The program itself prints the same "weak version" warning on stderr, runs
#   on, and dies at the first call of bar: "./app_weakflag: symbol lookup
#   error: ./app_weakflag: undefined symbol: bar, version V2", exit 127.
# - A needed library not found (missing_library): ldd -r prints
#     \tlibgone.so => not found
#   once per needing object (twice here: the exe and libmid.so), AND the
#   references to its symbols as undefined, from each referencing object:
#     undefined symbol: gone_func\t(/S/missing_library/app)
#     undefined symbol: gone_func\t(/S/missing_library/lib/libmid.so)
#   ldd never says WHICH object needed the missing name (check-cases.sh
#   checks M items' NEEDED_BY against readelf -d). The program itself stops
#   at the first missing library (exit 127) and reports no symbols.
# - ldd -r on a shared library with no DT_NEEDED at all (python's _json
#   module) prints "\tstatically linked" instead of the list, but still checks
#   and prints its undefined symbols. (Every library built here has libc.so.6
#   as DT_NEEDED anyway, -Wl,--no-as-needed.)
set -euo pipefail
# readelf_matches: readelf output searched once read in full (no SIGPIPE race under pipefail).
. "$(dirname "${BASH_SOURCE[0]}")/readelf-matches.sh"

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/symbols/src
mkdir -p "$1"
OUT=$(realpath "$1")
T=$OUT/symbols
rm -rf "$T"
mkdir -p "$T/.obj"
O=$T/.obj
LOG=$T/build.log
: >"$LOG"
START=$(date +%s%N)
PY=/usr/bin/python3.11
PYDYN=/usr/lib/python3.11/lib-dynload

# x CMD...: run, log, stop with the log tail on failure.
x() {
  echo "+ $*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || { echo "build-symbols.sh: FAILED: $*" >&2; tail -20 "$LOG" >&2; exit 1; }
}
die() { echo "build-symbols.sh: $*" >&2; exit 1; }

# so OUT SONAME GCC-ARGS...: shared library (libc.so.6 always a DT_NEEDED).
so() {
  local out=$1 soname=$2; shift 2
  mkdir -p "$(dirname "$out")"
  x gcc -O -fPIC -shared -o "$out" -Wl,-soname,"$soname" -Wl,--no-as-needed "$@"
}
# exe OUT GCC-ARGS...: executable (PIE unless -no-pie is given).
exe() {
  local out=$1; shift
  mkdir -p "$(dirname "$out")"
  x gcc -O -o "$out" -Wl,--no-as-needed "$@"
}
ORIGIN='-Wl,--enable-new-dtags,-rpath,$ORIGIN'
origin() { echo "-Wl,--enable-new-dtags,-rpath,\$ORIGIN/$1"; }

# dyn_has FILE ERE: readelf --dyn-syms -W FILE has a line matching ERE.
dyn_has() { readelf_matches -Eq "$2" --dyn-syms -W "$1" || die "$1: no .dynsym line matching /$2/"; }
dyn_lacks() { ! readelf_matches -Eq "$2" --dyn-syms -W "$1" || die "$1: unexpected .dynsym line matching /$2/"; }
# reloc_has FILE ERE / reloc_lacks FILE ERE: readelf -rW.
reloc_has() { readelf_matches -Eq "$2" -rW "$1" || die "$1: no relocation matching /$2/"; }
reloc_lacks() { ! readelf_matches -Eq "$2" -rW "$1" || die "$1: unexpected relocation matching /$2/"; }
needed() { readelf -dW "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | tr '\n' ' '; }
assert_needed() { local f=$1; shift; [ "$(needed "$f")" = "$* " ] || die "$f: NEEDED is [$(needed "$f")], want [$* ]"; }

# ---------------------------------------------------------------- manifest
M=$T/cases.tsv
printf 'name\tinput\tcwd\tld_library_path\tpreload\thost\toptions\toracle\texpect\n' >"$M"
# add NAME INPUT CWD LLP PRELOAD HOST OPTIONS ORACLE ITEM... (items joined with ';', none = ok)
add() {
  local name=$1 input=$2 cwd=$3 llp=$4 pre=$5 host=$6 opts=$7 ora=$8; shift 8
  [ -e "$input" ] || die "case $name: no input $input"
  local e=ok
  if [ $# -gt 0 ]; then local IFS=';'; e="$*"; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$input" "$cwd" "$llp" "$pre" "$host" "$opts" "$ora" "$e" >>"$M"
}

x gcc -O -o "$O/symtool" "$SRC/tools/symtool.c"
SYMTOOL=$O/symtool

# -------------------------------------------------------- 1 version_missing
# app links against link/libv.so (foo@@V1, bar@@V2) and so requires libv.so
# versions V1 and V2; its RUNPATH $ORIGIN/lib finds lib/libv.so, which defines
# V1 only. _dl_check_map_versions: V2 not found (fatal); the lookup of bar@V2
# fails as well. libmid.so (bar@V2 too) gets its own version line and symbol.
S=$T/version_missing; D=$SRC/version_missing
so "$S/link/libv.so" libv.so "$D/libv.c" -DWITH_V2 -Wl,--version-script="$D/v2.map"
so "$S/lib/libv.so" libv.so "$D/libv.c" -Wl,--version-script="$D/v1.map"
so "$S/lib/libmid.so" libmid.so "$D/mid.c" "$S/link/libv.so" "$ORIGIN"
exe "$S/app" "$D/app.c" "$S/lib/libmid.so" "$S/link/libv.so" "$(origin lib)"
exe "$S/app_nomid" "$D/app.c" -DNO_MID "$S/link/libv.so" "$(origin lib)"
exe "$S/app_weakref" "$D/app.c" -DNO_MID -DWEAK_BAR "$S/link/libv.so" "$(origin lib)"
exe "$S/app_weakflag" "$D/app.c" -DNO_MID "$S/link/libv.so" "$(origin lib)"
x "$SYMTOOL" "$S/app_weakflag" vernaux V2 flags=2          # VER_FLG_WEAK
readelf_matches -q 'Name: V2  Flags: none' -VW "$S/app" || die "app does not require V2"
readelf_matches -q 'Name: V2  Flags: WEAK' -VW "$S/app_weakflag" || die "app_weakflag: V2 not weak"
readelf_matches -q 'Name: V2' -VW "$S/lib/libv.so" && die "lib/libv.so defines V2"
dyn_has "$S/app_weakref" 'WEAK +DEFAULT +UND bar@V2'
assert_needed "$S/app" libmid.so libv.so libc.so.6
L=$S/lib/libv.so
add version_missing "$S/app" "$S" - - - - ldd-r \
  "V:V2:$L:$S/app" "V:V2:$L:$S/lib/libmid.so" "U:bar@V2:$S/app" "U:bar@V2:$S/lib/libmid.so"
add version_missing_nomid "$S/app_nomid" "$S" - - - - ldd-r "V:V2:$L:$S/app_nomid" "U:bar@V2:$S/app_nomid"
# LD_LIBRARY_PATH comes before RUNPATH: link/libv.so (with V2) is found.
add version_missing_found "$S/app" "$S" "$S/link" - - - ldd-r
# the library alone (its RUNPATH $ORIGIN finds lib/libv.so).
add version_missing_lib "$S/lib/libmid.so" "$S" - - - - ldd-r "V:V2:$L:$S/lib/libmid.so" "U:bar@V2:$S/lib/libmid.so"
# a weak reference: its symbol is not reported, the (non-weak) version is.
add version_weak_ref "$S/app_weakref" "$S" - - - - ldd-r "V:V2:$L:$S/app_weakref"
# VER_FLG_WEAK on the verneed entry: the missing version is only a warning
# (W item, not V), the strong reference to bar@V2 is still undefined.
add version_weak_flag "$S/app_weakflag" "$S" - - - - ldd-r "W:V2:$L:$S/app_weakflag" "U:bar@V2:$S/app_weakflag"

# ------------------------------------------------- 2 version_symbol_missing
# Version V1 is defined by lib/libv.so (for `other`), but foo@V1 is not.
S=$T/version_symbol_missing; D=$SRC/version_symbol_missing
so "$S/link/libv.so" libv.so "$D/libv.c" -DWITH_FOO -Wl,--version-script="$D/v1.map"
so "$S/lib/libv.so" libv.so "$D/libv.c" -Wl,--version-script="$D/v1.map"
exe "$S/app" "$D/app.c" "$S/link/libv.so" "$(origin lib)"
dyn_has "$S/app" 'UND foo@V1'
dyn_has "$S/lib/libv.so" ' other@@V1$'
dyn_lacks "$S/lib/libv.so" ' foo'
add version_symbol_missing "$S/app" "$S" - - - - ldd-r "U:foo@V1:$S/app"
add version_symbol_missing_found "$S/app" "$S" "$S/link" - - - ldd-r

# ------------------------------------------------------ version_interpose
# A versioned reference (foo@V1 of libv.so) is satisfied by the first
# definition in the scope from an object without that version: libearly.so
# (before libv.so in the load order) defines foo unversioned, and run/libv.so
# (V1 present) lacks foo. check_match accepts a definition whose versym index
# has no version hash: no .gnu.version at all (e2), versym 1 without verdef
# (e1), versym 1 = the BASE verdef, which _dl_check_map_versions skips (e3).
S=$T/version_interpose; D=$SRC/version_interpose; V=$SRC/version_symbol_missing
so "$S/link/libv.so" libv.so "$V/libv.c" -DWITH_FOO -Wl,--version-script="$V/v1.map"
so "$S/run/libv.so" libv.so "$V/libv.c" -Wl,--version-script="$V/v1.map"
so "$S/run/libearly.so" libearly.so "$D/libearly.c" -DSTUB
so "$S/e1/libearly.so" libearly.so "$D/libearly.c"
so "$S/e2/libearly.so" libearly.so "$D/libearly.c" -nostdlib
so "$S/e3/libearly.so" libearly.so "$D/libearly.c" -DOWNVER -Wl,--version-script="$D/early.map"
exe "$S/app" "$D/app.c" "$S/run/libearly.so" "$S/link/libv.so" "$(origin run)"
assert_needed "$S/app" libearly.so libv.so libc.so.6
dyn_has "$S/app" 'UND foo@V1'
readelf_matches -q 'GNU_versym' -SW "$S/e2/libearly.so" && die "e2/libearly.so has .gnu.version"
readelf_matches -q 'VERDEF' -SW "$S/e1/libearly.so" && die "e1/libearly.so has verdef"
readelf_matches -q 'Flags: BASE' -VW "$S/e3/libearly.so" || die "e3/libearly.so has no verdef"
dyn_has "$S/e3/libearly.so" 'FUNC +GLOBAL +DEFAULT +[0-9]+ foo$'     # no @: versym 1
add version_interpose_none "$S/app" "$S" - - - - ldd-r "U:foo@V1:$S/app"
add version_interpose_verneed_only "$S/app" "$S" "$S/e1" - - - ldd-r
add version_interpose_no_versym "$S/app" "$S" "$S/e2" - - - ldd-r
add version_interpose_base_verdef "$S/app" "$S" "$S/e3" - - - ldd-r

# -------------------------------------------------------- 3 weak_undefined
# maybe() is referenced weakly (GLOB_DAT, STB_WEAK UND) and defined nowhere.
S=$T/weak_undefined; D=$SRC/weak_undefined
so "$S/libweak.so" libweak.so "$D/libweak.c"
exe "$S/app" "$D/app.c" "$S/libweak.so" -Wl,-z,dynamic-undefined-weak "$ORIGIN"
for f in "$S/libweak.so" "$S/app"; do
  dyn_has "$f" 'NOTYPE +WEAK +DEFAULT +UND maybe$'
  reloc_has "$f" 'R_X86_64_GLOB_DAT .* maybe \+ 0$'
done
add weak_undefined "$S/app" "$S" - - - - ldd-r
add weak_undefined_lib "$S/libweak.so" "$S" - - - - ldd-r
# --strict adds nothing for weak references (lld: weak undefined is allowed).
add weak_undefined_strict "$S/app" "$S" - - - --strict none

# ---------------------------------------------------- 4 vsnprintf_pattern
# The C version of the Rust libbpf-rs/vsprintf bug: libwrapper.a's
# vsnprintf_wrapper is linked into libvsprintf.so but not exported
# (--exclude-libs,ALL: the archive's symbols become hidden -> local; or a
# version script `local: *`), and libbpf.so calls it as if it were exported.
S=$T/vsnprintf_pattern; D=$SRC/vsnprintf_pattern
x gcc -O -fPIC -c -o "$O/wrapper.o" "$D/wrapper.c"
mkdir -p "$S"
rm -f "$S/libwrapper.a"
x ar rcs "$S/libwrapper.a" "$O/wrapper.o"
so "$S/lib/libvsprintf.so" libvsprintf.so "$D/vs.c" "$S/libwrapper.a" -Wl,--exclude-libs,ALL
so "$S/vscript/libvsprintf.so" libvsprintf.so "$D/vs.c" "$S/libwrapper.a" -Wl,--version-script="$D/vs.map"
# GNU ld does not check a shared library's undefined symbols (no -z defs).
so "$S/lib/libbpf.so" libbpf.so "$D/bpf.c" "$S/lib/libvsprintf.so" "$ORIGIN"
# ... but does check them when linking an executable: allow it.
exe "$S/app" "$D/app.c" "$S/lib/libbpf.so" "$S/lib/libvsprintf.so" -Wl,--allow-shlib-undefined "$(origin lib)"
for f in "$S/lib/libvsprintf.so" "$S/vscript/libvsprintf.so"; do
  dyn_lacks "$f" vsnprintf_wrapper
  dyn_has "$f" 'FUNC +GLOBAL +DEFAULT +[0-9]+ vs_format$'
  readelf_matches -Eq 'FUNC +LOCAL +DEFAULT +[0-9]+ vsnprintf_wrapper$' -sW "$f" || die "$f: no local vsnprintf_wrapper in .symtab"
done
dyn_has "$S/lib/libbpf.so" 'UND vsnprintf_wrapper$'
assert_needed "$S/app" libbpf.so libvsprintf.so libc.so.6
W="U:vsnprintf_wrapper:$S/lib/libbpf.so"
add vsnprintf_pattern "$S/app" "$S" - - - - ldd-r "$W" "H:vsnprintf_wrapper:libvsprintf.so"
add vsnprintf_pattern_lib "$S/lib/libbpf.so" "$S" - - - - ldd-r "$W" "H:vsnprintf_wrapper:libvsprintf.so"
add vsnprintf_pattern_vscript "$S/app" "$S" "$S/vscript" - - - ldd-r "$W" "H:vsnprintf_wrapper:libvsprintf.so"
# options holds a flag and its argument, separated by one space.
add vsnprintf_pattern_archives "$S/app" "$S" - - - "--archives $S" ldd-r "$W" \
  "H:vsnprintf_wrapper:libvsprintf.so" "H:vsnprintf_wrapper:libwrapper.a"

# ---------------------------------------------------------- 5 exe_provides
# libplug.so calls host_api, which only an executable defines and exports.
S=$T/exe_provides; D=$SRC/exe_provides
so "$S/libplug.so" libplug.so "$D/plug.c"
exe "$S/app" "$D/app.c" "$S/libplug.so" -rdynamic "$ORIGIN"
exe "$S/host" "$D/host.c" -rdynamic -ldl
exe "$S/host_noexport" "$D/host.c" -ldl
dyn_has "$S/libplug.so" 'UND host_api$'
dyn_has "$S/app" 'FUNC +GLOBAL +DEFAULT +[0-9]+ host_api$'
dyn_has "$S/host" 'FUNC +GLOBAL +DEFAULT +[0-9]+ host_api$'
dyn_lacks "$S/host_noexport" 'host_api'
add exe_provides "$S/app" "$S" - - - - ldd-r
add exe_provides_plugin "$S/libplug.so" "$S" - - - - ldd-r "U:host_api:$S/libplug.so"
# As a plugin of host (dlopen RTLD_NOW): the host's exported host_api binds.
# check-cases.sh runs `host libplug.so` as a check of these two.
add exe_provides_host "$S/libplug.so" "$S" - - "$S/host" - none
add exe_provides_host_noexport "$S/libplug.so" "$S" - - "$S/host_noexport" - none "U:host_api:$S/libplug.so"

# --------------------------------------------------------- 6 indirect_only
# liba.so references c2_func but does not need libc2.so; app needs both, so
# c2_func is in the global scope: fine for the loader, an error for lld
# (--no-allow-shlib-undefined) and for --strict.
S=$T/indirect_only; D=$SRC/indirect_only
so "$S/liba.so" liba.so "$D/liba.c"
so "$S/libc2.so" libc2.so "$D/libc2.c"
exe "$S/app" "$D/app.c" "$S/liba.so" "$S/libc2.so" "$ORIGIN"
assert_needed "$S/liba.so" libc.so.6
assert_needed "$S/app" liba.so libc2.so libc.so.6
add indirect_only "$S/app" "$S" - - - - ldd-r
add indirect_only_strict "$S/app" "$S" - - - --strict none "S:c2_func:$S/liba.so"
add indirect_only_lib "$S/liba.so" "$S" - - - - ldd-r "U:c2_func:$S/liba.so"

# ----------------------------------------------------- 7 preload_interpose
# libneed.so references preload_only(), defined only by libpre.so, which is
# in nobody's DT_NEEDED: only LD_PRELOAD (--preload) brings it in.
S=$T/preload_interpose; D=$SRC/preload_interpose
so "$S/libneed.so" libneed.so "$D/libneed.c"
so "$S/libpre.so" libpre.so "$D/libpre.c"
exe "$S/app" "$D/app.c" "$S/libneed.so" -Wl,--allow-shlib-undefined "$ORIGIN"
add preload_interpose_none "$S/app" "$S" - - - - ldd-r "U:preload_only:$S/libneed.so"
add preload_interpose "$S/app" "$S" - "$S/libpre.so" - - ldd-r

# ---------------------------------------------------------- 8 tls_abs_zero
# st_value 0 is accepted for STT_TLS (tlsvar, offset 0 in the TLS block) and
# SHN_ABS (abs0 from `.set abs0, 0`, abs_ld from a linker script); a plain
# FUNC with st_value 0 (zfunc, patched) is rejected.
S=$T/tls_abs_zero; D=$SRC/tls_abs_zero
so "$S/libdef.so" libdef.so "$D/libdef.c" "$D/abs.ld"
so "$S/libuse.so" libuse.so "$D/libuse.c" "$S/libdef.so" "$ORIGIN"
so "$S/libzero.so" libzero.so "$D/libdef.c" -DZERO
so "$S/libusez.so" libusez.so "$D/libusez.c" "$S/libzero.so" "$ORIGIN"
x "$SYMTOOL" "$S/libzero.so" sym zfunc value=0
dyn_has "$S/libdef.so" '0000000000000000 +[0-9]+ TLS +GLOBAL +DEFAULT +[0-9]+ tlsvar$'
dyn_has "$S/libdef.so" '0000000000000000 +0 NOTYPE +GLOBAL +DEFAULT +ABS abs0$'
dyn_has "$S/libdef.so" '0000000000000000 +0 NOTYPE +GLOBAL +DEFAULT +ABS abs_ld$'
dyn_has "$S/libzero.so" '0000000000000000 +[0-9]+ FUNC +GLOBAL +DEFAULT +[0-9]+ zfunc$'
reloc_has "$S/libuse.so" 'R_X86_64_DTPMOD64 .* tlsvar'
reloc_has "$S/libuse.so" 'R_X86_64_GLOB_DAT .* abs0'
reloc_has "$S/libuse.so" 'R_X86_64_GLOB_DAT .* abs_ld'
add tls_abs_zero "$S/libuse.so" "$S" - - - - ldd-r
add tls_abs_zero_plain "$S/libusez.so" "$S" - - - - ldd-r "U:zfunc:$S/libusez.so"

# ----------------------------------------------------------------- 9 ifunc
S=$T/ifunc; D=$SRC/ifunc
so "$S/libifunc.so" libifunc.so "$D/libifunc.c"
exe "$S/app" "$D/app.c" "$S/libifunc.so" "$ORIGIN"
dyn_has "$S/libifunc.so" 'IFUNC +GLOBAL +DEFAULT +[0-9]+ ifn$'
add ifunc "$S/app" "$S" - - - - ldd-r

# ------------------------------------------------------------- 10 protected
# pfunc: STV_PROTECTED in .dynsym, fine. hfunc: hidden, so not in .dynsym at
# all (only a LOCAL in libvis.so's .symtab). dhid/dint: in .dynsym but
# patched to STV_HIDDEN / STV_INTERNAL: do_lookup_x rejects them.
S=$T/protected; D=$SRC/protected
so "$S/libvis.so" libvis.so "$D/libvis.c"
so "$S/patched/libvis.so" libvis.so "$D/libvis.c"
x "$SYMTOOL" "$S/patched/libvis.so" sym dhid vis=2
x "$SYMTOOL" "$S/patched/libvis.so" sym dint vis=1
so "$S/libuse_p.so" libuse_p.so "$D/libuse_p.c" "$S/libvis.so" "$ORIGIN"
so "$S/libuse_h.so" libuse_h.so "$D/libuse_h.c" "$S/libvis.so" "$ORIGIN"
so "$S/libuse_d.so" libuse_d.so "$D/libuse_d.c" "$S/libvis.so" "$(origin patched)"
dyn_has "$S/libvis.so" 'FUNC +GLOBAL +PROTECTED +[0-9]+ pfunc$'
dyn_lacks "$S/libvis.so" hfunc
readelf_matches -Eq 'FUNC +LOCAL +DEFAULT +[0-9]+ hfunc$' -sW "$S/libvis.so" || die "libvis.so: no local hfunc"
dyn_has "$S/patched/libvis.so" 'FUNC +GLOBAL +HIDDEN +[0-9]+ dhid$'
dyn_has "$S/patched/libvis.so" 'FUNC +GLOBAL +INTERNAL +[0-9]+ dint$'
add protected "$S/libuse_p.so" "$S" - - - - ldd-r
add protected_hidden "$S/libuse_h.so" "$S" - - - - ldd-r "U:hfunc:$S/libuse_h.so" "H:hfunc:libvis.so"
add protected_dynsym_hidden "$S/libuse_d.so" "$S" - - - - ldd-r "U:dhid:$S/libuse_d.so" "U:dint:$S/libuse_d.so"
add protected_dynsym_default "$S/libuse_d.so" "$S" "$S" - - - ldd-r

# ---------------------------------------------------------------- 11 unique
# STB_GNU_UNIQUE definitions satisfy ordinary references: uobj from asm
# (`.type uobj, @gnu_unique_object`), Counter<int>::n from g++ (a static data
# member of a class template, explicitly instantiated in libcxa.so only).
S=$T/unique; D=$SRC/unique
so "$S/libuniq.so" libuniq.so "$D/libuniq.c"
so "$S/libuse.so" libuse.so "$D/libuse.c" "$S/libuniq.so" "$ORIGIN"
mkdir -p "$S"
x g++ -O -fPIC -shared -o "$S/libcxa.so" -Wl,-soname,libcxa.so -Wl,--no-as-needed "$D/cxa.cpp"
x g++ -O -fPIC -shared -o "$S/libcxb.so" -Wl,-soname,libcxb.so -Wl,--no-as-needed "$D/cxb.cpp" "$S/libcxa.so" "$ORIGIN"
dyn_has "$S/libuniq.so" 'OBJECT +UNIQUE +DEFAULT +[0-9]+ uobj$'
dyn_has "$S/libcxa.so" 'OBJECT +UNIQUE +DEFAULT +[0-9]+ _ZN7CounterIiE1nE$'
dyn_has "$S/libcxb.so" 'UND _ZN7CounterIiE1nE$'
reloc_has "$S/libcxb.so" 'R_X86_64_GLOB_DAT .* _ZN7CounterIiE1nE'
reloc_has "$S/libuse.so" 'R_X86_64_GLOB_DAT .* uobj'
add unique "$S/libuse.so" "$S" - - - - ldd-r
add unique_cxx "$S/libcxb.so" "$S" - - - - ldd-r

# ----------------------------------------------------------- 12 plt_address
# A non-PIE app takes &libfunc: its .dynsym has libfunc UND with st_value =
# its canonical PLT entry. libother.so's R_X86_64_GLOB_DAT (not a PLT
# reloc) may bind to that; the app's own R_X86_64_JUMP_SLOT may not.
# plt_address_gone: libplt.so without libfunc: only the app is reported.
S=$T/plt_address; D=$SRC/plt_address
so "$S/lib/libplt.so" libplt.so "$D/libplt.c"
so "$S/gone/libplt.so" libplt.so "$D/libplt.c" -DGONE
so "$S/lib/libother.so" libother.so "$D/libother.c" "$S/lib/libplt.so" "$ORIGIN"
exe "$S/app" -fno-pic -no-pie "$D/app.c" "$S/lib/libplt.so" "$S/lib/libother.so" "$(origin lib)"
readelf_matches -q 'EXEC (Executable file)' -hW "$S/app" || die "plt_address/app is not ET_EXEC"
readelf --dyn-syms -W "$S/app" | awk '$8 == "libfunc" && $7 == "UND" && $2 !~ /^0+$/ { f = 1 } END { exit !f }' ||
  die "plt_address/app: libfunc is not UND with a non-zero st_value"
reloc_has "$S/app" 'R_X86_64_JUMP_SLOT .* libfunc'
reloc_has "$S/lib/libother.so" 'R_X86_64_GLOB_DAT .* libfunc'
add plt_address "$S/app" "$S" - - - - ldd-r
add plt_address_gone "$S/app" "$S" "$S/gone" - - - ldd-r "U:libfunc:$S/app"

# ------------------------------------------------------- 13 copy_reloc_gone
# Non-PIE app with R_X86_64_COPY against shared_counter; the lookup for a
# COPY reloc skips the executable (which defines the copy in its .bss).
# lib/libdata.so (found via RUNPATH) lacks shared_counter; link/ has it.
S=$T/copy_reloc_gone; D=$SRC/copy_reloc_gone
so "$S/link/libdata.so" libdata.so "$D/libdata.c"
so "$S/lib/libdata.so" libdata.so "$D/libdata.c" -DGONE
exe "$S/app" -fno-pic -no-pie "$D/app.c" "$S/link/libdata.so" "$(origin lib)"
reloc_has "$S/app" 'R_X86_64_COPY .* shared_counter'
dyn_has "$S/app" 'OBJECT +GLOBAL +DEFAULT +[0-9]+ shared_counter$'
dyn_lacks "$S/lib/libdata.so" shared_counter
add copy_reloc_gone "$S/app" "$S" - - - - ldd-r "U:shared_counter:$S/app"
add copy_reloc_found "$S/app" "$S" "$S/link" - - - ldd-r

# ------------------------------------------------- 14 unrelocated_undefined
# never_used is UND in .dynsym (from `.globl never_used` in asm) but no
# relocation names it, so the loader never looks it up. (GNU ld drops a
# -Wl,--undefined=never_used symbol from a shared library's .dynsym.)
S=$T/unrelocated_undefined; D=$SRC/unrelocated_undefined
so "$S/libu.so" libu.so "$D/libu.c"
dyn_has "$S/libu.so" 'NOTYPE +GLOBAL +DEFAULT +UND never_used$'
reloc_lacks "$S/libu.so" never_used
add unrelocated_undefined "$S/libu.so" "$S" - - - - ldd-r
add unrelocated_undefined_strict "$S/libu.so" "$S" - - - --strict none "S:never_used:$S/libu.so"

# ----------------------------------------------------- 15 hidden_versioned
# libuse.so references foo unversioned (linked against an unversioned stub).
# check_match for an unversioned reference: versym index 2 matches even when
# hidden; a hidden definition at index >= 3 never matches; a non-hidden one at
# index >= 3 matches when it is the only one.
#   idx2/: foo@V1 (hidden, index 2) -> ok   idx3/: foo@V2 (hidden, index 3) -> U
#   def3/: foo@@V2 (default, index 3) -> ok
S=$T/hidden_versioned; D=$SRC/hidden_versioned
so "$S/stub/libhv.so" libhv.so "$D/libhv.c"
so "$S/idx2/libhv.so" libhv.so "$D/libhv.c" -DFOO_V1 -Wl,--version-script="$D/hv.map"
so "$S/idx3/libhv.so" libhv.so "$D/libhv.c" -DFOO_V2 -Wl,--version-script="$D/hv.map"
so "$S/def3/libhv.so" libhv.so "$D/libhv.c" -DFOO_DEF_V2 -Wl,--version-script="$D/hv.map"
so "$S/libuse.so" libuse.so "$D/libuse.c" "$S/stub/libhv.so" "$(origin idx3)"
dyn_has "$S/libuse.so" 'UND foo$'
dyn_has "$S/idx2/libhv.so" ' foo@V1$'
dyn_has "$S/idx3/libhv.so" ' foo@V2$'
dyn_has "$S/def3/libhv.so" ' foo@@V2$'
readelf_matches -q 'Index: 3 .*Name: V2' -VW "$S/idx3/libhv.so" || die "idx3: V2 is not index 3"
readelf_matches -Eq ' 3h\(V2\)' -VW "$S/idx3/libhv.so" || die "idx3: no hidden V2 versym"
add hidden_versioned "$S/libuse.so" "$S" - - - - ldd-r "U:foo:$S/libuse.so" "H:foo:@V2"
add hidden_versioned_idx2 "$S/libuse.so" "$S" "$S/idx2" - - - ldd-r
add hidden_versioned_default "$S/libuse.so" "$S" "$S/def3" - - - ldd-r

# ------------------------------------------------------ 16 missing_library
# libgone.so is needed by app and by lib/libmid.so and is not found; ldd -r
# reports it once per needing object AND the references to gone_func as
# undefined (see the top of this file).
S=$T/missing_library; D=$SRC/missing_library
so "$S/gonedir/libgone.so" libgone.so "$D/libgone.c"
so "$S/lib/libhere.so" libhere.so "$D/libhere.c"
so "$S/lib/libmid.so" libmid.so "$D/libmid.c" "$S/gonedir/libgone.so" "$ORIGIN"
exe "$S/app" "$D/app.c" "$S/lib/libhere.so" "$S/lib/libmid.so" "$S/gonedir/libgone.so" "$(origin lib)"
assert_needed "$S/app" libhere.so libmid.so libgone.so libc.so.6
assert_needed "$S/lib/libmid.so" libgone.so libc.so.6
add missing_library "$S/app" "$S" - - - - ldd-r "M:libgone.so:$S/app" "M:libgone.so:$S/lib/libmid.so" \
  "U:gone_func:$S/app" "U:gone_func:$S/lib/libmid.so"
add missing_library_found "$S/app" "$S" "$S/gonedir" - - - ldd-r

# ------------------------------------------------------------ 17 python_ext
# Real Debian files: extension modules reference Py* symbols that only the
# interpreter (python3.11 is linked with libpython statically and exports it)
# defines. Alone: `U*` = exactly the undefined symbols ldd -r prints (a long
# list, nothing else). As plugins of /usr/bin/python3.11: ok.
S=$T/python_ext
mkdir -p "$S"
if [ -x "$PY" ] && dpkg -S "$PY" >/dev/null 2>&1; then
  for m in _json _ssl _hashlib; do
    f=$PYDYN/$m.cpython-311-x86_64-linux-gnu.so
    if [ -f "$f" ]; then
      add "python_ext${m}" "$f" "$S" - - - - ldd-r 'U*'
      add "python_ext${m}_host" "$f" "$S" - - "$PY" - none
    else
      echo "python_ext: skipped $m: no $f" >>"$S/SKIPPED"
    fi
  done
else
  echo "python_ext: skipped: no Debian $PY" >>"$S/SKIPPED"
fi
[ ! -e "$S/SKIPPED" ] || cat "$S/SKIPPED" >&2

END=$(date +%s%N)
printf 'build-symbols.sh: %d cases in %s (%d ms)\n' "$(($(wc -l <"$M") - 1))" "$M" $(((END - START) / 1000000))
