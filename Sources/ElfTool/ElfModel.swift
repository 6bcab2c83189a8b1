/// Decoded ELF values. Nothing here holds a libelf pointer; everything is bounds-checked when read.

/// ELFCLASS32 or ELFCLASS64.
public enum ElfClass: UInt8, Sendable, CustomStringConvertible {
  case elf32 = 1
  case elf64 = 2
  public var description: String { self == .elf32 ? "ELF32" : "ELF64" }
  public var bits: Int { self == .elf32 ? 32 : 64 }
}

/// The byte order, EI_DATA.
public enum ByteOrder: UInt8, Sendable, CustomStringConvertible {
  case little = 1
  case big = 2
  public var description: String { self == .little ? "little-endian" : "big-endian" }
}

/// e_type.
public enum ObjectType: Sendable, Equatable, CustomStringConvertible {
  case relocatable, executable, shared, core, other(UInt16)
  init(_ raw: UInt16) {
    switch raw {
    case 1: self = .relocatable
    case 2: self = .executable
    case 3: self = .shared
    case 4: self = .core
    default: self = .other(raw)
    }
  }
  public var description: String {
    switch self {
    case .relocatable: return "relocatable object"
    case .executable: return "executable"
    case .shared: return "shared object"
    case .core: return "core file"
    case .other(let raw): return "ELF type \(raw)"
    }
  }
}

/// e_machine, with names for the machines elfdyn knows about.
public struct Machine: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  public var rawValue: UInt16
  public init(rawValue: UInt16) { self.rawValue = rawValue }
  public static let i386 = Machine(rawValue: 3)
  public static let mips = Machine(rawValue: 8)
  public static let ppc = Machine(rawValue: 20)
  public static let ppc64 = Machine(rawValue: 21)
  public static let s390 = Machine(rawValue: 22)
  public static let arm = Machine(rawValue: 40)
  public static let sparcv9 = Machine(rawValue: 43)
  public static let ia64 = Machine(rawValue: 50)
  public static let x86_64 = Machine(rawValue: 62)
  public static let aarch64 = Machine(rawValue: 183)
  public static let riscv = Machine(rawValue: 243)
  public static let loongarch = Machine(rawValue: 258)

  public var description: String {
    switch self {
    case .i386: return "i386"
    case .mips: return "MIPS"
    case .ppc: return "PowerPC"
    case .ppc64: return "PowerPC64"
    case .s390: return "S/390"
    case .arm: return "ARM"
    case .sparcv9: return "SPARC V9"
    case .ia64: return "IA-64"
    case .x86_64: return "x86-64"
    case .aarch64: return "AArch64"
    case .riscv: return "RISC-V"
    case .loongarch: return "LoongArch"
    default: return "machine \(rawValue)"
    }
  }
}

/// What the loader compares before it accepts a candidate file: the e_ident bytes and a few header
/// fields, read from the first 64 bytes.
public struct ElfIdentity: Sendable, Equatable {
  public var elfClass: ElfClass
  public var byteOrder: ByteOrder
  public var osABI: UInt8
  public var abiVersion: UInt8
  public var type: ObjectType
  public var machine: Machine
  public var flags: UInt32

  /// Whether a library of this identity can be loaded into a process of `other`'s: same class,
  /// byte order and machine (what glibc's open_verify and elf_machine_matches_host check).
  public func canLoad(into other: ElfIdentity) -> Bool {
    elfClass == other.elfClass && byteOrder == other.byteOrder && machine == other.machine
  }

  /// "ELF64 little-endian x86-64".
  public var summary: String { "\(elfClass) \(byteOrder) \(machine)" }
}

/// One program header.
public struct ProgramHeader: Sendable, Equatable {
  public var type: UInt32
  public var flags: UInt32
  public var offset: UInt64
  public var vaddr: UInt64
  public var paddr: UInt64
  public var filesz: UInt64
  public var memsz: UInt64
  public var align: UInt64

  public static let null: UInt32 = 0
  public static let load: UInt32 = 1
  public static let dynamic: UInt32 = 2
  public static let interp: UInt32 = 3
  public static let note: UInt32 = 4
  public static let phdr: UInt32 = 6
  public static let tls: UInt32 = 7
  public static let gnuEHFrame: UInt32 = 0x6474_e550
  public static let gnuStack: UInt32 = 0x6474_e551
  public static let gnuRelro: UInt32 = 0x6474_e552
  public static let gnuProperty: UInt32 = 0x6474_e553

  /// Whether the virtual address range [address, address+size) lies in this segment's file image.
  func containsFileImage(address: UInt64, size: UInt64) -> Bool {
    guard address >= vaddr else { return false }
    let delta = address - vaddr
    return delta <= filesz && size <= filesz - delta
  }
}

