// The ELF vocabulary of the file header: class, byte order, object type, machine. Every number of
// the format that elfdyn uses has a name in Format/; nothing outside this folder compares raw values.

/// ELFCLASS32 or ELFCLASS64 (`e_ident[EI_CLASS]`).
public enum ElfClass: UInt8, Sendable, CustomStringConvertible {
  /// 32-bit objects.
  case elf32 = 1
  /// 64-bit objects.
  case elf64 = 2

  /// "ELF32" or "ELF64".
  public var description: String { self == .elf32 ? "ELF32" : "ELF64" }
}

/// The byte order, `e_ident[EI_DATA]`.
public enum ByteOrder: UInt8, Sendable, CustomStringConvertible {
  /// ELFDATA2LSB.
  case little = 1
  /// ELFDATA2MSB.
  case big = 2

  /// "little-endian" or "big-endian".
  public var description: String { self == .little ? "little-endian" : "big-endian" }
}

/// The object file type, `e_type`.
public enum ObjectType: Sendable, Equatable, CustomStringConvertible {
  /// ET_REL, an object file.
  case relocatable
  /// ET_EXEC, an executable at a fixed address.
  case executable
  /// ET_DYN, a shared object or a position-independent executable.
  case shared
  /// ET_CORE.
  case core
  /// Any other value.
  case other(UInt16)

  init(_ raw: UInt16) {
    switch raw {
    case 1: self = .relocatable
    case 2: self = .executable
    case 3: self = .shared
    case 4: self = .core
    default: self = .other(raw)
    }
  }

  /// The raw `e_type`.
  var rawValue: UInt16 {
    switch self {
    case .relocatable: return 1
    case .executable: return 2
    case .shared: return 3
    case .core: return 4
    case .other(let raw): return raw
    }
  }

  /// "executable", "shared object", ...
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

/// `e_machine`, with names for the machines elfdyn knows.
public struct Machine: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  /// The EM_* number.
  public var rawValue: UInt16
  /// A machine by its EM_* number.
  public init(rawValue: UInt16) { self.rawValue = rawValue }

  /// EM_386.
  public static let i386 = Machine(rawValue: 3)
  /// EM_MIPS.
  public static let mips = Machine(rawValue: 8)
  /// EM_PPC.
  public static let ppc = Machine(rawValue: 20)
  /// EM_PPC64.
  public static let ppc64 = Machine(rawValue: 21)
  /// EM_S390 (also s390x).
  public static let s390 = Machine(rawValue: 22)
  /// EM_ARM.
  public static let arm = Machine(rawValue: 40)
  /// EM_SPARCV9.
  public static let sparcv9 = Machine(rawValue: 43)
  /// EM_IA_64.
  public static let ia64 = Machine(rawValue: 50)
  /// EM_X86_64.
  public static let x86_64 = Machine(rawValue: 62)
  /// EM_AARCH64.
  public static let aarch64 = Machine(rawValue: 183)
  /// EM_RISCV.
  public static let riscv = Machine(rawValue: 243)
  /// EM_LOONGARCH.
  public static let loongarch = Machine(rawValue: 258)

  /// "x86-64", "AArch64", ... or "machine N".
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

/// Machine-specific `e_flags` bits that decide which loader and cache entries apply.
enum MachineFlags {
  /// EF_ARM_ABI_FLOAT_HARD: the hard-float ABI (armhf).
  static let armHardFloat: UInt32 = 0x400
  /// EF_ARM_ABI_FLOAT_SOFT.
  static let armSoftFloat: UInt32 = 0x200
  /// EF_RISCV_FLOAT_ABI mask and its double-float value.
  static let riscvFloatABIMask: UInt32 = 0x6
  static let riscvFloatABIDouble: UInt32 = 0x4
  static let riscvFloatABISoft: UInt32 = 0x0
  /// The ABI version of a ppc64 object (1: ELFv1 with function descriptors, 2: ELFv2).
  static let ppc64ABIMask: UInt32 = 0x3
  /// LoongArch EF_LOONGARCH_ABI_MODIFIER_MASK and its soft-float value.
  static let loongarchABIMask: UInt32 = 0x3
  static let loongarchSoftFloat: UInt32 = 0x1
}

/// What the loader compares before it accepts a candidate file: the `e_ident` bytes and a few header
/// fields.
public struct ElfIdentity: Sendable, Equatable {
  /// 32 or 64 bits.
  public var elfClass: ElfClass
  /// Little- or big-endian.
  public var byteOrder: ByteOrder
  /// `e_ident[EI_OSABI]`.
  public var osABI: UInt8
  /// `e_ident[EI_ABIVERSION]`.
  public var abiVersion: UInt8
  /// `e_type`.
  public var type: ObjectType
  /// `e_machine`.
  public var machine: Machine
  /// `e_flags`.
  public var flags: UInt32

