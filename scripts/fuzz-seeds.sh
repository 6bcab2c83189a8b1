#!/usr/bin/env bash
# Seeds the fuzzing corpus: every ELF file under 64 KiB that TestBinaries built (many machines,
# classes and byte orders), kept between runs so the corpus grows.
set -euo pipefail
testbin=${1:?usage: fuzz-seeds.sh TESTBIN CORPUS}
corpus=${2:?usage: fuzz-seeds.sh TESTBIN CORPUS}
mkdir -p "$corpus"
find "$testbin" -type f -size -64k -print0 | while IFS= read -r -d '' file; do
  if [ "$(head -c 4 "$file" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ]; then
    cp -n "$file" "$corpus/seed-$(sha1sum < "$file" | cut -c1-16)" 2>/dev/null || true
  fi
done
echo "fuzz corpus: $(ls "$corpus" | wc -l) inputs in $corpus" >&2
