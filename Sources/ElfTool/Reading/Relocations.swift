/// One dynamic relocation that names a symbol: the symbol index and the machine's type.
struct Relocation: Sendable {
  var symbol: UInt32
  var type: UInt32
}

/// Where an object's dynamic relocations are: DT_RELA/DT_RELASZ, DT_REL/DT_RELSZ and
/// DT_JMPREL/DT_PLTRELSZ (REL or RELA as DT_PLTREL says), as file ranges. The relative relocations
/// that DT_RELACOUNT/DT_RELCOUNT say come first are left out: they name no symbol.
struct RelocationTables: Sendable {
  struct Range: Sendable {
    var offset: Int
    var size: Int
    var rela: Bool
  }
  let ranges: [Range]
  let elfClass: ElfClass

  /// The ranges of `file`'s relocation tables; an error when one lies outside every PT_LOAD.
  init(file: ElfFile) throws(ElfError) {
    elfClass = file.identity.elfClass
    var ranges: [Range] = []
    guard let dynamic = file.dynamic else {
      self.ranges = []
      return
    }
    func add(_ addressTag: DynamicTag, _ sizeTag: DynamicTag, rela: Bool, countTag: DynamicTag?) throws(ElfError) {
      guard let address = dynamic.value(of: addressTag), var size = dynamic.value(of: sizeTag), size > 0 else {
        return
      }
      guard var at = file.fileOffset(ofAddress: address, size: size) else {
        throw ElfError(
          file.path, .malformed,
          "the relocation table at address \(hex(address)) (size \(hex(size))) is outside every PT_LOAD segment")
      }
      if let countTag, let relative = dynamic.value(of: countTag) {
        let entry = UInt64(Self.entrySize(file.identity.elfClass, rela: rela))
        let (skipped, overflow) = relative.multipliedReportingOverflow(by: entry)
        if !overflow && skipped < size {
          at += skipped
          size -= skipped
        }
      }
      ranges.append(Range(offset: Int(at), size: Int(size), rela: rela))
    }
    try add(.rela, .relasz, rela: true, countTag: .relacount)
    try add(.rel, .relsz, rela: false, countTag: .relcount)
    try add(.jmprel, .pltrelsz, rela: dynamic.value(of: .pltrel) != UInt64(DynamicTag.rel.rawValue), countTag: nil)
    self.ranges = ranges
  }

  static func entrySize(_ elfClass: ElfClass, rela: Bool) -> Int {
    elfClass == .elf64 ? (rela ? 24 : 16) : (rela ? 12 : 8)
  }

  /// Checks that every table lies in `fileSize` bytes (a segment may claim more than the file has).
  func validate(fileSize: Int, path: String) throws(ElfError) {
    for range in ranges where range.offset > fileSize || range.size > fileSize - range.offset {
      throw ElfError(
        path, .malformed,
        "a relocation table at offset \(hex(range.offset)) with size \(hex(range.size)) runs past the end of the file")
    }
  }

  /// Calls `body` with every relocation that names a symbol (r_info's symbol index is not 0).
  /// `file` must be the bytes `validate` was given the size of.
  func forEach(_ file: ByteReader, _ body: (Relocation) -> Void) {
    for range in ranges where file.contains(range.offset, size: range.size) {
      let size = Self.entrySize(elfClass, rela: range.rela)
      let infoOffset = elfClass == .elf64 ? 8 : 4
      var at = range.offset
      let end = range.offset + range.size
      while at + size <= end {
        if elfClass == .elf64 {
          let info = file.unchecked(at + infoOffset, as: UInt64.self)
          let symbol = UInt32(truncatingIfNeeded: info >> 32)
          if symbol != 0 { body(Relocation(symbol: symbol, type: UInt32(truncatingIfNeeded: info))) }
        } else {
          let info = file.unchecked(at + infoOffset, as: UInt32.self)
          let symbol = info >> 8
          if symbol != 0 { body(Relocation(symbol: symbol, type: info & 0xff)) }
        }
        at += size
      }
    }
  }
}
