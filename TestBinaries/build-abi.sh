#!/usr/bin/env bash
# Builds the cross-ABI symbol-check corpus (sources in TestBinaries/abi) for the eight machines
# elfdyn reads, without any sysroot: clang with -nostdlib and lld (GNU ld for ppc64 ELFv1).
#
# Usage: build-abi.sh OUTDIR [MACHINE...]
#   MACHINE: x86_64 i386 aarch64 arm riscv64 ppc64le ppc64 s390x (default: all eight)
#
# Writes, for each machine, OUTDIR/abi/<machine>/:
#   libdep.so    defines dep_func, dep_data and the thread-local dep_tls
#   libuse.so    DT_NEEDED libdep.so; references dep_func, dep_data, dep_tls (bound),
#                missing_func, missing_data (defined nowhere), weak_missing (weak, defined nowhere)
#   prog         ET_EXEC, -nostdlib, entry _start, DT_NEEDED libuse.so: calls use_func, reads
#                use_data through a COPY relocation
#   libtls.so    DT_NEEDED libdep.so; references dep_tls and missing_tls (thread-local, nowhere);
#                DT_HASH only (no .gnu.hash), except on s390x
#   libgone.so   defines kept_data only; progcopy and progaddr were linked against
#                stub/libgone.so, which also defined gone_data and missing_func
#   progcopy     ET_EXEC, DT_NEEDED libgone.so: COPY relocations for gone_data and kept_data
#                (ADDR64 on ppc64, which reads data through the TOC and needs no COPY)
#   progaddr     ET_EXEC, DT_NEEDED libuse.so and libgone.so (linked against the stub, which
#                defined missing_func): takes missing_func's address, so the linker gives it a
#                canonical PLT entry (an undefined .dynsym entry with a value) where the ABI has them
#   progempty    (x86_64, i386, ppc64: where a GNU ld is at hand) ET_DYN, -fPIC, DT_NEEDED
#                libgone.so: GOT relocations only, no defined dynamic symbol, so GNU ld writes
#                its special empty .gnu.hash
#   readelf.txt  readelf -hldrsW --dyn-syms of every file above (the relocation oracle)
#   relocs.tsv   file, symbol, relocation type (name and number), symbol binding/type, one a line
#   loader.txt   when the machine's glibc loader is installed (and qemu-user for a foreign
#                machine): what glibc itself reports, run as `ldd -r` runs it (trace mode,
#                LD_WARN=yes, LD_BIND_NOW=yes); absent otherwise
# No DT_RUNPATH is recorded: libraries are found with `elfdyn -L OUTDIR/abi/<machine>`.
#
# A machine that cannot be built (no clang target, no GNU ld for ppc64 ELFv1) gets a SKIPPED file
# saying why, and the script goes on; any other failure stops it with a non-zero status.
#
# Packages: clang and lld (the Swift toolchain's, /opt/swift/usr/bin, are used when present),
# binutils (readelf), binutils-powerpc64-linux-gnu (ppc64 ELFv1 links: lld writes only ELFv2).
# Optional, for loader.txt: qemu-user-static and libc6-{arm64,armhf,riscv64,ppc64el,ppc64,s390x}-cross.
set -euo pipefail

