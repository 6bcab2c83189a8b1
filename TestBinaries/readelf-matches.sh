# Sourced by the TestBinaries build scripts (set -euo pipefail).
# Whether readelf's lines for a file match a pattern: readelf_matches GREP-FLAGS PATTERN READELF-ARGS...
# The output is read in full first: `readelf | grep -q` stops reading at the first match, and under
# pipefail readelf's SIGPIPE then fails the check at random (by timing). A readelf that fails ends
# the script: a check with `&& die` must not pass for want of output.
readelf_matches() {
  local flags=$1 pattern=$2 out
  shift 2
  out=$(readelf "$@" 2>/dev/null) || { echo "$(basename "$0"): readelf $* failed" >&2; exit 1; }
  grep "$flags" -- "$pattern" <<<"$out"
}
