#!/usr/bin/env python3
"""oracle.py ROOT OUTDIR [-j N]

Records what the sysroot's own glibc loader (run under qemu-aarch64-static, chrooted into ROOT)
prints for every dynamic aarch64 ELF file of ROOT:

  trace:   LD_TRACE_LOADED_OBJECTS=1 /lib/ld-linux-aarch64.so.1 /FILE          (what `ldd` runs)
  trace_r: the same plus LD_WARN=yes LD_BIND_NOW=yes                            (what `ldd -r` runs)

Writes OUTDIR/files/<target path>.json ({"file", "kind", "trace": {"rc", "stdout", "stderr"},
"trace_r": {...}}), OUTDIR/index.tsv (target path, kind; sorted) and OUTDIR/skipped.tsv (target
path, reason) for ELF files left out (static, static-pie, foreign machine, not loadable).
The environment of each run is empty apart from the -E variables (qemu passes its own
environment to the guest).
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
from sysroot_common import NOT_DEBIAN, classify  # noqa: E402

QEMU = "/qemu-aarch64-static"
LDSO = "/lib/ld-linux-aarch64.so.1"


def scan(root):
    files, skipped = [], []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = dirpath[len(root):] or "/"
        if rel in ("/proc", "/sys", "/dev"):
            dirnames[:] = []
            continue
        for name in sorted(filenames):
            host = os.path.join(dirpath, name)
            target = host[len(root):]
            if target in NOT_DEBIAN or os.path.islink(host) or not os.path.isfile(host):
                continue
            kind, reason = classify(host)
            if kind:
                files.append((target, kind))
            elif reason:
                skipped.append((target, reason))
    return files, skipped


def run(root, target, extra):
    argv = ["chroot", root, QEMU, "-E", "LD_TRACE_LOADED_OBJECTS=1"]
    for e in extra:
        argv += ["-E", e]
    argv += [LDSO, target]
    try:
        p = subprocess.run(argv, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=120)
        return {"rc": p.returncode, "stdout": p.stdout.decode("utf-8", "replace"),
                "stderr": p.stderr.decode("utf-8", "replace")}
    except subprocess.TimeoutExpired:
        return {"rc": -1, "stdout": "", "stderr": "oracle: timeout after 120 s"}


def record(root, outdir, target, kind):
    rec = {"file": target, "kind": kind,
           "trace": run(root, target, []),
           "trace_r": run(root, target, ["LD_WARN=yes", "LD_BIND_NOW=yes"])}
    dest = os.path.join(outdir, "files") + target + ".json"
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "w") as f:
        json.dump(rec, f, indent=1)
    return target, rec["trace"]["rc"], rec["trace_r"]["rc"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("outdir")
    ap.add_argument("-j", type=int, default=2)
    a = ap.parse_args()
    root = os.path.abspath(a.root).rstrip("/")
    if not os.path.exists(root + QEMU):
        sys.exit("oracle.py: %s%s is missing" % (root, QEMU))
    start = time.time()
    files, skipped = scan(root)
    print("oracle: %d dynamic aarch64 ELF files, %d ELF files skipped" % (len(files), len(skipped)), file=sys.stderr)
    os.makedirs(a.outdir, exist_ok=True)
    bad = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.j) as pool:
        futs = [pool.submit(record, root, a.outdir, t, k) for t, k in files]
        for n, fut in enumerate(concurrent.futures.as_completed(futs), 1):
            target, rc1, rc2 = fut.result()
            if rc1 != 0 or rc2 != 0:
                bad.append("%s (exit %d, %d)" % (target, rc1, rc2))
            if n % 100 == 0:
                print("oracle: %d/%d" % (n, len(files)), file=sys.stderr)
    with open(os.path.join(a.outdir, "index.tsv"), "w") as f:
        for t, k in files:
            f.write("%s\t%s\n" % (t, k))
    with open(os.path.join(a.outdir, "skipped.tsv"), "w") as f:
        for t, r in skipped:
            f.write("%s\t%s\n" % (t, r))
    for b in bad:
        print("oracle: nonzero exit: " + b, file=sys.stderr)
    print("oracle: %d files in %.0f s" % (len(files), time.time() - start), file=sys.stderr)


if __name__ == "__main__":
    main()
