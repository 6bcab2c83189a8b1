#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are missing. As root it runs
# apt-get (with one 'apt-get update' first); otherwise it prints the command to run and fails.
set -euo pipefail
missing=()
for package in "$@"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [ "$status" != "install ok installed" ]; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "elfdyn needs these Debian packages: ${missing[*]}" >&2
  echo "install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing ${missing[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
# Packages of another architecture (libc6:i386) need it added to dpkg first.
for package in "${missing[@]}"; do
  case "$package" in
    *:*) arch=${package##*:}
      if ! grep -qx "$arch" <<<"$(dpkg --print-foreign-architectures)"; then
        dpkg --add-architecture "$arch"
        rm -f /tmp/.elfdyn-apt-updated
      fi ;;
  esac
done
stamp=/tmp/.elfdyn-apt-updated
if [ ! -e "$stamp" ]; then
  # A mirror in the middle of a sync can fail one index; the others still serve what is needed.
  apt-get update -qq >&2 || echo "apt-get update reported errors; trying the install anyway" >&2
  touch "$stamp"
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
