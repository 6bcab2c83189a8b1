#!/usr/bin/python3
"""dynpatch.py FILE STRING: turn the DT_NEEDED entry naming STRING into a
DT_RUNPATH entry with the same string. GNU ld never writes DT_RPATH and
DT_RUNPATH into one object; link with -rpath X --disable-new-dtags plus a stub
library whose soname is the wanted runpath, then patch. ELF32/ELF64 LE."""
import struct
import sys

DT_NEEDED, DT_STRTAB, DT_RUNPATH, PT_LOAD, PT_DYNAMIC = 1, 5, 29, 1, 2


def main(path, want):
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[5] != 1:
        sys.exit(f"dynpatch: {path}: not a little-endian ELF file")
    is64 = data[4] == 2
    if is64:
        phoff, = struct.unpack_from("<Q", data, 32)
        phentsize, phnum = struct.unpack_from("<HH", data, 54)
        ph_fmt, dyn_fmt = "<IIQQQQQQ", "<qQ"
    else:
        phoff, = struct.unpack_from("<I", data, 28)
        phentsize, phnum = struct.unpack_from("<HH", data, 42)
        ph_fmt, dyn_fmt = "<IIIIIIII", "<iI"
    loads, dyn_off = [], None
    for i in range(phnum):
        f = struct.unpack_from(ph_fmt, data, phoff + i * phentsize)
        if is64:
            p_type, _, p_offset, p_vaddr, _, p_filesz = f[:6]
        else:
            p_type, p_offset, p_vaddr, _, p_filesz = f[:5]
        if p_type == PT_LOAD:
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == PT_DYNAMIC:
            dyn_off = p_offset
    if dyn_off is None:
        sys.exit(f"dynpatch: {path}: no PT_DYNAMIC")
    size = struct.calcsize(dyn_fmt)
    entries, off = [], dyn_off
    while True:
        tag, val = struct.unpack_from(dyn_fmt, data, off)
        if tag == 0:
            break
        entries.append((off, tag, val))
        off += size
    strtab = next(v for _, t, v in entries if t == DT_STRTAB)
    stroff = next(o + strtab - va for va, o, sz in loads if va <= strtab < va + sz)
    for off, tag, val in entries:
        if tag != DT_NEEDED:
            continue
        end = data.index(b"\0", stroff + val)
        if data[stroff + val:end].decode() == want:
            struct.pack_into(dyn_fmt, data, off, DT_RUNPATH, val)
            open(path, "wb").write(data)
            return
    sys.exit(f"dynpatch: {path}: no DT_NEEDED {want!r}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: dynpatch.py FILE NEEDED-STRING")
    main(sys.argv[1], sys.argv[2])