/// Dynamic tags elfdyn reads.
public enum DynamicTag {
  public static let null: Int64 = 0
  public static let needed: Int64 = 1
  public static let pltrelsz: Int64 = 2
  public static let hash: Int64 = 4
  public static let strtab: Int64 = 5
  public static let symtab: Int64 = 6
  public static let rela: Int64 = 7
  public static let relasz: Int64 = 8
  public static let relaent: Int64 = 9
  public static let strsz: Int64 = 10
  public static let syment: Int64 = 11
  public static let soname: Int64 = 14
  public static let rpath: Int64 = 15
  public static let symbolic: Int64 = 16
  public static let rel: Int64 = 17
  public static let relsz: Int64 = 18
  public static let relent: Int64 = 19
  public static let pltrel: Int64 = 20
  public static let debug: Int64 = 21
  public static let textrel: Int64 = 22
  public static let jmprel: Int64 = 23
  public static let bindNow: Int64 = 24
  public static let runpath: Int64 = 29
  public static let flags: Int64 = 30
  public static let relr: Int64 = 36
  public static let gnuHash: Int64 = 0x6fff_fef5
  public static let relacount: Int64 = 0x6fff_fff9
  public static let relcount: Int64 = 0x6fff_fffa
  public static let versym: Int64 = 0x6fff_fff0
  public static let flags1: Int64 = 0x6fff_fffb
  public static let verdef: Int64 = 0x6fff_fffc
  public static let verdefnum: Int64 = 0x6fff_fffd
  public static let verneed: Int64 = 0x6fff_fffe
  public static let verneednum: Int64 = 0x6fff_ffff
  public static let auxiliary: Int64 = 0x7fff_fffd
  public static let filter: Int64 = 0x7fff_ffff

  /// Whether the entry's value is an offset into the dynamic string table that resolution reads.
  static func namesString(_ tag: Int64) -> Bool {
    switch tag {
    case needed, soname, rpath, runpath, filter, auxiliary: return true
    default: return false
    }
  }
}

/// DF_* and DF_1_* bits.
public enum DynamicFlags {
  public static let origin: UInt64 = 0x1
  public static let symbolic: UInt64 = 0x2
  public static let bindNow: UInt64 = 0x8
  public static let staticTLS: UInt64 = 0x10
  public static let flag1Now: UInt64 = 0x1
  public static let flag1NoDefLib: UInt64 = 0x800
  public static let flag1PIE: UInt64 = 0x0800_0000
}

/// One entry of the dynamic table, as read.
public struct DynamicEntry: Sendable, Equatable {
  public var tag: Int64
  public var value: UInt64
}

/// A filter entry (DT_FILTER or DT_AUXILIARY) with its target name.
public struct FilterEntry: Sendable, Equatable {
  public var name: String
  public var auxiliary: Bool
}

/// The decoded dynamic section: the strings the loader needs, and every entry as it was read.
public struct DynamicInfo: Sendable {
  /// Every entry up to and excluding DT_NULL (or to the end of PT_DYNAMIC when it has none).
  public var entries: [DynamicEntry] = []
  /// The index of the DT_NULL terminator, nil when the table has none.
  public var nullIndex: Int?
  /// How many entries PT_DYNAMIC has room for.
  public var capacity: Int = 0
  public var needed: [String] = []
  public var soname: String?
  public var rpath: String?
  public var runpath: String?
  public var flags: UInt64 = 0
  public var flags1: UInt64 = 0
  /// DT_FILTER and DT_AUXILIARY in table order, interleaved with DT_NEEDED in `loadOrder`.
  public var filters: [FilterEntry] = []
  /// DT_NEEDED, DT_FILTER and DT_AUXILIARY names in the order they stand in the table.
  public var dependencies: [Dependency] = []

  /// One dependency-creating entry, in table order.
  public enum Dependency: Sendable, Equatable {
    case needed(String)
    case filter(String)
    case auxiliary(String)
    public var name: String {
      switch self {
      case .needed(let n), .filter(let n), .auxiliary(let n): return n
      }
    }
  }

  public func value(of tag: Int64) -> UInt64? {
    entries.first(where: { $0.tag == tag })?.value
  }

  /// DF_1_NODEFLIB: the cache and the default directories are not searched for this object's needs.
  public var noDefaultLib: Bool { flags1 & DynamicFlags.flag1NoDefLib != 0 }
}

/// A file's device and inode number.
public struct FileID: Hashable, Sendable {
  public var device: UInt64
  public var inode: UInt64
}

/// What identifies one version of a file: its ID, size and modification time.
public struct FileStamp: Hashable, Sendable {
  public var id: FileID
  public var size: UInt64
  public var seconds: Int64
  public var nanoseconds: Int64
}
