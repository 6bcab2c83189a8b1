#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Everything an edit of the dynamic section needs to know about a file, read through libelf and
/// bounds-checked: the header layout, program headers, section headers, every slot of the dynamic
/// table (DT_NULL padding included) and where the dynamic string table is. Reads go through the
/// descriptor the caller holds (and has locked).
final class PatchSource {
  let path: String
  let descriptor: Int32
  let image: ElfImage
  let identity: ElfIdentity
  let codec: ByteCodec
  let fileSize: UInt64
  let header: ElfHeaderLayout
  let programHeaders: [ProgramHeader]
  let sections: [SectionHeader]
  /// Index of PT_DYNAMIC in `programHeaders`.
  let dynamicPhdrIndex: Int
  /// Every slot of the dynamic table that PT_DYNAMIC covers, DT_NULL padding included.
  let dynamicSlots: [DynamicEntry]
  /// The first DT_NULL, nil when the table has none.
  let nullIndex: Int?
  let stringTableAddress: UInt64
  let stringTableOffset: UInt64
  let stringTableSize: UInt64
  let checked: Checked

  /// Reads `path` through `descriptor` (open, locked) and libelf.
  init(path: String, descriptor: Int32) throws(ElfError) {
    self.path = path
    self.descriptor = descriptor
    checked = Checked(path: path)
    let image = try ElfImage(path: path, access: .read)
    self.image = image
    identity = image.identity
    codec = ByteCodec(elfClass: identity.elfClass, byteOrder: identity.byteOrder)
    fileSize = image.fileSize
    header = try image.headerLayout()
    guard header.rawPhnum != 0xffff else {
      throw ElfError(path, .usage, "it has more than 65534 program headers (PN_XNUM); elfdyn does not edit such files")
    }
    guard header.phentsize == codec.phdrSize else {
      throw ElfError(path, .malformed, "e_phentsize is \(header.phentsize), expected \(codec.phdrSize)")
    }
    programHeaders = try image.programHeaders()
    if header.shnum > 0 {
      guard header.shentsize == codec.shdrSize else {
        throw ElfError(path, .malformed, "e_shentsize is \(header.shentsize), expected \(codec.shdrSize)")
      }
      sections = try image.sectionHeaders(count: header.shnum, namesIndex: header.shstrndx)
    } else {
      sections = []
    }
    guard let dynIndex = programHeaders.firstIndex(where: { $0.type == ProgramHeader.dynamic }) else {
      throw ElfError(path, .usage, "not a dynamically linked file (it has no PT_DYNAMIC)")
    }
    dynamicPhdrIndex = dynIndex
    let dynamic = programHeaders[dynIndex]
    let entrySize = UInt64(codec.dynSize)
    let count = dynamic.filesz / entrySize
    guard count > 0 else {
      throw ElfError(path, .malformed, "PT_DYNAMIC is empty (size \(hex(dynamic.filesz)))")
    }
    let chunk = try image.chunk(
      offset: dynamic.offset, size: count * entrySize, type: .dyn, what: "the dynamic section (PT_DYNAMIC)")
    dynamicSlots = image.dynamicEntries(chunk)
    nullIndex = dynamicSlots.firstIndex(where: { $0.tag == DynamicTag.null })
    let live = Array(dynamicSlots[..<(nullIndex ?? dynamicSlots.count)])
    guard let strtab = live.first(where: { $0.tag == DynamicTag.strtab })?.value else {
      throw ElfError(path, .malformed, "the dynamic section has no DT_STRTAB")
    }
    guard let strsz = live.first(where: { $0.tag == DynamicTag.strsz })?.value else {
      throw ElfError(path, .malformed, "the dynamic section has no DT_STRSZ")
    }
    guard let offset = ElfFile.fileOffset(ofAddress: strtab, size: strsz, in: programHeaders) else {
      throw ElfError(
        path, .malformed, "DT_STRTAB at address \(hex(strtab)) (size \(hex(strsz))) is outside every PT_LOAD segment")
    }
    guard try checked.add(offset, strsz, "the end of the dynamic string table") <= fileSize else {
      throw ElfError(path, .malformed, "the dynamic string table runs past the end of the file")
    }
    stringTableAddress = strtab
    stringTableOffset = offset
    stringTableSize = strsz
  }

