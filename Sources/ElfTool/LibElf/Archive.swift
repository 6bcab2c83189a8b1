internal import CLibElf

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// An `ar` archive opened with libelf (`elf_begin` with ELF_C_READ_MMAP): its symbol index and the
/// names of its members.
final class ArchiveImage {
  let path: String
  private let handle: ElfHandle
  private let descriptor: Int32

  /// Opens `path`; `.notELF` when it is not an archive.
  init(path: String) throws(ElfError) {
    self.path = path
    let fd = try openFile(path)
    guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else {
      close(fd)
      throw ElfError(path, .malformed, "libelf cannot read it: \(libelfMessage())")
    }
    guard elf_kind(elf) == ELF_K_AR else {
      elf_end(elf)
      close(fd)
      throw ElfError(path, .notELF, "not an ar archive")
    }
    handle = ElfHandle(raw: elf)
    descriptor = fd
  }

  deinit {
    elf_end(handle.raw)
    close(descriptor)
  }

  /// elf_getarsym: (symbol, member offset) of the archive's symbol index; empty without one.
  func symbolIndex() -> [(String, UInt64)] {
    var count = 0
    guard let table = elf_getarsym(handle.raw, &count) else { return [] }
    var result: [(String, UInt64)] = []
    for i in 0..<count {
      let entry = table[i]
      guard let name = entry.as_name else { continue }
      result.append((String(cString: name), UInt64(entry.as_off)))
    }
    return result
  }

  /// elf_rand and elf_getarhdr: the member name at `offset`, nil when there is no member there.
  func memberName(at offset: UInt64) -> String? {
    guard elf_rand(handle.raw, Int(offset)) == Int(offset),
      let member = elf_begin(descriptor, ELF_C_READ_MMAP, handle.raw)
    else { return nil }
    defer { elf_end(member) }
    guard let header = elf_getarhdr(member), let name = header.pointee.ar_name else { return nil }
    return String(cString: name)
  }
}
