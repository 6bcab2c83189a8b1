#!/usr/bin/env bash
# bench/swift-system/run.sh: what swift-system's FileDescriptor would cost elfdyn's static
# executable, measured on the smallest program that does elfdyn's per-file I/O (open, read, close
# with EINTR retries) both ways: stripped size, start-up time (hyperfine) and instructions
# (callgrind). elfdyn keeps its own Platform/Files.swift wrappers while this shows a cost.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
swift build -c release -Xswiftc -static-executable >/dev/null
for b in WithGlibc WithSystem; do
  strip -o ".build/$b.stripped" ".build/release/$b"
  printf '%-11s %8d bytes stripped, ' "$b" "$(stat -c %s ".build/$b.stripped")"
  valgrind --tool=callgrind --callgrind-out-file=/dev/null ".build/release/$b" /usr/bin/true /usr/bin/ls 2>&1 \
    | awk '/refs/ {print $NF " instructions"}'
done
hyperfine -N --warmup 20 --runs 300 --style basic \
  '.build/release/WithGlibc /usr/bin/true /usr/bin/ls' '.build/release/WithSystem /usr/bin/true /usr/bin/ls'
