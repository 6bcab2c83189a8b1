// The dynamic section's vocabulary: tags and flags.

/// `d_tag`.
public struct DynamicTag: RawRepresentable, Hashable, Sendable {
  /// The DT_* number.
  public var rawValue: Int64
  /// A tag by its number.
  public init(rawValue: Int64) { self.rawValue = rawValue }

  /// DT_NULL, the end of the table.
  public static let null = DynamicTag(rawValue: 0)
  /// DT_NEEDED.
  public static let needed = DynamicTag(rawValue: 1)
  /// DT_PLTRELSZ.
  public static let pltrelsz = DynamicTag(rawValue: 2)
  /// DT_HASH.
  public static let hash = DynamicTag(rawValue: 4)
  /// DT_STRTAB.
  public static let strtab = DynamicTag(rawValue: 5)
  /// DT_SYMTAB.
  public static let symtab = DynamicTag(rawValue: 6)
  /// DT_RELA.
  public static let rela = DynamicTag(rawValue: 7)
  /// DT_RELASZ.
  public static let relasz = DynamicTag(rawValue: 8)
  /// DT_RELAENT.
  public static let relaent = DynamicTag(rawValue: 9)
  /// DT_STRSZ.
  public static let strsz = DynamicTag(rawValue: 10)
  /// DT_SYMENT.
  public static let syment = DynamicTag(rawValue: 11)
  /// DT_SONAME.
  public static let soname = DynamicTag(rawValue: 14)
  /// DT_RPATH.
  public static let rpath = DynamicTag(rawValue: 15)
  /// DT_SYMBOLIC.
  public static let symbolic = DynamicTag(rawValue: 16)
  /// DT_REL.
  public static let rel = DynamicTag(rawValue: 17)
  /// DT_RELSZ.
  public static let relsz = DynamicTag(rawValue: 18)
  /// DT_RELENT.
  public static let relent = DynamicTag(rawValue: 19)
  /// DT_PLTREL: DT_REL or DT_RELA, the kind of DT_JMPREL's entries.
  public static let pltrel = DynamicTag(rawValue: 20)
  /// DT_DEBUG.
  public static let debug = DynamicTag(rawValue: 21)
  /// DT_TEXTREL.
  public static let textrel = DynamicTag(rawValue: 22)
  /// DT_JMPREL, the PLT relocations.
  public static let jmprel = DynamicTag(rawValue: 23)
  /// DT_BIND_NOW.
  public static let bindNow = DynamicTag(rawValue: 24)
  /// DT_RUNPATH.
  public static let runpath = DynamicTag(rawValue: 29)
  /// DT_FLAGS.
  public static let flags = DynamicTag(rawValue: 30)
  /// DT_RELR.
  public static let relr = DynamicTag(rawValue: 36)
  /// DT_GNU_HASH.
  public static let gnuHash = DynamicTag(rawValue: 0x6fff_fef5)
  /// DT_CONFIG.
  public static let config = DynamicTag(rawValue: 0x6fff_fefa)
  /// DT_DEPAUDIT.
  public static let depaudit = DynamicTag(rawValue: 0x6fff_fefb)
  /// DT_AUDIT.
  public static let audit = DynamicTag(rawValue: 0x6fff_fefc)
  /// DT_VERSYM.
  public static let versym = DynamicTag(rawValue: 0x6fff_fff0)
  /// DT_RELACOUNT: how many relative relocations start DT_RELA.
  public static let relacount = DynamicTag(rawValue: 0x6fff_fff9)
  /// DT_RELCOUNT: how many relative relocations start DT_REL.
  public static let relcount = DynamicTag(rawValue: 0x6fff_fffa)
  /// DT_FLAGS_1.
  public static let flags1 = DynamicTag(rawValue: 0x6fff_fffb)
  /// DT_VERDEF.
  public static let verdef = DynamicTag(rawValue: 0x6fff_fffc)
  /// DT_VERDEFNUM.
  public static let verdefnum = DynamicTag(rawValue: 0x6fff_fffd)
  /// DT_VERNEED.
  public static let verneed = DynamicTag(rawValue: 0x6fff_fffe)
  /// DT_VERNEEDNUM.
  public static let verneednum = DynamicTag(rawValue: 0x6fff_ffff)
  /// DT_AUXILIARY.
  public static let auxiliary = DynamicTag(rawValue: 0x7fff_fffd)
  /// DT_FILTER.
  public static let filter = DynamicTag(rawValue: 0x7fff_ffff)

  /// Whether the entry's value is an offset into the dynamic string table that resolution reads.
  var namesLoaderString: Bool {
    switch self {
    case .needed, .soname, .rpath, .runpath, .filter, .auxiliary: return true
    default: return false
    }
  }

  /// Whether the entry's value is an offset into the dynamic string table at all.
  var namesString: Bool { namesLoaderString || self == .config || self == .depaudit || self == .audit }

  /// Whether the entry's value is the address of a table that the dynamic section points to.
  var namesTableAddress: Bool {
    switch self {
    case .hash, .strtab, .symtab, .rela, .rel, .jmprel, .relr, .gnuHash, .versym, .verdef, .verneed: return true
    default: return false
    }
  }
}

/// DT_FLAGS bits.
public struct DynamicFlags: OptionSet, Hashable, Sendable {
  /// The DF_* bits.
  public var rawValue: UInt64
  /// Flags from their bits.
  public init(rawValue: UInt64) { self.rawValue = rawValue }
  /// DF_ORIGIN.
  public static let origin = DynamicFlags(rawValue: 0x1)
  /// DF_SYMBOLIC.
  public static let symbolic = DynamicFlags(rawValue: 0x2)
  /// DF_BIND_NOW.
  public static let bindNow = DynamicFlags(rawValue: 0x8)
  /// DF_STATIC_TLS.
  public static let staticTLS = DynamicFlags(rawValue: 0x10)
}

/// DT_FLAGS_1 bits.
public struct DynamicFlags1: OptionSet, Hashable, Sendable {
  /// The DF_1_* bits.
  public var rawValue: UInt64
  /// Flags from their bits.
  public init(rawValue: UInt64) { self.rawValue = rawValue }
  /// DF_1_NOW.
  public static let now = DynamicFlags1(rawValue: 0x1)
  /// DF_1_NODEFLIB: the cache and default directories are not searched for this object's needs.
  public static let noDefaultLib = DynamicFlags1(rawValue: 0x800)
  /// DF_1_PIE.
  public static let pie = DynamicFlags1(rawValue: 0x0800_0000)
}

/// One entry of the dynamic table, as read.
public struct DynamicEntry: Sendable, Equatable {
  /// `d_tag`.
  public var tag: DynamicTag
  /// `d_un`.
  public var value: UInt64
}