  /// Whether a library of this identity can be loaded into a process of `other`'s: same class,
  /// byte order and machine (what glibc's open_verify and elf_machine_matches_host check).
  public func canLoad(into other: ElfIdentity) -> Bool {
    elfClass == other.elfClass && byteOrder == other.byteOrder && machine == other.machine
  }

  /// "ELF64 little-endian x86-64".
  public var summary: String { "\(elfClass) \(byteOrder) \(machine)" }

  var is64: Bool { elfClass == .elf64 }
  /// armhf: ARM with EF_ARM_ABI_FLOAT_HARD.
  var isArmHardFloat: Bool { machine == .arm && flags & MachineFlags.armHardFloat != 0 }

  /// The size of the ELF header of this class.
  static func headerSize(_ elfClass: ElfClass) -> Int { elfClass == .elf64 ? 64 : 52 }

  /// The ELF magic, `\x7fELF`.
  static let magic: [UInt8] = [0x7f, 0x45, 0x4c, 0x46]

  /// Whether `head` starts with the ELF magic.
  static func hasMagic<C: Collection>(_ head: C) -> Bool where C.Element == UInt8 {
    head.count >= 4 && head.prefix(4).elementsEqual(magic)
  }

  /// Decodes the identity from the first bytes of a file (at least the header's size). The result
  /// says precisely what is wrong, with glibc's wording where the loader has one.
  /// "a script (#!/bin/sh), not an ELF file" for a file that starts with `#!`.
  static func scriptHint(_ head: [UInt8]) -> String? {
    guard head.starts(with: [UInt8(ascii: "#"), UInt8(ascii: "!")]) else { return nil }
    let line = head.dropFirst(2).prefix { $0 != 10 && $0 != 13 }.prefix(80)
    let text = String(decoding: line, as: UTF8.self).trimmingSpaces
    return "a script (#!\(text)), not an ELF file"
  }

  static func decode(_ head: [UInt8], path: String) throws(ElfError) -> ElfIdentity {
    let isELF = hasMagic(head)
    // glibc reads the header first and says "file too short" below the size of an ELF header,
    // whatever the bytes are (a short linker script included).
    let needed = isELF && head.count > 4 && head[4] == ElfClass.elf32.rawValue ? 52 : 64
    guard head.count >= needed else {
      let script = (scriptHint(head) ?? linkerScriptHint(head)).map { ": \($0)" } ?? ""
      throw ElfError(path, .notELF, "file too short (\(head.count) bytes)\(script)")
    }
    guard isELF else {
      if let script = scriptHint(head) ?? linkerScriptHint(head) {
        throw ElfError(path, .notELF, "invalid ELF header: \(script)")
      }
      throw ElfError(path, .notELF, "invalid ELF header: not an ELF file")
    }
    guard let elfClass = ElfClass(rawValue: head[4]) else {
      throw ElfError(path, .malformed, "invalid ELF class \(head[4]) in e_ident")
    }
    guard let order = ByteOrder(rawValue: head[5]) else {
      throw ElfError(path, .malformed, "invalid byte order \(head[5]) in e_ident")
    }
    // The header is at least 52 bytes here (checked above): these reads are in range.
    return head.withUnsafeBytes { bytes in
      let reader = ByteReader(bytes, order: order)
      let flagsOffset = elfClass == .elf64 ? 0x30 : 0x24
      return ElfIdentity(
        elfClass: elfClass, byteOrder: order, osABI: head[7], abiVersion: head[8],
        type: ObjectType(reader.u16(0x10) ?? 0), machine: Machine(rawValue: reader.u16(0x12) ?? 0),
        flags: reader.u32(flagsOffset) ?? 0)
    }
  }

  /// "it is a linker script, not a shared library" when the bytes look like one.
  private static func linkerScriptHint(_ head: [UInt8]) -> String? {
    let text = String(decoding: head.prefix(64), as: UTF8.self)
    for marker in ["GNU ld script", "INPUT", "GROUP", "OUTPUT_FORMAT"] where text.contains(marker) {
      return "it is a linker script, not a shared library"
    }
    return nil
  }
}

/// A file's device and inode number.
public struct FileID: Hashable, Sendable {
  /// `st_dev`.
  public var device: UInt64
  /// `st_ino`.
  public var inode: UInt64
}

/// What identifies one version of a file: its ID, size and modification time.
public struct FileStamp: Hashable, Sendable {
  /// Device and inode.
  public var id: FileID
  /// `st_size`.
  public var size: UInt64
  /// `st_mtim.tv_sec`.
  public var seconds: Int64
  /// `st_mtim.tv_nsec`.
  public var nanoseconds: Int64
}

extension String {
  /// Without leading and trailing spaces and tabs.
  fileprivate var trimmingSpaces: String {
    var scalars = Substring(self)
    while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
    while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
    return String(scalars)
  }
}
