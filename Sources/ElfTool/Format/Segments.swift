// Program headers, section headers and the ELF header fields that locate them.

/// `p_type`.
public struct SegmentType: RawRepresentable, Hashable, Sendable {
  /// The PT_* number.
  public var rawValue: UInt32
  /// A segment type by its number.
  public init(rawValue: UInt32) { self.rawValue = rawValue }

  /// PT_NULL, an unused entry.
  public static let null = SegmentType(rawValue: 0)
  /// PT_LOAD.
  public static let load = SegmentType(rawValue: 1)
  /// PT_DYNAMIC.
  public static let dynamic = SegmentType(rawValue: 2)
  /// PT_INTERP, the program interpreter's path.
  public static let interp = SegmentType(rawValue: 3)
  /// PT_NOTE.
  public static let note = SegmentType(rawValue: 4)
  /// PT_PHDR, the program header table itself.
  public static let phdr = SegmentType(rawValue: 6)
  /// PT_TLS.
  public static let tls = SegmentType(rawValue: 7)
  /// PT_GNU_EH_FRAME.
  public static let gnuEHFrame = SegmentType(rawValue: 0x6474_e550)
  /// PT_GNU_STACK.
  public static let gnuStack = SegmentType(rawValue: 0x6474_e551)
  /// PT_GNU_RELRO.
  public static let gnuRelro = SegmentType(rawValue: 0x6474_e552)
  /// PT_GNU_PROPERTY.
  public static let gnuProperty = SegmentType(rawValue: 0x6474_e553)
}

/// `p_flags`.
public struct SegmentFlags: OptionSet, Hashable, Sendable {
  /// The PF_* bits.
  public var rawValue: UInt32
  /// Flags from their bits.
  public init(rawValue: UInt32) { self.rawValue = rawValue }

  /// PF_X.
  public static let execute = SegmentFlags(rawValue: 1)
  /// PF_W.
  public static let write = SegmentFlags(rawValue: 2)
  /// PF_R.
  public static let read = SegmentFlags(rawValue: 4)
}

/// One program header.
public struct ProgramHeader: Sendable, Equatable {
  /// `p_type`.
  public var type: SegmentType
  /// `p_flags`.
  public var flags: SegmentFlags
  /// `p_offset`.
  public var offset: UInt64
  /// `p_vaddr`.
  public var vaddr: UInt64
  /// `p_paddr`.
  public var paddr: UInt64
  /// `p_filesz`.
  public var filesz: UInt64
  /// `p_memsz`.
  public var memsz: UInt64
  /// `p_align`.
  public var align: UInt64

  /// Whether the virtual address range [address, address+size) lies in this segment's file image.
  func containsFileImage(address: UInt64, size: UInt64) -> Bool {
    guard address >= vaddr else { return false }
    let delta = address - vaddr
    return delta <= filesz && size <= filesz - delta
  }

  /// Whether the file offset lies in this segment's file image.
  func containsFileOffset(_ at: UInt64) -> Bool { at >= offset && at - offset < filesz }
}

/// The file offset of the virtual address range [address, address+size), through the PT_LOAD
/// segment that holds it in its file image; nil when none does.
func fileOffset(ofAddress address: UInt64, size: UInt64 = 0, in programHeaders: [ProgramHeader]) -> UInt64? {
  for phdr in programHeaders where phdr.type == .load && phdr.containsFileImage(address: address, size: size) {
    // p_offset comes from the file: an offset past 2^64 is no offset.
    let (offset, overflow) = phdr.offset.addingReportingOverflow(address - phdr.vaddr)
    return overflow ? nil : offset
  }
  return nil
}

/// `sh_type`.
struct SectionType: RawRepresentable, Hashable, Sendable {
  var rawValue: UInt32
  init(rawValue: UInt32) { self.rawValue = rawValue }

  static let null = SectionType(rawValue: 0)
  static let progbits = SectionType(rawValue: 1)
  static let symtab = SectionType(rawValue: 2)
  static let strtab = SectionType(rawValue: 3)
  static let dynamic = SectionType(rawValue: 6)
  static let note = SectionType(rawValue: 7)
  static let nobits = SectionType(rawValue: 8)
  static let dynsym = SectionType(rawValue: 11)
  static let gnuVerdef = SectionType(rawValue: 0x6fff_fffd)
  static let gnuVerneed = SectionType(rawValue: 0x6fff_fffe)
  static let gnuVersym = SectionType(rawValue: 0x6fff_ffff)
}

/// `sh_flags`.
struct SectionFlags: OptionSet, Hashable, Sendable {
  var rawValue: UInt64
  static let write = SectionFlags(rawValue: 0x1)
  static let alloc = SectionFlags(rawValue: 0x2)
}

/// One section header, with its name from the section header string table ("" when unreadable).
struct SectionHeader: Sendable, Equatable {
  var index: Int
  var name: String
  /// sh_name, the offset of the name in the section header string table.
  var nameOffset: UInt32
  var type: SectionType
  var flags: SectionFlags
  var addr: UInt64
  var offset: UInt64
  var size: UInt64
  var link: UInt32
  var info: UInt32
  var addralign: UInt64
  var entsize: UInt64

  /// The bytes it occupies in the file (none for SHT_NOBITS and SHT_NULL).
  var fileSize: UInt64 { type == .nobits || type == .null ? 0 : size }
}

/// The fields of the ELF header that say where the tables are.
struct ElfHeaderLayout: Sendable, Equatable {
  var type: ObjectType
  var phoff: UInt64
  var phentsize: Int
  /// e_phnum as stored in the header (PN_XNUM means the count is in section 0).
  var rawPhnum: Int
  /// The real number of program headers (elf_getphdrnum).
  var phnum: Int
  var shoff: UInt64
  var shentsize: Int
  /// The real number of sections (elf_getshdrnum), 0 when there is no section header table.
  var shnum: Int
  var shstrndx: Int

  /// PN_XNUM: e_phnum's escape value.
  static let extendedCount = 0xffff
}