  /// The live dynamic entries (before the first DT_NULL).
  var liveEntries: ArraySlice<DynamicEntry> { dynamicSlots[..<(nullIndex ?? dynamicSlots.count)] }

  var dynamicHeader: ProgramHeader { programHeaders[dynamicPhdrIndex] }

  /// pread of exactly `count` bytes at `offset`, checked against the file size.
  func read(offset: UInt64, count: Int, what: String) throws(ElfError) -> [UInt8] {
    guard count >= 0, offset <= fileSize, UInt64(count) <= fileSize - offset else {
      throw ElfError(path, .malformed, "\(what) at offset \(hex(offset)) lies outside the file")
    }
    var buffer = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
      let n = buffer.withUnsafeMutableBytes { raw in
        pread(descriptor, raw.baseAddress.map { $0 + done }, count - done, off_t(offset) + off_t(done))
      }
      if n < 0 {
        if errno == EINTR { continue }
        throw ElfError(path, .io(errno: errno), "cannot read \(what): \(String(cString: strerror(errno)))")
      }
      if n == 0 { throw ElfError(path, .malformed, "\(what) runs past the end of the file") }
      done += n
    }
    return buffer
  }

  /// The NUL-terminated string at `offset` in the dynamic string table.
  func dynamicString(at offset: UInt64) throws(ElfError) -> String {
    guard offset < stringTableSize else {
      throw ElfError(
        path, .malformed,
        "string offset \(hex(offset)) is outside the dynamic string table (size \(hex(stringTableSize)))")
    }
    var result: [UInt8] = []
    var position = offset
    while position < stringTableSize {
      let count = Int(min(256, stringTableSize - position))
      let bytes = try read(offset: stringTableOffset + position, count: count, what: "the dynamic string table")
      if let end = bytes.firstIndex(of: 0) {
        result += bytes[..<end]
        return String(decoding: result, as: UTF8.self)
      }
      result += bytes
      position += UInt64(count)
    }
    throw ElfError(
      path, .malformed, "the string at offset \(hex(offset)) runs past the end of the dynamic string table")
  }

  /// Calls `body` with the symbols of the section at `index`, in windows of at most 1 MiB, with the
  /// index of the first symbol of each window. Stops when `body` returns false.
  func forEachSymbolWindow(
    section: SectionHeader, _ body: (Int, [SymbolRecord]) throws(ElfError) -> Bool
  ) throws(ElfError) {
    let entrySize = UInt64(codec.symSize)
    guard section.type != SectionHeader.nobits, section.size >= entrySize else { return }
    let end = try checked.add(section.offset, section.size, "symbol table \(section.name) end")
    guard end <= fileSize else {
      throw ElfError(path, .malformed, "symbol table \(section.name) lies outside the file")
    }
    let total = section.size / entrySize
    let perWindow: UInt64 = max(1, (1 << 20) / entrySize)
    var first: UInt64 = 0
    while first < total {
      let count = min(perWindow, total - first)
      let bytes = try read(
        offset: section.offset + first * entrySize, count: Int(count * entrySize), what: "symbol table \(section.name)")
      var records: [SymbolRecord] = []
      var failure: ElfError?
      bytes.withUnsafeBytes { raw in
        do throws(ElfError) { records = try image.decodeSymbols(raw) } catch { failure = error }
      }
      if let failure { throw failure }
      guard try body(Int(first), records) else { return }
      first += count
    }
  }

  /// The section that holds the dynamic string table (same address and offset), nil if none.
  var dynamicStringSection: SectionHeader? {
    sections.first {
      $0.type == SectionHeader.strtab && $0.flags & SectionHeader.flagAlloc != 0
        && $0.addr == stringTableAddress && $0.offset == stringTableOffset
    }
  }

  /// The SHT_DYNAMIC section at PT_DYNAMIC's offset, nil if none.
  var dynamicSection: SectionHeader? {
    sections.first { $0.type == SectionHeader.dynamicType && $0.offset == dynamicHeader.offset }
  }
}
