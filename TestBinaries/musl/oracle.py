#!/usr/bin/python3
"""oracle.py OUTDIR: run musl's loader on every case of OUTDIR/musl/cases.in
(written by build-musl.sh) and write OUTDIR/musl/cases.json (read by
check.sh) and OUTDIR/musl/oracle.txt (the raw oracle output, for humans).

cases.in columns (tab-separated, no header): name, input, cwd,
LD_LIBRARY_PATH ("-" = unset, "\\n" = a newline), oracle, note.
  oracle "list":  `INTERP --list INPUT` is the truth (INTERP = the input's
                  PT_INTERP, /lib/ld-musl-x86_64.so.1 for a library); the
                  program is also run, and its errors are recorded too.
  oracle "run=N": the real run is the truth (ldd mode differs: the main
                  program's $ORIGIN comes from /proc/self/exe only when the
                  kernel mapped it). The list comes from `INTERP --list
                  realpath(INPUT)`, and the run must exit with N.

Both loader outputs (stdout and stderr, one pipe, so in order) are parsed:
  "\\tPATH (0x..)"                 the interpreter line (first line)
  "\\tNAME => PATH (0x..)"          a loaded object (musl-provided names too)
  "Error loading shared library NAME: MESSAGE (needed by OBJ)"
  "Error relocating OBJ: SYM: symbol not found"
  "Error relocating OBJ: ..."     any other relocation error
"""
import json
import os
import re
import struct
import subprocess
import sys

MUSL_LDSO = "/lib/ld-musl-x86_64.so.1"
HOST_PATH_FILE = "/etc/ld-musl-x86_64.path"
ENV_BASE = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C"}

LIST_RE = re.compile(r"^\t(?:(.*?) => )?(.*) \(0x[0-9a-f]+\)$")
LOAD_RE = re.compile(r"^Error loading shared library (.*?): (.*) \(needed by (.*)\)$")
UNDEF_RE = re.compile(r"^Error relocating (.*?): (.*): symbol not found$")
RELOC_RE = re.compile(r"^Error relocating (.*?): (.*)$")


