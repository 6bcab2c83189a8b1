/// DT_VERDEF and DT_VERNEED, the symbol version definitions and requirements, decoded as chains of
/// records (Elf_Verdef + Elf_Verdaux, Elf_Verneed + Elf_Vernaux) that link by byte offsets. Names
/// are offsets into the dynamic string table; callers resolve them (or only collect them).
enum VersionTables {
  /// One Elf_Verdef with its Elf_Verdaux names (the first is the version's own name).
  struct Definition: Sendable {
    var flags: VersionFlags
    var index: Int
    var hash: UInt32
    var names: [UInt32]
  }

  /// One Elf_Verneed: the file that must provide the versions, and each Elf_Vernaux.
  struct Requirement: Sendable {
    var file: UInt32
    var versions: [Needed]
  }

  /// One Elf_Vernaux.
  struct Needed: Sendable {
    var hash: UInt32
    var flags: VersionFlags
    /// vna_other: the version index symbols use for it, with the hidden bit.
    var other: VersionIndex
    var name: UInt32
  }

  /// At most this many records are followed in a chain (a loop in a broken file ends here).
  static let recordLimit = 1 << 16

  /// The definitions at `at` of `bytes` (DT_VERDEFNUM records, or up to vd_next 0 when nil).
  static func definitions(_ bytes: ByteReader, at: Int, count: Int?, path: String) throws(ElfError) -> [Definition] {
    var result: [Definition] = []
    var position = at
    for _ in 0..<min(count ?? recordLimit, recordLimit) {
      guard let flags = bytes.u16(position + 2), let index = bytes.u16(position + 4),
        let auxCount = bytes.u16(position + 6), let hash = bytes.u32(position + 8),
        let aux = bytes.u32(position + 12), let next = bytes.u32(position + 16)
      else { throw ElfError(path, .malformed, "a version definition at offset \(hex(position)) lies outside the file") }
      var names: [UInt32] = []
      var auxPosition = position + Int(aux)
      for _ in 0..<max(Int(auxCount), 1) {
        guard let name = bytes.u32(auxPosition), let auxNext = bytes.u32(auxPosition + 4) else {
          throw ElfError(path, .malformed, "a version name record at offset \(hex(auxPosition)) lies outside the file")
        }
        names.append(name)
        if auxNext == 0 { break }
        auxPosition += Int(auxNext)
      }
      result.append(
        Definition(
          flags: VersionFlags(rawValue: flags), index: VersionIndex(rawValue: index).index, hash: hash, names: names))
      if next == 0 { break }
      position += Int(next)
    }
    return result
  }

  /// The requirements at `at` of `bytes` (DT_VERNEEDNUM records, or up to vn_next 0 when nil).
  static func requirements(_ bytes: ByteReader, at: Int, count: Int?, path: String) throws(ElfError) -> [Requirement] {
    var result: [Requirement] = []
    var position = at
    for _ in 0..<min(count ?? recordLimit, recordLimit) {
      guard let auxCount = bytes.u16(position + 2), let file = bytes.u32(position + 4),
        let aux = bytes.u32(position + 8), let next = bytes.u32(position + 12)
      else {
        throw ElfError(path, .malformed, "a version requirement at offset \(hex(position)) lies outside the file")
      }
      var versions: [Needed] = []
      var auxPosition = position + Int(aux)
      for _ in 0..<Int(auxCount) {
        guard let hash = bytes.u32(auxPosition), let flags = bytes.u16(auxPosition + 4),
          let other = bytes.u16(auxPosition + 6), let name = bytes.u32(auxPosition + 8),
          let auxNext = bytes.u32(auxPosition + 12)
        else {
          throw ElfError(
            path, .malformed, "a needed version record at offset \(hex(auxPosition)) lies outside the file")
        }
        versions.append(
          Needed(hash: hash, flags: VersionFlags(rawValue: flags), other: VersionIndex(rawValue: other), name: name))
        if auxNext == 0 { break }
        auxPosition += Int(auxNext)
      }
      result.append(Requirement(file: file, versions: versions))
      if next == 0 { break }
      position += Int(next)
    }
    return result
  }

  /// Every string offset the records name (for an edit that must know which strings are in use).
  static func nameOffsets(definitions: [Definition], requirements: [Requirement]) -> [UInt32] {
    definitions.flatMap(\.names) + requirements.flatMap { [$0.file] + $0.versions.map(\.name) }
  }
}

extension ElfFile {
  /// The version definitions and requirements DT_VERDEF and DT_VERNEED point to, read from
  /// `mapping` (DT_VERDEFNUM/DT_VERNEEDNUM records, or up to the chain's end without them); empty
  /// for a file without them. An error when a table lies outside the segments or the file.
  func versionRecords(in mapping: FileMapping) throws(ElfError) -> (
    definitions: [VersionTables.Definition], requirements: [VersionTables.Requirement]
  ) {
    guard let dynamic else { return ([], []) }
    func location(_ tag: DynamicTag, _ countTag: DynamicTag, _ what: String) throws(ElfError) -> (Int, Int?)? {
      guard let address = dynamic.value(of: tag) else { return nil }
      guard let at = fileOffset(ofAddress: address) else {
        throw ElfError(path, .malformed, "\(what) at address \(hex(address)) is outside every PT_LOAD segment")
      }
      let count = dynamic.value(of: countTag).map { Int(min($0, UInt64(VersionTables.recordLimit))) }
      return (Int(at), count)
    }
    let definitions = try location(.verdef, .verdefnum, "DT_VERDEF")
    let requirements = try location(.verneed, .verneednum, "DT_VERNEED")
    let order = identity.byteOrder
    let file = path
    return try mapping.withBytes { (bytes) throws(ElfError) in
      let reader = ByteReader(bytes, order: order)
      return (
        try definitions.map { (at, count) throws(ElfError) in
          try VersionTables.definitions(reader, at: at, count: count, path: file)
        } ?? [],
        try requirements.map { (at, count) throws(ElfError) in
          try VersionTables.requirements(reader, at: at, count: count, path: file)
        } ?? []
      )
    }
  }
}