if [ $# -lt 1 ] || [ -z "$1" ]; then
  echo "usage: $0 OUTDIR [MACHINE...]" >&2
  exit 2
fi
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/abi" && pwd -P)
mkdir -p "$1/abi"
out=$(cd "$1/abi" && pwd -P)
shift
machines=("$@")
[ ${#machines[@]} -eq 0 ] && machines=(x86_64 i386 aarch64 arm riscv64 ppc64le ppc64 s390x)

if [ -z "${CLANG:-}" ]; then
  if [ -x /opt/swift/usr/bin/clang ]; then CLANG=/opt/swift/usr/bin/clang; else CLANG=clang; fi
fi
# -fuse-ld=lld finds ld.lld beside clang, else on PATH.
export PATH="$(dirname "$(command -v "$CLANG")"):$PATH"
READELF=${READELF:-readelf}

# machine -> clang target, extra compile flags, linker (lld or a GNU ld), loader, qemu
target_of() {
  case $1 in
    x86_64) echo x86_64-linux-gnu ;;
    i386) echo i686-linux-gnu ;;
    aarch64) echo aarch64-linux-gnu ;;
    arm) echo arm-linux-gnueabihf ;;
    riscv64) echo riscv64-linux-gnu ;;
    ppc64le) echo powerpc64le-linux-gnu ;;
    ppc64) echo powerpc64-linux-gnu ;;
    s390x) echo s390x-linux-gnu ;;
    *) return 1 ;;
  esac
}
cflags_of() {
  case $1 in
    arm) echo "-march=armv7-a -mfloat-abi=hard -mfpu=vfpv3-d16" ;;  # EF_ARM_ABI_FLOAT_HARD, EABI5
    ppc64) echo "-mabi=elfv1" ;;                                     # function descriptors (.opd)
    riscv64) echo "-march=rv64gc -mabi=lp64d" ;;                     # EF_RISCV_FLOAT_ABI_DOUBLE
    *) echo "" ;;
  esac
}
loader_of() {
  case $1 in
    x86_64) echo "/lib64/ld-linux-x86-64.so.2" ;;
    i386) echo "/lib/ld-linux.so.2" ;;
    aarch64) echo "qemu-aarch64-static /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1" ;;
    arm) echo "qemu-arm-static /usr/arm-linux-gnueabihf/lib/ld-linux-armhf.so.3" ;;
    riscv64) echo "qemu-riscv64-static /usr/riscv64-linux-gnu/lib/ld-linux-riscv64-lp64d.so.1" ;;
    ppc64le) echo "qemu-ppc64le-static /usr/powerpc64le-linux-gnu/lib/ld64.so.2" ;;
    ppc64) echo "qemu-ppc64-static /usr/powerpc64-linux-gnu/lib/ld64.so.1" ;;
    s390x) echo "qemu-s390x-static /usr/s390x-linux-gnu/lib/ld64.so.1" ;;
  esac
}

skip() {  # machine reason
  echo "build-abi: skipped $1: $2" >&2
  rm -rf "${out:?}/$1"
  mkdir -p "$out/$1"
  printf '%s\n' "$2" > "$out/$1/SKIPPED"
}

