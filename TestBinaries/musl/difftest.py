#!/usr/bin/python3
"""difftest.py ELFDYN CASES.JSON [--jobs N] [--only SUBSTRING]... [--category tree|undef]

The comparison engine of TestBinaries/musl/check.sh and
TestBinaries/i386/check.sh: runs ELFDYN on every case of a manifest written
by TestBinaries/musl/oracle.py or TestBinaries/i386/oracle.py and compares
with what the real loader printed at build time.

Per case, two tests:
  tree:NAME   `ELFDYN tree --flat INPUT` (in the case's cwd, with exactly the
              case's LD_LIBRARY_PATH, LD_PRELOAD unset) against the loader's list:
              - the loaded objects, in order, as (NAME, realpath(PATH)) pairs
                (the loader's own line, "\\tPATH" alone, is checked for presence
                only, wherever it is);
              - the names not found (a set for musl, which prints one error per
                needing object and no list entry; a multiset for glibc, whose
                ldd prints one "not found" line per faked entry);
              - the names found but not loadable (wrong architecture, not ELF):
                elfdyn must not show them as found at a path; any wording is
                accepted ("NAME => not found ..." or "NAME => PATH (reason)");
              - the exit status: 1 when something is not found or not loadable,
                else 0.
  undef:NAME  `ELFDYN check-undefined --format json INPUT` against the loader's
              relocation errors:
              - {(symbol, realpath(referencing object))} for undefined entries
                with weak=false and kind="unresolved";
              - {(version, realpath(requiredBy))} for missingVersions with
                weak=false;
              - {(name, realpath(neededBy))} for missingLibraries (names only
                when the oracle cannot tell who needed it: glibc's ldd);
              - the exit status: 1 when the loader failed, else 0.
Prints "PASS test" or "FAIL test: expected ... got ..." per test, then
"# tree: ..." and "# undef: ..." summaries and last a line exactly
"N passed, M failed". Exit status 0 only when M is 0.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys

KNOWN_LOADERS = ["/lib/ld-musl-x86_64.so.1", "/lib/ld-linux.so.2",
                 "/lib64/ld-linux-x86-64.so.2"]
IGNORED = re.compile(r"^(linux-vdso\.so\.\d|linux-gate\.so\.\d|statically linked$|"
                     r"not a dynamic executable$)")


def real(path, cwd):
    return os.path.realpath(os.path.join(cwd, path))


class Shorten:
    def __init__(self, base):
        self.base = os.path.realpath(base)

    def __call__(self, p):
        if isinstance(p, str) and p.startswith(self.base + "/"):
            return "$T" + p[len(self.base):]
        return p


def parse_flat(out, cwd):
    """elfdyn tree --flat -> list of dicts (name, status OK|NF|ERR, path, bare)."""
    entries = []
    for line in out.splitlines():
        if not line.startswith("\t"):
            continue
        s = line.lstrip("\t").rstrip()
        if not s or IGNORED.match(s):
            continue
        if " => " in s:
            name, rest = s.split(" => ", 1)
        else:
            name, rest = None, s
        if rest.startswith("not found"):
            entries.append({"name": name or rest, "status": "NF", "path": None, "bare": False})
            continue
        m = re.match(r"^(.*?) \((.*)\)$", rest)
        path, note = (m.group(1), m.group(2)) if m else (rest, None)
        if note is not None and re.fullmatch(r"0x[0-9a-fA-F]+", note):
            note = None
        entries.append({"name": name if name is not None else path,
                        "status": "ERR" if note is not None else "OK",
                        "path": real(path, cwd), "bare": name is None, "note": note})
    return entries


def run_elfdyn(elfdyn, args, case, timeout=120):
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
    env.update(case["env"])
    env["NO_COLOR"] = "1"
    try:
        p = subprocess.run([elfdyn] + args + [case["input"]], cwd=case["cwd"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", "timeout"
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def fmt(xs, short):
    out = []
    for x in xs:
        if isinstance(x, (list, tuple)):
            out.append("=>".join("-" if v is None else short(v) for v in x))
        else:
            out.append(short(x))
    return "[" + ", ".join(out) + "]"


def diff(label, want, got, short, exp, gt):
    if want != got:
        exp.append(f"{label}={fmt(want, short)}")
        gt.append(f"{label}={fmt(got, short)}")


def check_tree(elfdyn, case, manifest, short):
    cwd, e = case["cwd"], case["expect"]
    rc, out, err = run_elfdyn(elfdyn, ["tree", "--flat"], case)
    if rc is None or rc not in (0, 1):
        return f"expected exit {1 if e['tree_fail'] else 0} got exit {rc}: {err.strip()[:300]}"
    got = parse_flat(out, cwd)
    loaders = {os.path.realpath(p) for p in KNOWN_LOADERS + ([case["interp"]] if case.get("interp") else [])}
    loaders |= {real(p, cwd) for p in e["loader_lines"]}
    got_loader = any(x["bare"] and x["status"] == "OK" and x["path"] in loaders for x in got)
    got_found = [(x["name"], x["path"]) for x in got
                 if x["status"] == "OK" and not (x["bare"] and x["path"] in loaders)]
    want_found = [(n, real(p, cwd)) for n, p in e["found"]]
    multiset = manifest.get("not_found_multiset", False)
    agg = (lambda xs: sorted(xs)) if multiset else (lambda xs: sorted(set(xs)))
    exp, gt = [], []
    diff("found", want_found, got_found, short, exp, gt)
    if e["loader_line"] is not None and e["loader_line"] != got_loader:
        exp.append(f"loader-line={'yes' if e['loader_line'] else 'no'}")
        gt.append(f"loader-line={'yes' if got_loader else 'no'}")
    # not found: exactly these names; not loadable: shown as not found or as
    # an error (any wording), never as found; no other errors.
    want_nl = sorted(set(e["not_loadable"]))
    diff("not-found", agg(e["not_found"]),
         agg(x["name"] for x in got if x["status"] == "NF" and x["name"] not in want_nl), short, exp, gt)
    bad = {x["name"] for x in got if x["status"] in ("NF", "ERR")}
    got_nl = sorted(({x["name"] for x in got if x["status"] == "ERR"} | (bad & set(want_nl)))
                    - {n for n, _ in got_found})
    diff("not-loadable", want_nl, got_nl, short, exp, gt)
    want_rc = 1 if e["tree_fail"] else 0
    if rc != want_rc:
        exp.append(f"exit={want_rc}")
        gt.append(f"exit={rc}")
    if exp:
        return "expected " + " ".join(exp) + " got " + " ".join(gt)
    return None


def check_undef(elfdyn, case, manifest, short):
    cwd, e = case["cwd"], case["expect"]
    rc, out, err = run_elfdyn(elfdyn, ["check-undefined", "--format", "json"], case)
    want_rc = 1 if e["undef_fail"] else 0
    if rc is None or rc not in (0, 1):
        return f"expected exit {want_rc} got exit {rc}: {err.strip()[:300]}"
    try:
        doc = json.loads(out)
        res = doc["results"][0] if doc.get("results") else {}
    except (ValueError, KeyError, IndexError, TypeError) as x:
        return f"expected JSON got unparsable output ({x}): {out[:200]!r}"
    got_u = sorted({(u["symbol"], real(u["referencedBy"], cwd)) for u in res.get("undefined", [])
                    if not u.get("weak") and u.get("kind", "unresolved") == "unresolved"})
    want_u = sorted({(s, real(o, cwd)) for s, o in e["undefined"]})
    got_v = sorted({(v["version"], real(v["requiredBy"], cwd)) for v in res.get("missingVersions", [])
                    if not v.get("weak")})
    want_v = sorted({(v, real(r, cwd)) for v, r in e["missing_versions"]})
    by_name_only = any(nb is None for _, nb in e["missing"])
    if by_name_only:
        want_m = sorted({n for n, _ in e["missing"]})
        got_m = sorted({m["name"] for m in res.get("missingLibraries", [])})
    else:
        want_m = sorted({(n, real(nb, cwd)) for n, nb in e["missing"]})
        got_m = sorted({(m["name"], real(m["neededBy"], cwd)) for m in res.get("missingLibraries", [])})
    exp, gt = [], []
    diff("undefined", want_u, got_u, short, exp, gt)
    diff("missing-versions", want_v, got_v, short, exp, gt)
    diff("missing-libraries", want_m, got_m, short, exp, gt)
    if rc != want_rc:
        exp.append(f"exit={want_rc}" + (f" (loader: {e['other_errors'][0]})" if e.get("other_errors") and rc == 0 else ""))
        gt.append(f"exit={rc}")
    if exp:
        return "expected " + " ".join(exp) + " got " + " ".join(gt)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("elfdyn")
    ap.add_argument("cases")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--category", choices=["tree", "undef"], action="append")
    a = ap.parse_args()
    elfdyn = os.path.abspath(a.elfdyn) if os.sep in a.elfdyn else a.elfdyn
    manifest = json.load(open(a.cases))
    short = Shorten(os.path.dirname(os.path.abspath(a.cases)))
    cats = a.category or ["tree", "undef"]
    tests = []
    for c in manifest["cases"]:
        if a.only and not any(o in c["name"] for o in a.only):
            continue
        for cat in cats:
            tests.append((cat, c))

    def one(t):
        cat, c = t
        f = check_tree if cat == "tree" else check_undef
        try:
            return f(elfdyn, c, manifest, short)
        except Exception as x:  # a crash of the checker is a failure, not an abort
            return f"expected a comparison got checker error {type(x).__name__}: {x}"

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        results = list(pool.map(one, tests))
    count = collections.Counter()
    for (cat, c), why in zip(tests, results):
        ok = why is None
        count[(cat, ok)] += 1
        print(f"PASS {cat}:{c['name']}" if ok else f"FAIL {cat}:{c['name']}: {why}")
    for cat in cats:
        print(f"# {cat}: {count[(cat, True)]} passed, {count[(cat, False)]} failed")
    passed = sum(v for (_, ok), v in count.items() if ok)
    failed = sum(v for (_, ok), v in count.items() if not ok)
    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
