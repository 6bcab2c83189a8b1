/// The decoded dynamic section: every slot PT_DYNAMIC covers, and the strings the loader needs.
public struct DynamicSection: Sendable {
  /// Every slot of the table that PT_DYNAMIC covers, DT_NULL padding included.
  public var slots: [DynamicEntry] = []
  /// The index of the first DT_NULL, nil when the table has none.
  public var nullIndex: Int?
  /// DT_NEEDED names, in order.
  public var needed: [String] = []
  /// DT_SONAME.
  public var soname: String?
  /// DT_RPATH.
  public var rpath: String?
  /// DT_RUNPATH.
  public var runpath: String?
  /// DT_FLAGS.
  public var flags = DynamicFlags()
  /// DT_FLAGS_1.
  public var flags1 = DynamicFlags1()
  /// DT_NEEDED, DT_FILTER and DT_AUXILIARY names in the order they stand in the table.
  public var dependencies: [Dependency] = []

  /// One dependency-creating entry, in table order.
  public enum Dependency: Sendable, Equatable {
    /// DT_NEEDED.
    case needed(String)
    /// DT_FILTER.
    case filter(String)
    /// DT_AUXILIARY.
    case auxiliary(String)

    /// The name the entry gives.
    public var name: String {
      switch self {
      case .needed(let n), .filter(let n), .auxiliary(let n): return n
      }
    }
  }

  /// Every entry up to and excluding DT_NULL (to the end of PT_DYNAMIC when it has none).
  public var entries: ArraySlice<DynamicEntry> { slots[..<(nullIndex ?? slots.count)] }

  /// The value of the first entry with `tag`.
  public func value(of tag: DynamicTag) -> UInt64? { entries.first(where: { $0.tag == tag })?.value }

  /// DF_1_NODEFLIB: the cache and the default directories are not searched for this object's needs.
  public var noDefaultLib: Bool { flags1.contains(.noDefaultLib) }

  /// The size of one entry in the file.
  static func entrySize(_ elfClass: ElfClass) -> Int { elfClass == .elf64 ? 16 : 8 }

  /// Decodes every whole entry of `bytes` (the bytes PT_DYNAMIC covers).
  static func decodeSlots(_ bytes: UnsafeRawBufferPointer, identity: ElfIdentity) -> [DynamicEntry] {
    let reader = ByteReader(bytes, order: identity.byteOrder)
    let size = entrySize(identity.elfClass)
    var result: [DynamicEntry] = []
    result.reserveCapacity(bytes.count / size)
    var at = 0
    while let tag = reader.signedWord(at, identity.elfClass), let value = reader.word(at + size / 2, identity.elfClass)
    {
      result.append(DynamicEntry(tag: DynamicTag(rawValue: tag), value: value))
      at += size
    }
    return result
  }

  /// Where the dynamic string table is: (file offset, size, address) from DT_STRTAB and DT_STRSZ
  /// through the PT_LOAD that holds it.
  func stringTableLocation(path: String, programHeaders: [ProgramHeader]) throws(ElfError) -> (
    offset: UInt64, size: UInt64, address: UInt64
  ) {
    guard let address = value(of: .strtab) else {
      throw ElfError(path, .malformed, "the dynamic section has no DT_STRTAB")
    }
    guard let size = value(of: .strsz) else {
      throw ElfError(path, .malformed, "the dynamic section has no DT_STRSZ")
    }
    guard let offset = fileOffset(ofAddress: address, size: size, in: programHeaders) else {
      throw ElfError(
        path, .malformed,
        "DT_STRTAB at address \(hex(address)) (size \(hex(size))) is outside every PT_LOAD segment")
    }
    return (offset, size, address)
  }
}