def pt_interp(path):
    """The PT_INTERP string of an ELF file, or None."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        return None
    is64 = data[4] == 2
    if is64:
        phoff, = struct.unpack_from("<Q", data, 32)
        phentsize, phnum = struct.unpack_from("<HH", data, 54)
    else:
        phoff, = struct.unpack_from("<I", data, 28)
        phentsize, phnum = struct.unpack_from("<HH", data, 42)
    for i in range(phnum):
        o = phoff + i * phentsize
        if struct.unpack_from("<I", data, o)[0] != 3:
            continue
        if is64:
            off, = struct.unpack_from("<Q", data, o + 8)
            size, = struct.unpack_from("<Q", data, o + 32)
        else:
            off, = struct.unpack_from("<I", data, o + 4)
            size, = struct.unpack_from("<I", data, o + 16)
        return data[off:off + size].split(b"\0")[0].decode()
    return None


def absolute(path, cwd):
    """Absolute and lexically normalised (symlinks are left alone)."""
    return os.path.normpath(os.path.join(cwd, path))


def run(cmd, cwd, env, timeout=10):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    rc = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return rc, p.stdout.decode(errors="replace")


def parse(out, cwd):
    r = {"lines": [], "errors": [], "undefined": [], "other": []}
    for line in out.splitlines():
        m = LIST_RE.match(line)
        if m:
            name, path = m.group(1), m.group(2)
            r["lines"].append([name if name is not None else path, absolute(path, cwd),
                               name is None])
            continue
        m = LOAD_RE.match(line)
        if m:
            r["errors"].append({"name": m.group(1), "message": m.group(2),
                                "neededBy": absolute(m.group(3), cwd)})
            continue
        m = UNDEF_RE.match(line)
        if m:
            r["undefined"].append([m.group(2), absolute(m.group(1), cwd)])
            continue
        m = RELOC_RE.match(line)
        if m or line.strip():
            r["other"].append(line)
    return r


def main(outdir):
    T = os.path.join(os.path.realpath(outdir), "musl")
    cases, text = [], []
    host_path = None
    if os.path.exists(HOST_PATH_FILE):
        host_path = open(HOST_PATH_FILE).read()
    for raw in open(os.path.join(T, "cases.in")):
        raw = raw.rstrip("\n")
        if not raw:
            continue
        name, exe, cwd, llp, oracle, note = raw.split("\t")
        env = dict(ENV_BASE)
        if llp != "-":
            llp = llp.replace("\\n", "\n")
            env["LD_LIBRARY_PATH"] = llp
        interp = pt_interp(exe)
        ldso = interp or MUSL_LDSO
        target = os.path.realpath(exe) if oracle.startswith("run=") else exe
        rc, out = run([ldso, "--list", target], cwd, env)
        lst = parse(out, cwd)
        case = {"name": name, "input": exe, "cwd": cwd,
                "env": {} if llp == "-" else {"LD_LIBRARY_PATH": llp},
                "oracle": oracle, "note": note, "interp": interp,
                "oracle_cmd": [ldso, "--list", target], "oracle_exit": rc,
                "oracle_output": re.sub(r"0x[0-9a-f]+", "0x...", out)}
        text.append(f"== {name}  ({note})\n$ cd {cwd} && "
                    + ("" if llp == "-" else f"LD_LIBRARY_PATH={llp!r} ")
                    + f"{ldso} --list {target}   # exit {rc}\n"
                    + case["oracle_output"])
        if interp:  # a program: run it too
            rrc, rout = run([exe], cwd, env, timeout=5)
            rp = parse(rout, cwd)
            case["run_exit"] = rrc
            case["run_output"] = rout
            same = (sorted(map(tuple, rp["undefined"])) == sorted(map(tuple, lst["undefined"]))
                    and [e["name"] for e in rp["errors"]] == [e["name"] for e in lst["errors"]])
            case["run_agrees"] = same
            text.append(f"$ {exe}   # real run, exit {rrc}\n" + rout)
            if oracle.startswith("run="):
                # what ldd mode says for the path as given (documentation only)
                _, gout = run([ldso, "--list", exe], cwd, env)
                case["list_as_given"] = re.sub(r"0x[0-9a-f]+", "0x...", gout)
                text.append(f"$ {ldso} --list {exe}   # ldd mode, path as given (not the oracle)\n"
                            + case["list_as_given"])
                want = int(oracle[4:])
                if rrc != want:
                    sys.exit(f"oracle.py: {name}: the real run exited {rrc}, want {want}\n{rout}")
        # The expectation for elfdyn, derived from the oracle only.
        loader_lines = [p for n, p, bare in lst["lines"] if bare]
        found = [[n, p] for n, p, bare in lst["lines"] if not bare]
        not_found = [e["name"] for e in lst["errors"]
                     if e["message"] == "No such file or directory"]
        not_loadable = [e["name"] for e in lst["errors"]
                        if e["message"] != "No such file or directory"]
        case["expect"] = {
            # a program: musl's first line names its PT_INTERP; a library
            # input: that line is just the loader's own argv[0] (no rule)
            "loader_line": True if interp else None,
            "loader_lines": loader_lines,
            "found": found,
            "not_found": not_found,
            "not_loadable": not_loadable,
            "tree_fail": bool(lst["errors"]),
            "undefined": sorted(set(map(tuple, lst["undefined"]))),
            "missing": sorted({(e["name"], e["neededBy"]) for e in lst["errors"]}),
            "missing_versions": [],
            "other_errors": lst["other"],
            "undef_fail": rc != 0,
        }
        cases.append(case)
    with open(os.path.join(T, "cases.json"), "w") as f:
        f.write('{"loader": "musl", "ldso": %s, "host_path_file": %s, '
                '"not_found_multiset": false, "cases": [\n'
                % (json.dumps(MUSL_LDSO), json.dumps(host_path)))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    json.loads(open(os.path.join(T, "cases.json")).read())  # well-formed
    with open(os.path.join(T, "oracle.txt"), "w") as f:
        f.write("".join(t if t.endswith("\n") else t + "\n" for t in text))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: oracle.py OUTDIR")
    main(sys.argv[1])
