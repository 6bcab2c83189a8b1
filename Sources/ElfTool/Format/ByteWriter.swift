/// Encodes ELF structures into file bytes by hand, in the file's class and byte order. Only the few
/// records an edit rewrites are encoded: program headers, section headers, dynamic entries, symbol
/// values and two fields of the ELF header.
struct ByteWriter: Sendable {
  let elfClass: ElfClass
  let byteOrder: ByteOrder

  var is64: Bool { elfClass == .elf64 }
  /// Size of an address or offset field.
  var wordSize: Int { is64 ? 8 : 4 }
  var phdrSize: Int { is64 ? 56 : 32 }
  var shdrSize: Int { is64 ? 64 : 40 }
  var dynSize: Int { is64 ? 16 : 8 }
  var symSize: Int { SymbolRecord.size(elfClass) }

  func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
    let ordered = byteOrder == .little ? value.littleEndian : value.bigEndian
    withUnsafeBytes(of: ordered) { out.append(contentsOf: $0) }
  }

  /// An address, offset or size field: 4 or 8 bytes. A value that does not fit an ELF32 field is a
  /// programming error caught by the plan's checks before encoding; it is truncated, never trapped.
  func appendWord(_ value: UInt64, to out: inout [UInt8]) {
    if is64 { append(value, to: &out) } else { append(UInt32(truncatingIfNeeded: value), to: &out) }
  }

  func encode(_ p: ProgramHeader) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(phdrSize)
    append(p.type.rawValue, to: &out)
    if is64 {
      append(p.flags.rawValue, to: &out)
      for v in [p.offset, p.vaddr, p.paddr, p.filesz, p.memsz, p.align] { append(v, to: &out) }
    } else {
      for v in [p.offset, p.vaddr, p.paddr, p.filesz, p.memsz] { appendWord(v, to: &out) }
      append(p.flags.rawValue, to: &out)
      appendWord(p.align, to: &out)
    }
    return out
  }

  func encode(_ s: SectionHeader, nameOffset: UInt32) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(shdrSize)
    append(nameOffset, to: &out)
    append(s.type.rawValue, to: &out)
    appendWord(s.flags.rawValue, to: &out)
    appendWord(s.addr, to: &out)
    appendWord(s.offset, to: &out)
    appendWord(s.size, to: &out)
    append(s.link, to: &out)
    append(s.info, to: &out)
    appendWord(s.addralign, to: &out)
    appendWord(s.entsize, to: &out)
    return out
  }

  func encode(_ d: DynamicEntry) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(dynSize)
    if is64 {
      append(d.tag.rawValue, to: &out)
      append(d.value, to: &out)
    } else {
      append(Int32(truncatingIfNeeded: d.tag.rawValue), to: &out)
      append(UInt32(truncatingIfNeeded: d.value), to: &out)
    }
    return out
  }

  /// The offset of st_value inside a symbol record.
  var symValueOffset: Int { SymbolRecord.valueOffset(elfClass) }
  /// The offset of e_phoff and e_phnum in the ELF header.
  var phoffFieldOffset: Int { is64 ? 0x20 : 0x1c }
  var phnumFieldOffset: Int { is64 ? 0x38 : 0x2c }

  /// The largest value an address or offset field holds.
  var maxWord: UInt64 { is64 ? UInt64.max : UInt64(UInt32.max) }
}

/// Overflow-checked arithmetic on values read from a file: an overflow is an `ElfError`, never a trap.
struct Checked {
  let path: String

  func add(_ a: UInt64, _ b: UInt64, _ what: @autoclosure () -> String) throws(ElfError) -> UInt64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    if overflow { throw ElfError(path, .malformed, "\(what()) overflows (\(hex(a)) + \(hex(b)))") }
    return sum
  }

  func multiply(_ a: UInt64, _ b: UInt64, _ what: @autoclosure () -> String) throws(ElfError) -> UInt64 {
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    if overflow { throw ElfError(path, .malformed, "\(what()) overflows (\(hex(a)) × \(hex(b)))") }
    return product
  }

  /// `value` rounded up to a multiple of `alignment` (a power of two, or 0/1 for none).
  func alignUp(_ value: UInt64, _ alignment: UInt64, _ what: @autoclosure () -> String) throws(ElfError) -> UInt64 {
    guard alignment > 1 else { return value }
    let raised = try add(value, alignment - 1, what())
    if alignment & (alignment - 1) == 0 { return raised & ~(alignment - 1) }
    return raised - raised % alignment
  }
}
