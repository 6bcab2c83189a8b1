"""link-order.py OUTPUT PROFILE... -- the symbol ordering file from callgrind profiles (see
link-order.sh). Per profile, in the order given: the functions it adds to those of the profiles
before it, by their own instruction count, hottest first."""
import re
import sys


def own_costs(path):
    """Each function's own instruction count in one callgrind profile (--demangle=no)."""
    cost, names, current, skip = {}, {}, None, False
    for line in open(path, errors="replace"):
        m = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if m:
            kind, key, name = m.groups()
            if name:
                names[key] = name
            if kind == "fn":
                current = names.get(key)
            continue
        if line.startswith("calls="):
            skip = True  # the next cost line is the call's inclusive cost, not this function's
            continue
        if current is None or not line[:1] or line[0] not in "0123456789+-*":
            continue
        if skip:
            skip = False
            continue
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            cost[current] = cost.get(current, 0) + int(parts[1])
    return cost


order, seen = [], set()
for path in sys.argv[2:]:
    cost = own_costs(path)
    # Not names callgrind makes up: a second copy of a recursive function, an address, "(below main)".
    added = [n for n in cost if n not in seen and not re.search(r"'\d+$", n) and not n.startswith(("0x", "("))]
    added.sort(key=lambda n: (-cost[n], n))
    order += added
    seen.update(added)
with open(sys.argv[1], "w") as out:
    out.write("\n".join(order) + "\n")
print(f"link-order: {len(order)} functions written to {sys.argv[1]}")
