"""link-order-data.py ELFDYN OUTPUT < lackey-traces -- appends to the symbol ordering file OUTPUT
(see link-order.sh) the data symbols of ELFDYN's writable segments that the traced runs read or
write, in the order of their first access, leaving out names OUTPUT already has.

Standard input is the output of one or more `valgrind --tool=lackey --trace-mem=yes ELFDYN ...`
runs, one after another (" L addr,size", " S addr,size" and " M addr,size" lines are data).

Why: the writable segment (.data, a writable .rodata and .bss, about 2.8 MB) holds the Swift
runtime's metadata caches, lazy globals and the C library's state, in link order. A run touches a
few hundred of these symbols on about 130 pages, and each page first touched is a page fault;
side by side they fill about 40. (Ordering the functions by first execution in the same traces,
instead of callgrind's hottest first, was measured too: 118 page faults against 116 for `tree`
of a static program, no gain.)"""
import bisect
import subprocess
import sys

binary, output = sys.argv[1], sys.argv[2]

# The writable PT_LOAD segments: [start, end) in memory.
segments = []
for line in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    fields = line.split()
    if fields[:1] == ["LOAD"] and any("W" in flag for flag in fields[6:-1]):
        start, memsize = int(fields[2], 16), int(fields[5], 16)
        segments.append((start, start + memsize))
if not segments:
    sys.exit(f"link-order-data: {binary} has no writable segment")

# Data symbols with their sizes, by address.
symbols = []
for line in subprocess.run(["nm", "-n", "-S", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    fields = line.split()
    if len(fields) == 4 and fields[2] in "bBdDrRvVgGsS":
        address, size = int(fields[0], 16), int(fields[1], 16)
        if any(start <= address < end for start, end in segments):
            symbols.append((address, max(size, 1), fields[3]))
addresses = [s[0] for s in symbols]
low = min(s for s, _ in segments)
high = max(e for _, e in segments)

order, seen = [], set()
for line in sys.stdin:
    if len(line) < 4 or line[0] != " " or line[1] not in "LSM":
        continue
    try:
        address = int(line[3:].split(",", 1)[0], 16)
    except ValueError:
        continue
    if not low <= address < high:
        continue
    index = bisect.bisect_right(addresses, address) - 1
    if index < 0:
        continue
    start, size, name = symbols[index]
    if start <= address < start + size and name not in seen:
        seen.add(name)
        order.append(name)

with open(output) as existing:
    present = set(existing.read().split())
added = [name for name in order if name not in present]
with open(output, "a") as out:
    out.write("".join(name + "\n" for name in added))
print(f"link-order: {len(added)} data symbols appended to {output}")
