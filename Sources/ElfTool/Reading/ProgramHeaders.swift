/// The program header table, decoded from the file's bytes: where the ELF header says it is
/// (e_phoff, e_phentsize, e_phnum) and its entries. The reading layer (ElfImage) lends the bytes.
enum ProgramHeaderTable {
  /// e_phoff, e_phentsize and e_phnum, and e_shoff for PN_XNUM, from the ELF header in `head`.
  struct Location {
    var offset: UInt64
    var entrySize: UInt16
    /// e_phnum as stored: PN_XNUM means the count is section 0's sh_info.
    var storedCount: UInt16
    var sectionHeaderOffset: UInt64

    /// Whether the count is in section 0 (PN_XNUM with a section header table), as
    /// elf_getphdrnum reads it.
    var countIsInSectionZero: Bool {
      storedCount == UInt16(ElfHeaderLayout.extendedCount) && sectionHeaderOffset != 0
    }
  }

  /// The location fields of the ELF header at the start of `head`; nil when it is cut short.
  static func location(_ head: UnsafeRawBufferPointer, identity: ElfIdentity) -> Location? {
    let reader = ByteReader(head, order: identity.byteOrder)
    let elfClass = identity.elfClass
    let is64 = elfClass == .elf64
    guard let offset = reader.word(is64 ? 0x20 : 0x1c, elfClass),
      let sectionHeaderOffset = reader.word(is64 ? 0x28 : 0x20, elfClass),
      let entrySize = reader.u16(is64 ? 0x36 : 0x2a), let count = reader.u16(is64 ? 0x38 : 0x2c)
    else { return nil }
    return Location(
      offset: offset, entrySize: entrySize, storedCount: count, sectionHeaderOffset: sectionHeaderOffset)
  }

  /// Where sh_info lies in section header 0, and its size: the count under PN_XNUM.
  static func sectionZeroInfo(_ elfClass: ElfClass) -> (offset: UInt64, size: UInt64) {
    (elfClass == .elf64 ? 0x2c : 0x1c, 4)
  }

  /// The size of one entry of this class (glibc's loader takes no other e_phentsize).
  static func entrySize(_ elfClass: ElfClass) -> UInt64 { elfClass == .elf64 ? 56 : 32 }

  /// The entries in `bytes`, which hold `bytes.count / entrySize(class)` of them.
  static func decode(_ bytes: UnsafeRawBufferPointer, identity: ElfIdentity) -> [ProgramHeader] {
    let reader = ByteReader(bytes, order: identity.byteOrder)
    let is64 = identity.elfClass == .elf64
    let size = Int(entrySize(identity.elfClass))
    let count = bytes.count / size
    var result: [ProgramHeader] = []
    result.reserveCapacity(count)
    for index in 0..<count {
      let at = index * size
      // [at, at+size) lies in the bytes: index < bytes.count / size.
      func u32(_ field: Int) -> UInt32 { reader.unchecked(at + field, as: UInt32.self) }
      func u64(_ field: Int) -> UInt64 { reader.unchecked(at + field, as: UInt64.self) }
      if is64 {
        result.append(
          ProgramHeader(
            type: SegmentType(rawValue: u32(0)), flags: SegmentFlags(rawValue: u32(4)), offset: u64(8),
            vaddr: u64(16), paddr: u64(24), filesz: u64(32), memsz: u64(40), align: u64(48)))
      } else {
        result.append(
          ProgramHeader(
            type: SegmentType(rawValue: u32(0)), flags: SegmentFlags(rawValue: u32(24)), offset: UInt64(u32(4)),
            vaddr: UInt64(u32(8)), paddr: UInt64(u32(12)), filesz: UInt64(u32(16)), memsz: UInt64(u32(20)),
            align: UInt64(u32(28))))
      }
    }
    return result
  }
}
