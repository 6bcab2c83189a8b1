#!/usr/bin/python3
"""Summarise one hyperfine --export-json file: absolute medians, then ratios.

usage: report.py RESULTS.json [--goal ELFDYN_NAME OTHER_NAME MAX_RATIO]...

Commands whose name starts with "elfdyn" are ours; every other command is a reference
tool. A ratio is median(elfdyn command) / median(reference): below 1.0 elfdyn is faster.
A --goal prints whether median(ELFDYN_NAME) / median(OTHER_NAME) <= MAX_RATIO (it never
fails the run: a benchmark reports, the reader judges).

Standard library only, so it runs with the system /usr/bin/python3.
"""
import json
import sys


def fmt_time(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def main(argv):
    if not argv:
        sys.exit(__doc__)
    path, rest = argv[0], argv[1:]
    goals = []
    while rest:
        if rest[0] != "--goal" or len(rest) < 4:
            sys.exit(f"report.py: bad arguments {rest!r}\n{__doc__}")
        goals.append((rest[1], rest[2], float(rest[3])))
        rest = rest[4:]

    with open(path) as f:
        results = json.load(f)["results"]
    by_name = {r["command"]: r for r in results}
    ours = [r for r in results if r["command"].startswith("elfdyn")]
    others = [r for r in results if not r["command"].startswith("elfdyn")]

    width = max(len(r["command"]) for r in results)
    print(f"  {'median':>10}  {'mean ± σ':>20}  {'runs':>5}  command")
    for r in results:
        spread = f"{fmt_time(r['mean'])} ± {fmt_time(r['stddev'] or 0.0)}"
        print(f"  {fmt_time(r['median']):>10}  {spread:>20}  {len(r['times']):>5}  {r['command']}")

    if ours and others:
        print()
        print("  ratio = median(elfdyn) / median(other); < 1.0 means elfdyn is faster")
        cols = [o["command"] for o in others]
        colw = [max(8, len(c)) for c in cols]
        header = "  " + " " * width + "".join(f"  {c:>{w}}" for c, w in zip(cols, colw))
        print(header)
        for r in ours:
            cells = "".join(f"  {r['median'] / o['median']:>{w}.3f}" for o, w in zip(others, colw))
            print(f"  {r['command']:<{width}}{cells}")

    for mine, other, limit in goals:
        if mine not in by_name or other not in by_name:
            sys.exit(f"report.py: goal names {mine!r} / {other!r} not in {path}")
        ratio = by_name[mine]["median"] / by_name[other]["median"]
        verdict = "met" if ratio <= limit else "MISSED"
        print(f"  goal: {mine} / {other} <= {limit:.3f}: measured {ratio:.3f} "
              f"(speed-up {by_name[other]['median'] / by_name[mine]['median']:.1f}x) -> {verdict}")


if __name__ == "__main__":
    main(sys.argv[1:])
