#!/usr/bin/env bash
# build-sysroot.sh CACHEDIR
#
# Builds a small Debian bookworm arm64 system in CACHEDIR/arm64 (mmdebstrap, extract variant,
# merged /usr, its own /etc/ld.so.cache written by its own ldconfig under qemu) and records in
# CACHEDIR/arm64-oracle what the sysroot's glibc loader prints for every dynamic aarch64 ELF file
# of it (TestBinaries/sysroot/oracle.py). TestBinaries/sysroot/check.sh compares elfdyn with it.
#
# Both steps are skipped when done before with the same inputs: CACHEDIR/arm64/.complete holds the
# suite, architecture, mirror and package list; CACHEDIR/arm64-oracle/.complete also the hash of
# oracle.py. Anything else changed: the step is redone from scratch.
#
# Needs root (mmdebstrap --mode=root, chroot), mmdebstrap, qemu-user-static and python3; the
# packages are installed with scripts/ensure-packages.sh when missing. Network: the Debian mirror
# of /etc/apt/sources.list.d (override with SYSROOT_MIRROR=URL). SYSROOT_JOBS: parallel oracle runs
# (default 2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 CACHEDIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "build-sysroot.sh: must run as root (mmdebstrap --mode=root, chroot)" >&2; exit 2; }
mkdir -p "$1"
cache=$(cd "$1" && pwd)
root=$cache/arm64
oracle=$cache/arm64-oracle
jobs=${SYSROOT_JOBS:-2}
start=$(date +%s)

SUITE=bookworm
ARCH=arm64
# The package set: several hundred dynamic ELF files with the loader features a sysroot exercises.
#   libc6: ~250 gconv modules, 14 with RUNPATH $ORIGIN (libGB.so, libJIS.so... beside them)
#   samba-libs: ~140 objects with RUNPATH /usr/lib/aarch64-linux-gnu/samba (absolute, private dir)
#   libpython3.11-stdlib, libperl5.36, perl-base: extension modules whose Py*/PL_* symbols only
#     the interpreter defines (undefined symbols for check-undefined)
#   libcurl4, curl, libssl3, openssl, libnss3, libsasl2-modules: deep closures, plugin dirs
#   coreutils, util-linux, bash, ...: executables
PACKAGES=(
  libc6 libc-bin libstdc++6 zlib1g libssl3 openssl libcurl4 curl
  python3.11-minimal libpython3.11-stdlib coreutils bash util-linux findutils grep sed tar gzip
  perl-base libperl5.36 libsqlite3-0 samba-libs libnss3 libsasl2-modules
)

mirror=${SYSROOT_MIRROR:-}
if [ -z "$mirror" ]; then
  # First "deb" source of suite bookworm (deb822 .sources or one-line .list), as apt is set up here.
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
    function flush() { if (types ~ /(^| )deb( |$)/ && suites ~ /(^| )bookworm( |$)/ && uris != "" && !done) { split(uris, u, " "); print u[1]; done = 1 }
                       types = suites = uris = "" }
    /^[ \t]*$/ { flush(); next }
    /^Types:/  { sub(/^Types:[ \t]*/, ""); types = $0 }
    /^URIs:/   { sub(/^URIs:[ \t]*/, ""); uris = $0 }
    /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
    END { flush() }')
  if [ -z "$mirror" ]; then
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      sed -E 's/\[[^]]*\]//' | awk '!found && $1 == "deb" && $3 == "bookworm" { print $2; found = 1 }')
  fi
  mirror=${mirror:-http://deb.debian.org/debian}
fi

"$here/../scripts/ensure-packages.sh" mmdebstrap qemu-user-static python3

stamp=$(printf 'suite=%s\narch=%s\nmirror=%s\npackages=%s\n' "$SUITE" "$ARCH" "$mirror" "${PACKAGES[*]}")
oracle_stamp=$(printf '%s\noracle=%s\n' "$stamp" "$(cat "$here/sysroot/oracle.py" | sha256sum | cut -d' ' -f1)")

# ------------------------------------------------------------------------------------ sysroot
if [ -f "$root/.complete" ] && [ "$(cat "$root/.complete")" = "$stamp" ]; then
  echo "build-sysroot: reusing $root" >&2
else
  echo "build-sysroot: building $root from $mirror ($SUITE, $ARCH)" >&2
  rm -rf "$root" "$root.tmp" "$oracle"
  t0=$(date +%s)
  # merged /usr as on every bookworm system: /bin, /sbin, /lib are symlinks into /usr. The
  # extract variant runs no maintainer script, so the setup hook makes the links itself.
  list=$(IFS=,; echo "${PACKAGES[*]}")
  mmdebstrap --mode=root --arch="$ARCH" --variant=extract --quiet \
    --setup-hook='for d in bin sbin lib; do ln -s usr/$d "$1/$d"; mkdir -p "$1/usr/$d"; done' \
    --include="$list" "$SUITE" "$root.tmp" "$mirror" >&2
  echo "build-sysroot: mmdebstrap took $(( $(date +%s) - t0 )) s" >&2
  # Its own ldconfig (static-pie aarch64) writes its /etc/ld.so.cache. There is no binfmt_misc:
  # every aarch64 program runs as an argument of qemu-aarch64-static, copied into the sysroot so
  # that it works inside chroot.
  cp /usr/bin/qemu-aarch64-static "$root.tmp/qemu-aarch64-static"
  rm -f "$root.tmp/etc/ld.so.cache"
  chroot "$root.tmp" /qemu-aarch64-static /sbin/ldconfig
  [ -s "$root.tmp/etc/ld.so.cache" ] || { echo "build-sysroot: ldconfig wrote no ld.so.cache" >&2; exit 1; }
  printf '%s\n' "$stamp" >"$root.tmp/.complete"
  mv "$root.tmp" "$root"
fi

# ------------------------------------------------------------------------------------- oracle
if [ -f "$oracle/.complete" ] && [ "$(cat "$oracle/.complete")" = "$oracle_stamp" ]; then
  echo "build-sysroot: reusing $oracle ($(wc -l <"$oracle/index.tsv") files)" >&2
else
  rm -rf "$oracle" "$oracle.tmp"
  python3 "$here/sysroot/oracle.py" -j "$jobs" "$root" "$oracle.tmp"
  printf '%s\n' "$oracle_stamp" >"$oracle.tmp/.complete"
  mv "$oracle.tmp" "$oracle"
fi
echo "build-sysroot: done in $(( $(date +%s) - start )) s: $root, $oracle" >&2
