"""Shared helpers of the arm64 sysroot differential suite (oracle.py, check.py).

Only the Python standard library is used.
"""
import os
import re
import struct

EM_AARCH64 = 183
PT_DYNAMIC, PT_INTERP = 2, 3
DT_NULL, DT_NEEDED, DT_FLAGS_1 = 0, 1, 0x6FFFFFFB
DF_1_PIE = 0x08000000
# Files of the sysroot that are not part of the Debian system.
NOT_DEBIAN = {"/qemu-aarch64-static"}


def classify(host_path):
    """Returns (kind, reason): kind is 'exec' or 'lib' for a dynamic aarch64 ELF file that the
    oracle runs, None to skip it (reason says why; '' for a file that is not ELF at all)."""
    try:
        with open(host_path, "rb") as f:
            head = f.read(64)
            if len(head) < 64 or head[:4] != b"\x7fELF":
                return None, ""
            if head[4] != 2 or head[5] != 1:
                return None, "not ELF64 little-endian"
            (e_type, e_machine, _v, _entry, e_phoff, _shoff, _flags, _ehsize, e_phentsize,
             e_phnum) = struct.unpack_from("<HHIQQQIHHH", head, 16)
            if e_machine != EM_AARCH64:
                return None, "machine %d" % e_machine
            if e_type not in (2, 3):
                return None, "e_type %d (not loadable)" % e_type
            f.seek(e_phoff)
            ph = f.read(e_phentsize * e_phnum)
            dyn_off = dyn_size = None
            interp = False
            for i in range(e_phnum):
                p_type, _pf, p_offset, _va, _pa, p_filesz = struct.unpack_from("<IIQQQQ", ph, i * e_phentsize)
                if p_type == PT_DYNAMIC:
                    dyn_off, dyn_size = p_offset, p_filesz
                elif p_type == PT_INTERP:
                    interp = True
            if dyn_off is None:
                return None, "static (no PT_DYNAMIC)"
            f.seek(dyn_off)
            dyn = f.read(dyn_size)
            needed = 0
            flags_1 = 0
            for i in range(0, len(dyn) - 15, 16):
                tag, val = struct.unpack_from("<qQ", dyn, i)
                if tag == DT_NULL:
                    break
                if tag == DT_NEEDED:
                    needed += 1
                elif tag == DT_FLAGS_1:
                    flags_1 = val
            if not interp and (flags_1 & DF_1_PIE):
                return None, "static-pie"
            return ("exec" if interp else "lib"), ""
    except (OSError, struct.error) as e:
        return None, "unreadable: %s" % e


def target_realpath(root, path, _depth=0):
    """Resolves every symlink of the target path PATH as the target would, inside ROOT (absolute
    link targets are relative to ROOT, `..` stops at ROOT). Returns a target path."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    done = []
    links = 0
    while parts:
        name = parts.pop(0)
        if name == "..":
            if done:
                done.pop()
            continue
        host = root + "/" + "/".join(done + [name])
        if os.path.islink(host):
            links += 1
            if links > 40:
                return "/" + "/".join(done + [name] + parts)
            target = os.readlink(host)
            if target.startswith("/"):
                done = []
            parts = [p for p in target.split("/") if p not in ("", ".")] + parts
            continue
        done.append(name)
    return "/" + "/".join(done)


def lexical(path):
    """PATH made absolute-looking and lexically normalised (no `.`, `..`, `//`); no symlinks."""
    out = []
    for p in path.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if out:
                out.pop()
            continue
        out.append(p)
    return "/" + "/".join(out)


# When set (check.py --raw-paths), paths are compared as printed, only lexically normalised.
RAW_PATHS = False


def canon(root, path):
    return lexical(path) if RAW_PATHS else target_realpath(root, path)


# ---------------------------------------------------------------- oracle output parsing

TRACE_LINE = re.compile(r"^\t(?P<body>.*?)(?: \(0x[0-9a-f]+\))?$")
UNDEF_LINE = re.compile(r"^undefined symbol: (?P<sym>[^\t,]+)(?:, version (?P<ver>[^\t]+))?\t\((?P<obj>.*)\)$")
VERSION_LINE = re.compile(r"(?:^|: )(?P<lib>[^:\s][^:]*): (?P<weak>weak )?version `(?P<ver>[^']+)' not found \(required by (?P<by>[^)]+)\)")
FATAL_LINE = re.compile(r"error while loading shared libraries: (?P<name>[^:]+): (?P<why>.*)$")


def is_vdso(name):
    return name.startswith("linux-vdso.so") or name.startswith("linux-gate.so")


def parse_trace(root, stdout, stderr, rc):
    """The loader's list (LD_TRACE_LOADED_OBJECTS output) as [(name, path)]: path is the target
    path with symlinks resolved, 'not found', or for a fatal load error [('ERROR', name)]."""
    out = []
    for line in stdout.splitlines():
        m = TRACE_LINE.match(line)
        if not m:
            continue
        body = m.group("body")
        if body == "statically linked":
            continue
        if " => " in body:
            name, path = body.split(" => ", 1)
        else:
            name, path = body, body
        if is_vdso(name):
            continue
        if path != "not found":
            path = canon(root, path)
        out.append((name, path))
    if rc != 0:
        for line in stderr.splitlines():
            m = FATAL_LINE.search(line)
            if m:
                return [("ERROR", m.group("name"))]
    return out


def undef_key(sym, ver, obj):
    """How an undefined symbol is compared: name, version and referencing object."""
    return "%s%s (%s)" % (sym, ", version " + ver if ver else "", obj)


def parse_undef(root, stdout, stderr, rc=0):
    """(undefined symbols, missing versions, missing libraries) from the LD_WARN/LD_BIND_NOW
    trace, as sets of strings: undef_key(...); 'VERSION in LIBPATH'; library names not found (or
    the one the loader could not load when it stopped). Weak versions are printed only with
    LD_VERBOSE: never here."""
    syms, vers = set(), set()
    for line in (stdout + "\n" + stderr).splitlines():
        m = UNDEF_LINE.match(line)
        if m:
            syms.add(undef_key(m.group("sym"), m.group("ver"), canon(root, m.group("obj"))))
            continue
        m = VERSION_LINE.search(line)
        if m and not m.group("weak"):
            vers.add("%s in %s" % (m.group("ver"), canon(root, m.group("lib"))))
    libs = set()
    for name, path in parse_trace(root, stdout, stderr, rc):
        if path == "not found":
            libs.add(name)
        elif name == "ERROR":
            libs.add(path)
    return syms, vers, libs
