#!/usr/bin/python3
"""oracle.py OUTDIR [SYSDIR...]: run glibc's i386 loader (through ldd) on every
case of OUTDIR/i386/cases.in (written by build-i386.sh) and on every dynamic
i386 ELF file under the SYSDIRs, and write OUTDIR/i386/cases.json (read by
TestBinaries/i386/check.sh, compared by TestBinaries/musl/difftest.py) and
OUTDIR/i386/oracle.txt (raw output of the built cases, for humans).

cases.in columns (tab-separated, no header): name, input, cwd,
LD_LIBRARY_PATH ("-" = unset), note.

Per case: `ldd INPUT` gives the list, `ldd -r INPUT` the relocation errors:
  "\\tNAME => PATH (0x..)"   loaded     "\\tNAME => not found"  faked entry
  "\\tPATH (0x..)"           the loader (/lib/ld-linux.so.2), or a DT_NEEDED
                            with a '/' (its own name)
  "undefined symbol: SYM[, version V]\\t(OBJ)"
  "...: version `V' not found (required by OBJ)"
  "...: no version information available (required by OBJ)"  (a warning)
A case whose ldd fails (exit status, "not a dynamic executable", "error
while loading shared libraries", an ld.so assertion) is not a case: built
cases make the build fail, system files are left out (listed in
cases.json "skipped").
"""
import concurrent.futures
import json
import os
import re
import struct
import subprocess
import sys

LOADER = "/lib/ld-linux.so.2"
ENV_BASE = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C"}
LIST_RE = re.compile(r"^\t(?:(.*?) => )?(.*?)(?: \(0x[0-9a-f]+\))?$")
UNDEF_RE = re.compile(r"^undefined symbol: (.*?)(?:, version (.*))?\t\((.*)\)$")
VER_RE = re.compile(r"^(?:.*: )?version `([^']*)' not found \(required by (.*)\)$")
NOVER_RE = re.compile(r"no version information available \(required by (.*)\)$")
FATAL_RE = re.compile(r"error while loading shared libraries|Inconsistency detected by ld\.so|"
                      r"not a dynamic executable")


def is_i386_dynamic(path):
    try:
        with open(path, "rb") as f:
            h = f.read(52)
            if len(h) < 52 or h[:4] != b"\x7fELF" or h[4] != 1 or h[5] != 1:
                return False
            e_type, e_machine = struct.unpack_from("<HH", h, 16)
            if e_machine != 3 or e_type not in (2, 3):
                return False
            phoff, = struct.unpack_from("<I", h, 28)
            phentsize, phnum = struct.unpack_from("<HH", h, 42)
            f.seek(phoff)
            ph = f.read(phentsize * phnum)
    except OSError:
        return False
    return any(struct.unpack_from("<I", ph, i * phentsize)[0] == 2 for i in range(phnum)
               if (i + 1) * phentsize <= len(ph))


def absolute(path, cwd):
    return os.path.normpath(os.path.join(cwd, path))


def run(cmd, cwd, env):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    return p.returncode, p.stdout.decode(errors="replace")


def oracle(name, exe, cwd, llp, note):
    env = dict(ENV_BASE)
    if llp != "-":
        env["LD_LIBRARY_PATH"] = llp
    rc1, out1 = run(["ldd", exe], cwd, env)
    rc2, out2 = run(["ldd", "-r", exe], cwd, env)
    fatal = [l for l in (out1 + out2).splitlines() if FATAL_RE.search(l)]
    if rc1 or rc2 or fatal:
        return None, f"ldd exit {rc1}/{rc2}: {(fatal or [out1.strip()])[0][:200]}"
    loader = os.path.realpath(LOADER)
    found, not_found, loader_line = [], [], False
    for line in out1.splitlines():
        m = LIST_RE.match(line)
        if not m or not line.startswith("\t"):
            continue
        n, p = m.group(1), m.group(2)
        if (n or p).startswith("linux-gate.so") or p == "statically linked":
            continue
        if p == "not found":
            not_found.append(n)
        elif n is None and os.path.realpath(absolute(p, cwd)) == loader:
            loader_line = True
        else:
            found.append([n if n is not None else p, absolute(p, cwd)])
    undefined, versions, other = set(), set(), []
    for line in out2.splitlines():
        m = UNDEF_RE.match(line)
        if m:
            undefined.add((m.group(1), absolute(m.group(3), cwd)))
            continue
        m = VER_RE.match(line)
        if m:
            versions.add((m.group(1), absolute(m.group(2), cwd)))
            continue
        if NOVER_RE.search(line):
            other.append(line)
    case = {"name": name, "input": exe, "cwd": cwd,
            "env": {} if llp == "-" else {"LD_LIBRARY_PATH": llp},
            "note": note, "interp": None,
            "oracle_cmd": ["ldd", "-r", exe],
            "oracle_output": re.sub(r"0x[0-9a-f]+", "0x...", out2),
            "expect": {
                "loader_line": loader_line,
                "loader_lines": [LOADER] if loader_line else [],
                "found": found,
                "not_found": not_found,
                "not_loadable": [],
                "tree_fail": bool(not_found),
                "undefined": sorted(undefined),
                "missing": sorted({(n, None) for n in not_found}),
                "missing_versions": sorted(versions),
                "other_errors": [],
                "warnings": other,
                "undef_fail": bool(not_found or undefined or versions),
            }}
    return case, None


def main(outdir, sysdirs):
    T = os.path.join(os.path.realpath(outdir), "i386")
    cases, text, skipped = [], [], []
    for raw in open(os.path.join(T, "cases.in")):
        raw = raw.rstrip("\n")
        if not raw:
            continue
        name, exe, cwd, llp, note = raw.split("\t")
        case, why = oracle(name, exe, cwd, llp, note)
        if case is None:
            sys.exit(f"oracle.py: built case {name}: {why}")
        cases.append(case)
        text.append(f"== {name}  ({note})\n$ cd {cwd} && "
                    + ("" if llp == "-" else f"LD_LIBRARY_PATH={llp!r} ")
                    + f"ldd -r {exe}\n" + case["oracle_output"])
    files = []
    for d in sysdirs:
        for root, dirs, names in os.walk(d):
            dirs.sort()
            for n in sorted(names):
                p = os.path.join(root, n)
                if os.path.isfile(p) and not os.path.islink(p) and is_i386_dynamic(p):
                    files.append(p)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda p: oracle("sys:" + p, p, "/", "-", "system file"), files))
    for p, (case, why) in zip(files, results):
        if case is None:
            skipped.append([p, why])
        else:
            cases.append(case)
    with open(os.path.join(T, "cases.json"), "w") as f:
        f.write('{"loader": "glibc-i386", "ldso": %s, "not_found_multiset": true, '
                '"skipped": %s, "cases": [\n' % (json.dumps(LOADER), json.dumps(skipped)))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    json.loads(open(os.path.join(T, "cases.json")).read())
    with open(os.path.join(T, "oracle.txt"), "w") as f:
        f.write("".join(t if t.endswith("\n") else t + "\n" for t in text))
        f.write(f"== system files: {len(files) - len(skipped)} cases, {len(skipped)} skipped\n")
        for p, why in skipped:
            f.write(f"skipped {p}: {why}\n")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: oracle.py OUTDIR [SYSDIR...]")
    main(sys.argv[1], sys.argv[2:])