# The relocation oracle: one line per relocation that names a symbol.
relocs_tsv() {  # dir
  local dir=$1 f
  printf 'file\tsymbol\ttype\tnumber\tbind\tsymtype\tndx\n'
  for f in libdep.so libuse.so libtls.so libgone.so prog progcopy progaddr progempty; do
    [ -e "$dir/$f" ] || continue
    # readelf -rW: Offset Info Type Value Name+Addend; the symbol index is in Info.
    "$READELF" -rW "$dir/$f" | awk -v file="$f" '
      /^ *[0-9a-f]+ +[0-9a-f]+ +R_/ {
        info = $2; type = $3; name = (NF >= 5) ? $5 : "";
        if (name == "") next;
        sub(/@.*/, "", name);
        # ELF64 r_info: symbol << 32 | type; ELF32: symbol << 8 | type.
        if (length(info) == 16) num = substr(info, 9, 8); else num = substr(info, 7, 2);
        print file "\t" name "\t" type "\t" num;
      }' | while IFS=$'\t' read -r file name type num; do
      num=$((16#$num))
      line=$("$READELF" -sW --dyn-syms "$dir/$file" | awk -v n="$name" '
        /Symbol table .\.dynsym./ { d = 1; next } /Symbol table/ { d = 0 }
        !found && d && ($NF == n || $NF ~ "^" n "@") { print $5 "\t" $4 "\t" $(NF-1); found = 1 }')
      printf '%s\t%s\t%s\t%s\t%s\n' "$file" "$name" "$type" "$num" "$line"
    done
  done
}

build_machine() {
  local m=$1 target cflags dir ldflags cc
  target=$(target_of "$m") || { echo "build-abi: unknown machine $m" >&2; exit 2; }
  cflags=$(cflags_of "$m")
  dir="$out/$m"
  rm -rf "$dir"
  mkdir -p "$dir/stub"
  if ! echo 'int x;' | "$CLANG" --target="$target" -x c -c - -o /dev/null 2>/dev/null; then
    skip "$m" "$CLANG cannot compile for $target"
    return 0
  fi
  ldflags="-fuse-ld=lld"
  if [ "$m" = ppc64 ]; then
    # lld links only ELFv2 (it stamps e_flags 2 on anything): ELFv1 needs GNU ld.
    local gld
    gld=$(command -v powerpc64-linux-gnu-ld.bfd || command -v powerpc64-linux-gnu-ld || true)
    if [ -z "$gld" ]; then
      skip "$m" "powerpc64-linux-gnu-ld not found (apt-get install binutils-powerpc64-linux-gnu): lld cannot link ELFv1"
      return 0
    fi
    ldflags="--ld-path=$gld"
  fi
  # shellcheck disable=SC2086
  cc() { "$CLANG" --target="$target" $cflags -nostdlib -O1 "$@"; }
  cd "$dir"
  # Shared libraries: -fPIC, a soname so that DT_NEEDED is the bare name, undefined symbols allowed.
  cc -shared -fPIC $ldflags -Wl,-soname,libdep.so "$src/dep.c" -o libdep.so
  cc -shared -fPIC $ldflags -Wl,-soname,libuse.so -Wl,-z,undefs "$src/use.c" libdep.so -o libuse.so
  # DT_HASH only: a SysV hash chain holds the undefined entries too (.gnu.hash holds only the
  # defined ones), so the lookup meets libtls.so's own undefined STT_TLS missing_tls first.
  # Not on s390x: its DT_HASH words are 8 bytes for glibc (Elf_Symndx is 64-bit there, as on
  # alpha), lld writes 4-byte ones, and glibc's loader crashes on the result.
  local hash="-Wl,--hash-style=sysv"
  [ "$m" = s390x ] && hash=
  cc -shared -fPIC $ldflags -Wl,-soname,libtls.so -Wl,-z,undefs $hash "$src/tls.c" libdep.so -o libtls.so
  cc -shared -fPIC $ldflags -Wl,-soname,libgone.so -DGONE_STUB "$src/gone.c" -o stub/libgone.so
  cc -shared -fPIC $ldflags -Wl,-soname,libgone.so "$src/gone.c" -o libgone.so
  # Programs: non-PIC ET_EXEC (data references become COPY relocations), entry _start, and the
  # machine's default PT_INTERP (clang's driver adds -dynamic-linker).
  cc -fno-pic -no-pie $ldflags -Wl,--allow-shlib-undefined -Wl,-rpath-link,"$dir" -Wl,-e,_start \
    "$src/prog.c" libuse.so -o prog
  cc -fno-pic -no-pie $ldflags -Wl,--allow-shlib-undefined -Wl,-e,_start \
    "$src/progcopy.c" stub/libgone.so -o progcopy
  cc -fno-pic -no-pie $ldflags -Wl,--allow-shlib-undefined -Wl,-rpath-link,"$dir" -Wl,-e,_start \
    "$src/progaddr.c" libuse.so stub/libgone.so -o progaddr
  # progempty: a PIC program whose only dynamic symbols are undefined (GOT references), linked by
  # GNU ld, which then writes its special empty .gnu.hash (symoffset 1, no bucket): the symbol
  # count cannot be taken from that table. Built where a GNU ld for the machine is at hand.
  local gnuld=
  case $m in
    x86_64 | i386) command -v ld.bfd >/dev/null && gnuld="-fuse-ld=bfd" ;;
    ppc64) gnuld=$ldflags ;;
  esac
  if [ -n "$gnuld" ]; then
    cc -fPIC -pie $gnuld -Wl,--allow-shlib-undefined -Wl,-e,_start "$src/progcopy.c" stub/libgone.so -o progempty
  fi
  cd - >/dev/null
  rm -rf "$dir/stub"
  {
    for f in libdep.so libuse.so libtls.so libgone.so prog progcopy progaddr progempty; do
      [ -e "$dir/$f" ] || continue
      echo "################ $f"
      "$READELF" -hldrsW --dyn-syms "$dir/$f"
    done
  } > "$dir/readelf.txt" 2>&1
  relocs_tsv "$dir" > "$dir/relocs.tsv"

  # The real loader, when installed: glibc's own verdict, as `ldd -r` gets it.
  local loader qemu ldso
  loader=$(loader_of "$m")
  read -r qemu ldso <<<"$loader"
  [ -n "$ldso" ] || { ldso=$qemu; qemu=; }
  if [ -e "$ldso" ] && { [ -z "$qemu" ] || command -v "$qemu" >/dev/null; }; then
    {
      for f in libuse.so libtls.so prog progcopy progaddr progempty; do
        [ -e "$dir/$f" ] || continue
        echo "################ $f"
        # shellcheck disable=SC2086
        env -i LD_TRACE_LOADED_OBJECTS=1 LD_WARN=yes LD_BIND_NOW=yes \
          $qemu "$ldso" --library-path "$dir" "$dir/$f" 2>&1 | sed "s|$dir/||g" || true
      done
    } > "$dir/loader.txt"
  fi
}

# A failing compiler or linker stops the script (set -e); only the reasons above skip a machine.
for m in "${machines[@]}"; do
  build_machine "$m"
done
echo "build-abi: built ${machines[*]} into $out" >&2
