// Symbol table and symbol versioning vocabulary.

/// `ELF_ST_BIND(st_info)`.
public struct SymbolBinding: RawRepresentable, Hashable, Sendable {
  /// The STB_* number.
  public var rawValue: UInt8
  /// A binding by its number.
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  /// STB_LOCAL.
  public static let local = SymbolBinding(rawValue: 0)
  /// STB_GLOBAL.
  public static let global = SymbolBinding(rawValue: 1)
  /// STB_WEAK.
  public static let weak = SymbolBinding(rawValue: 2)
  /// STB_GNU_UNIQUE.
  public static let gnuUnique = SymbolBinding(rawValue: 10)

  /// GLOBAL, WEAK or GNU_UNIQUE: what the loader's lookup accepts (`do_lookup_x`).
  var isExported: Bool { self == .global || self == .weak || self == .gnuUnique }
}

/// `ELF_ST_TYPE(st_info)`.
public struct SymbolType: RawRepresentable, Hashable, Sendable {
  /// The STT_* number.
  public var rawValue: UInt8
  /// A type by its number.
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  /// STT_NOTYPE.
  public static let notype = SymbolType(rawValue: 0)
  /// STT_OBJECT.
  public static let object = SymbolType(rawValue: 1)
  /// STT_FUNC.
  public static let function = SymbolType(rawValue: 2)
  /// STT_SECTION.
  public static let section = SymbolType(rawValue: 3)
  /// STT_FILE.
  public static let file = SymbolType(rawValue: 4)
  /// STT_COMMON.
  public static let common = SymbolType(rawValue: 5)
  /// STT_TLS.
  public static let tls = SymbolType(rawValue: 6)
  /// STT_GNU_IFUNC.
  public static let gnuIFunc = SymbolType(rawValue: 10)

  /// The types `check_match` accepts (ALLOWED_STT: NOTYPE, OBJECT, FUNC, COMMON, TLS, GNU_IFUNC).
  var isLoaderVisible: Bool {
    switch self {
    case .notype, .object, .function, .common, .tls, .gnuIFunc: return true
    default: return false
    }
  }
}

/// `ELF_ST_VISIBILITY(st_other)`.
public struct SymbolVisibility: RawRepresentable, Hashable, Sendable {
  /// The STV_* number.
  public var rawValue: UInt8
  /// A visibility by its number.
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  /// STV_DEFAULT.
  public static let `default` = SymbolVisibility(rawValue: 0)
  /// STV_INTERNAL.
  public static let `internal` = SymbolVisibility(rawValue: 1)
  /// STV_HIDDEN.
  public static let hidden = SymbolVisibility(rawValue: 2)
  /// STV_PROTECTED.
  public static let protected = SymbolVisibility(rawValue: 3)

  /// HIDDEN or INTERNAL: a definition only its own object can use.
  var isLocal: Bool { self == .hidden || self == .internal }
}

/// `st_shndx`.
public struct SectionIndex: RawRepresentable, Hashable, Sendable {
  /// The section number or SHN_* value.
  public var rawValue: UInt16
  /// An index by its number.
  public init(rawValue: UInt16) { self.rawValue = rawValue }
  /// SHN_UNDEF: an undefined symbol.
  public static let undefined = SectionIndex(rawValue: 0)
  /// SHN_LORESERVE: the first reserved index.
  public static let loReserve = SectionIndex(rawValue: 0xff00)
  /// SHN_ABS: an absolute value.
  public static let absolute = SectionIndex(rawValue: 0xfff1)
  /// SHN_COMMON.
  public static let common = SectionIndex(rawValue: 0xfff2)

  /// A real section (not undefined and not reserved).
  var isSection: Bool { rawValue > 0 && rawValue < SectionIndex.loReserve.rawValue }
}

/// One symbol table entry, decoded.
struct SymbolRecord: Sendable, Equatable {
  /// `st_name`, an offset into the table's string table.
  var name: UInt32
  var value: UInt64
  var size: UInt64
  var info: UInt8
  var other: UInt8
  var shndx: SectionIndex

  var binding: SymbolBinding { SymbolBinding(rawValue: info >> 4) }
  var type: SymbolType { SymbolType(rawValue: info & 0xf) }
  var visibility: SymbolVisibility { SymbolVisibility(rawValue: other & 0x3) }
  var isDefined: Bool { shndx != .undefined }

  /// glibc's "no value" test: st_value 0 is ignored unless the symbol is TLS or absolute.
  var hasUsableValue: Bool { value != 0 || shndx == .absolute || type == .tls }

  /// The size of one entry in the file.
  static func size(_ elfClass: ElfClass) -> Int { elfClass == .elf64 ? 24 : 16 }
  /// The offset of st_value inside an entry.
  static func valueOffset(_ elfClass: ElfClass) -> Int { elfClass == .elf64 ? 8 : 4 }

  /// Decodes the entry at `at` (bounds-checked once for the whole entry: nil past the end).
  @inline(__always)
  static func decode(_ reader: ByteReader, at: Int, elfClass: ElfClass) -> SymbolRecord? {
    guard reader.contains(at, size: size(elfClass)) else { return nil }
    if elfClass == .elf64 {
      return SymbolRecord(
        name: reader.unchecked(at, as: UInt32.self), value: reader.unchecked(at + 8, as: UInt64.self),
        size: reader.unchecked(at + 16, as: UInt64.self), info: reader.unchecked(at + 4, as: UInt8.self),
        other: reader.unchecked(at + 5, as: UInt8.self),
        shndx: SectionIndex(rawValue: reader.unchecked(at + 6, as: UInt16.self)))
    }
    return SymbolRecord(
      name: reader.unchecked(at, as: UInt32.self), value: UInt64(reader.unchecked(at + 4, as: UInt32.self)),
      size: UInt64(reader.unchecked(at + 8, as: UInt32.self)), info: reader.unchecked(at + 12, as: UInt8.self),
      other: reader.unchecked(at + 13, as: UInt8.self),
      shndx: SectionIndex(rawValue: reader.unchecked(at + 14, as: UInt16.self)))
  }
}

/// A DT_VERSYM entry: a version index with the hidden bit.
struct VersionIndex: Hashable, Sendable {
  var rawValue: UInt16
  /// VER_NDX_LOCAL (0) and VER_NDX_GLOBAL (1): no named version.
  static let local = VersionIndex(rawValue: 0)
  static let global = VersionIndex(rawValue: 1)
  /// The index without the hidden bit (0x7fff mask).
  var index: Int { Int(rawValue & 0x7fff) }
  /// VERSYM_HIDDEN (0x8000): not the default version of the name.
  var isHidden: Bool { rawValue & 0x8000 != 0 }
  /// Index 0, 1 or 2: a base or unnamed version (glibc's "default" for unversioned references).
  var isBaseVersion: Bool { index < 3 }
}

/// vd_flags and vna_flags bits.
struct VersionFlags: OptionSet, Hashable, Sendable {
  var rawValue: UInt16
  /// VER_FLG_BASE: the file's own version (its soname).
  static let base = VersionFlags(rawValue: 0x1)
  /// VER_FLG_WEAK: a requirement the loader only warns about.
  static let weak = VersionFlags(rawValue: 0x2)
}
