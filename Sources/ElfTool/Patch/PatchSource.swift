/// Everything an edit of the dynamic section needs to know about a file, read through the same
/// reading layer as everything else (ElfFile for the dynamic section and string table location,
/// libelf for the header and section headers, a mapping for bytes, `SymbolRecord` and
/// `VersionTables` for symbols and versions), over the descriptor the caller holds (and has locked).
final class PatchSource {
  let path: String
  let file: ElfFile
  let mapping: FileMapping
  let codec: ByteWriter
  let header: ElfHeaderLayout
  let sections: [SectionHeader]
  /// Index of PT_DYNAMIC in `programHeaders`.
  let dynamicPhdrIndex: Int
  let stringTableAddress: UInt64
  let stringTableOffset: UInt64
  let stringTableSize: UInt64
  let strings: StringTable
  let checked: Checked

  /// Reads `path` through `descriptor` (open, locked).
  init(path: String, descriptor: Int32) throws(ElfError) {
    self.path = path
    checked = Checked(path: path)
    let image = try ElfImage(borrowing: descriptor, path: path)
    let layout = try image.headerLayout()
    header = layout
    codec = ByteWriter(elfClass: image.identity.elfClass, byteOrder: image.identity.byteOrder)
    guard layout.rawPhnum != ElfHeaderLayout.extendedCount else {
      throw ElfError(path, .usage, "it has more than 65534 program headers (PN_XNUM); elfdyn does not edit such files")
    }
    guard layout.phentsize == codec.phdrSize else {
      throw ElfError(path, .malformed, "e_phentsize is \(layout.phentsize), expected \(codec.phdrSize)")
    }
    if layout.shnum > 0 {
      guard layout.shentsize == codec.shdrSize else {
        throw ElfError(path, .malformed, "e_shentsize is \(layout.shentsize), expected \(codec.shdrSize)")
      }
      sections = try image.sectionHeaders()
    } else {
      sections = []
    }
    file = try ElfFile(image: image, memory: nil)
    mapping = try FileMapping(descriptor: descriptor, path: path)
    guard mapping.stamp == file.stamp else {
      throw ElfError(path, .io(errno: 0), "the file was replaced while elfdyn was reading it")
    }
    guard let dynIndex = file.programHeaders.firstIndex(where: { $0.type == .dynamic }), let dynamic = file.dynamic
    else {
      throw ElfError(path, .usage, "not a dynamically linked file (it has no PT_DYNAMIC)")
    }
    dynamicPhdrIndex = dynIndex
    let location = try dynamic.stringTableLocation(path: path, programHeaders: file.programHeaders)
    stringTableAddress = location.address
    stringTableOffset = location.offset
    stringTableSize = location.size
    strings = try StringTable(
      mapping: mapping, offset: location.offset, size: location.size, what: "the dynamic string table")
  }

  var identity: ElfIdentity { file.identity }
  var fileSize: UInt64 { file.fileSize }
  var programHeaders: [ProgramHeader] { file.programHeaders }
  /// Every slot of the dynamic table that PT_DYNAMIC covers, DT_NULL padding included.
  var dynamicSlots: [DynamicEntry] { file.dynamic?.slots ?? [] }
  /// The first DT_NULL, nil when the table has none.
  var nullIndex: Int? { file.dynamic?.nullIndex }
  /// The entries before the first DT_NULL.
  var liveEntries: ArraySlice<DynamicEntry> { dynamicSlots[..<(nullIndex ?? dynamicSlots.count)] }
  var dynamicHeader: ProgramHeader { programHeaders[dynamicPhdrIndex] }

  /// `count` bytes at `offset` of the file; an error when they are not all there.
  func read(offset: UInt64, count: Int, what: String) throws(ElfError) -> [UInt8] {
    guard offset <= UInt64(mapping.count), UInt64(count) <= UInt64(mapping.count) - offset else {
      throw ElfError(path, .malformed, "\(what) runs past the end of the file")
    }
    return mapping.withBytes { Array($0[Int(offset)..<Int(offset) + count]) }
  }

  /// The NUL-terminated string at `offset` in the dynamic string table.
  func dynamicString(at offset: UInt64) throws(ElfError) -> String {
    try strings.string(at: offset, what: "a dynamic string")
  }

  /// Calls `body` with the symbols of a symbol table section, with the index of the first symbol
  /// of each window of at most 1 MiB. Stops when `body` returns false.
  func forEachSymbolWindow(
    section: SectionHeader, _ body: (Int, [SymbolRecord]) throws(ElfError) -> Bool
  ) throws(ElfError) {
    let entrySize = UInt64(codec.symSize)
    guard section.type != .nobits, section.size >= entrySize else { return }
    let end = try checked.add(section.offset, section.size, "symbol table \(section.name) end")
    guard end <= fileSize, end <= UInt64(mapping.count) else {
      throw ElfError(path, .malformed, "symbol table \(section.name) lies outside the file")
    }
    let total = section.size / entrySize
    let perWindow: UInt64 = max(1, (1 << 20) / entrySize)
    var first: UInt64 = 0
    let elfClass = identity.elfClass
    while first < total {
      let count = min(perWindow, total - first)
      let start = Int(section.offset + first * entrySize)
      let records: [SymbolRecord] = mapping.withBytes { bytes in
        let reader = ByteReader(bytes, order: identity.byteOrder)
        // Reserved up front: growing the array as compactMap does was 11.5 of the 57 million
        // instructions of a set-rpath on librustc_driver.
        var records: [SymbolRecord] = []
        records.reserveCapacity(Int(count))
        for number in 0..<Int(count) {
          if let symbol = SymbolRecord.decode(reader, at: start + number * Int(entrySize), elfClass: elfClass) {
            records.append(symbol)
          }
        }
        return records
      }
      guard try body(Int(first), records) else { return }
      first += count
    }
  }

  /// Every string offset the version definitions and requirements name; nil when a table cannot be
  /// read (the caller then treats every string as shared).
  func versionNameOffsets() -> [UInt64]? {
    // A table that cannot be read: every string counts as shared.
    guard let records = try? file.versionRecords(in: mapping) else { return nil }
    return VersionTables.nameOffsets(definitions: records.definitions, requirements: records.requirements).map {
      UInt64($0)
    }
  }

  /// The section that holds the dynamic string table (same address and offset), nil if none.
  var dynamicStringSection: SectionHeader? {
    sections.first {
      $0.type == .strtab && $0.flags.contains(.alloc) && $0.addr == stringTableAddress
        && $0.offset == stringTableOffset
    }
  }

  /// The SHT_DYNAMIC section at PT_DYNAMIC's offset, nil if none.
  var dynamicSection: SectionHeader? {
    sections.first { $0.type == .dynamic && $0.offset == dynamicHeader.offset }
  }
}
