#!/usr/bin/env python3
"""check.py ELFDYN CACHEDIR [-j N] [--only tree|undef] [--raw-paths] [--show] [FILE...]

Differential check of ELFDYN against the oracle recorded by build-sysroot.sh in
CACHEDIR/arm64-oracle (see README.md). FILE... (target paths, e.g. /usr/bin/ls) restricts the
run to those files. --show prints the normalised oracle and elfdyn results of FILE... instead.
--raw-paths compares paths as printed (lexically normalised) instead of with symlinks resolved.
Last line: `N passed, M failed` (files); exit status 0 only when M is 0, 2 on bad usage.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sysroot_common  # noqa: E402
from sysroot_common import is_vdso, lexical, parse_trace, parse_undef, target_realpath, undef_key  # noqa: E402


def run(argv):
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                           env=dict(os.environ, NO_COLOR="1"))
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return -1, "", "timeout after 60 s"


RAW_PATHS = False


def to_target(root, path):
    """elfdyn prints target paths in --flat; JSON paths may be host paths under ROOT."""
    if path.startswith(root + "/"):
        path = path[len(root):]
    return lexical(path) if RAW_PATHS else target_realpath(root, path)


def elfdyn_tree(elfdyn, root, target):
    rc, out, err = run([elfdyn, "tree", "--root", root, "--flat", "--color", "never", root + target])
    got = []
    for line in out.splitlines():
        if not line.startswith("\t"):
            continue
        body = line[1:]
        if " => " in body:
            name, path = body.split(" => ", 1)
        else:
            name, path = body, body
        if is_vdso(name):
            continue
        if path.endswith(")") and " (cannot be loaded: " in path:
            # The loader stops at the first object it cannot load and lists nothing.
            return [("ERROR", name)], rc, err
        if path != "not found":
            path = to_target(root, path)
        got.append((name, path))
    if rc not in (0, 1) or (not got and err.strip()):
        got.append(("ELFDYN-EXIT-%d" % rc, err.strip().splitlines()[-1] if err.strip() else ""))
    return got, rc, err


def elfdyn_undef(elfdyn, root, target):
    rc, out, err = run([elfdyn, "check-undefined", "--root", root, "--format", "json", "--color", "never",
                        root + target])
    try:
        results = json.loads(out)["results"]
    except (ValueError, KeyError):
        return None, "exit %d, no JSON: %s" % (rc, (err.strip().splitlines() or [""])[-1])
    syms, vers, libs = set(), set(), set()
    for r in results:
        for u in r.get("undefined", []):
            if u.get("kind") == "unresolved" and not u.get("weak"):
                syms.add(undef_key(u["symbol"], u.get("version"), to_target(root, u["referencedBy"])))
        for v in r.get("missingVersions", []):
            if not v.get("weak"):
                vers.add("%s in %s" % (v["version"], to_target(root, v["library"])))
        for m in r.get("missingLibraries", []):
            libs.add(m["name"])
    return (syms, vers, libs), None


def fmt_tree(lst):
    return "[" + ", ".join("%s=>%s" % (n, p) if n != p else n for n, p in lst) + "]"


def fmt_set(s, limit=None):
    items = sorted(s)
    if limit is not None and len(items) > limit:
        items = items[:limit] + ["... %d more" % (len(items) - limit)]
    return "{" + ", ".join(items) + "}"


def tree_diff(exp, got):
    """A short description of where two load lists first differ."""
    for i, (e, g) in enumerate(zip(exp, got)):
        if e != g:
            return "first difference at #%d: expected %s, got %s" % (i + 1, fmt_tree([e]), fmt_tree([g]))
    if len(exp) > len(got):
        return "missing from #%d: %s" % (len(got) + 1, fmt_tree(exp[len(got):]))
    return "extra from #%d: %s" % (len(exp) + 1, fmt_tree(got[len(exp):]))


def check_one(elfdyn, root, oracle_dir, target, what):
    with open(os.path.join(oracle_dir, "files") + target + ".json") as f:
        rec = json.load(f)
    lines = []
    if "tree" in what:
        t = rec["trace"]
        exp = parse_trace(root, t["stdout"], t["stderr"], t["rc"])
        got, _rc, _err = elfdyn_tree(elfdyn, root, target)
        if exp == got:
            lines.append((True, "tree", "PASS tree %s" % target))
        else:
            lines.append((False, "tree", "FAIL tree %s: %s; expected %s got %s"
                          % (target, tree_diff(exp, got), fmt_tree(exp), fmt_tree(got))))
    if "undef" in what:
        t = rec["trace_r"]
        exp = parse_undef(root, t["stdout"], t["stderr"], t["rc"])
        got, problem = elfdyn_undef(elfdyn, root, target)
        if problem:
            lines.append((False, "undef", "FAIL check-undefined %s: %s" % (target, problem)))
        elif exp == got:
            lines.append((True, "undef", "PASS check-undefined %s" % target))
        else:
            parts = []
            for label, e, g in zip(("undefined symbols", "missing versions", "missing libraries"), exp, got):
                if e != g:
                    parts.append("%s: expected %d, got %d; only expected %s; only got %s"
                                 % (label, len(e), len(g), fmt_set(e - g, 6), fmt_set(g - e, 6)))
            lines.append((False, "undef", "FAIL check-undefined %s: %s" % (target, "; ".join(parts))))
    return target, lines


def show(elfdyn, root, oracle_dir, target):
    with open(os.path.join(oracle_dir, "files") + target + ".json") as f:
        rec = json.load(f)
    t = rec["trace"]
    print("oracle tree:", fmt_tree(parse_trace(root, t["stdout"], t["stderr"], t["rc"])))
    print("elfdyn tree:", fmt_tree(elfdyn_tree(elfdyn, root, target)[0]))
    t = rec["trace_r"]
    exp = parse_undef(root, t["stdout"], t["stderr"], t["rc"])
    got, problem = elfdyn_undef(elfdyn, root, target)
    for i, label in enumerate(("undefined symbols", "missing versions", "missing libraries")):
        print("oracle %s: %s" % (label, fmt_set(exp[i])))
        print("elfdyn %s: %s" % (label, problem or fmt_set(got[i])))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("elfdyn")
    ap.add_argument("cachedir")
    ap.add_argument("files", nargs="*")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--only", choices=["tree", "undef"])
    ap.add_argument("--raw-paths", action="store_true",
                    help="compare paths as printed (lexically normalised), without resolving symlinks")
    ap.add_argument("--show", action="store_true", help="print normalised oracle and elfdyn results of FILE...")
    a = ap.parse_intermixed_args()
    global RAW_PATHS
    RAW_PATHS = sysroot_common.RAW_PATHS = a.raw_paths
    elfdyn = os.path.abspath(a.elfdyn)
    root = os.path.abspath(os.path.join(a.cachedir, "arm64"))
    oracle_dir = os.path.join(os.path.abspath(a.cachedir), "arm64-oracle")
    index = os.path.join(oracle_dir, "index.tsv")
    if not os.path.isfile(index) or not os.path.isfile(os.path.join(oracle_dir, ".complete")):
        print("check: no complete oracle in %s (run TestBinaries/build-sysroot.sh %s)" % (oracle_dir, a.cachedir),
              file=sys.stderr)
        return 2
    with open(index) as f:
        targets = [line.split("\t")[0] for line in f if line.strip()]
    if a.files:
        wanted = set(a.files)
        targets = [t for t in targets if t in wanted]
        for w in sorted(wanted - set(targets)):
            print("check: no oracle record for %s" % w, file=sys.stderr)
    if a.show:
        for t in targets:
            print("==", t)
            show(elfdyn, root, oracle_dir, t)
        return 0
    what = {"tree", "undef"} if not a.only else {a.only}
    start = time.time()
    counts = {"tree": [0, 0], "undef": [0, 0]}
    failed_files = set()
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.j) as pool:
        for target, lines in pool.map(lambda t: check_one(elfdyn, root, oracle_dir, t, what), targets):
            results[target] = lines
    for target in targets:
        for ok, kind, line in results[target]:
            counts[kind][0 if ok else 1] += 1
            if not ok:
                failed_files.add(target)
            print(line)
    for kind, label in (("tree", "tree"), ("undef", "check-undefined")):
        if kind in what:
            print("%s: %d passed, %d failed" % (label, counts[kind][0], counts[kind][1]))
    print("elapsed %.0f s" % (time.time() - start))
    passed = len(targets) - len(failed_files)
    print("%d passed, %d failed" % (passed, len(failed_files)))
    return 0 if not failed_files else 1


if __name__ == "__main__":
    sys.exit(main())
