/// An ELF file, decoded once: identity, program headers, interpreter and dynamic section, read
/// through the segments (never the section headers, which stripped files lack). Every offset taken
/// from the file is checked before it is used; a broken structure is an `ElfError` naming it.
public final class ElfFile {
  public let path: String
  public let identity: ElfIdentity
  public let programHeaders: [ProgramHeader]
  /// PT_INTERP, the program interpreter, for executables that have one.
  public let interpreter: String?
  /// The dynamic section, nil for a file without PT_DYNAMIC (a static executable, an object file).
  public let dynamic: DynamicInfo?
  public let fileSize: UInt64
  public let fileID: FileID
  public let stamp: FileStamp

  /// Opens and decodes `path`. Throws an `ElfError` whose kind says whether the file is missing,
  /// not ELF, or broken. libelf reads only the bytes needed, and its handle is released before
  /// this returns (symbol tables are read later from a mapping: `SymbolTable`).
  public init(path: String) throws(ElfError) {
    self.path = path
    let image = try ElfImage(path: path, access: .read)
    identity = image.identity
    fileSize = image.fileSize
    fileID = image.fileID
    stamp = image.stamp
    programHeaders = try image.programHeaders()
    var interp: String?
    if let phdr = programHeaders.first(where: { $0.type == ProgramHeader.interp }) {
      let chunk = try image.chunk(offset: phdr.offset, size: phdr.filesz, type: .bytes, what: "PT_INTERP")
      let bytes = chunk.bytes
      let end = bytes.firstIndex(of: 0) ?? bytes.count
      interp = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self)
    }
    interpreter = interp
    if let phdr = programHeaders.first(where: { $0.type == ProgramHeader.dynamic }) {
      dynamic = try Self.decodeDynamic(phdr, image: image, programHeaders: programHeaders)
    } else {
      dynamic = nil
    }
  }

  /// The file offset of the virtual address range [address, address+size), through the PT_LOAD
  /// segment that holds it in its file image; nil when none does.
  public func fileOffset(ofAddress address: UInt64, size: UInt64 = 0) -> UInt64? {
    Self.fileOffset(ofAddress: address, size: size, in: programHeaders)
  }

  static func fileOffset(ofAddress address: UInt64, size: UInt64, in programHeaders: [ProgramHeader]) -> UInt64? {
    for phdr in programHeaders where phdr.type == ProgramHeader.load {
      if phdr.containsFileImage(address: address, size: size) {
        // p_offset comes from the file: an offset past 2^64 is no offset.
        let (offset, overflow) = phdr.offset.addingReportingOverflow(address - phdr.vaddr)
        return overflow ? nil : offset
      }
    }
    return nil
  }

  /// The whole dynamic string table (DT_STRTAB, DT_STRSZ), bounds-checked, from a new mapping of
  /// the file.
  func stringTable(_ entries: [DynamicEntry]) throws(ElfError) -> StringTable {
    let image = try ElfImage(path: path, access: .map)
    return try Self.stringTable(entries, image: image, programHeaders: programHeaders)
  }

  static func stringTable(
    _ entries: [DynamicEntry], image: ElfImage, programHeaders: [ProgramHeader]
  ) throws(ElfError) -> StringTable {
    let (offset, size, address) = try stringTableLocation(entries, path: image.path, programHeaders: programHeaders)
    let chunk = try image.chunk(offset: offset, size: size, type: .bytes, what: "the dynamic string table")
    return StringTable(chunk: chunk, address: address, path: image.path)
  }

  private static func decodeDynamic(
    _ phdr: ProgramHeader, image: ElfImage, programHeaders: [ProgramHeader]
  ) throws(ElfError) -> DynamicInfo {
    let path = image.path
    var info = DynamicInfo()
    let entrySize = UInt64(max(image.fileSize(of: .dyn), 1))
    let count = phdr.filesz / entrySize
    guard count > 0 else {
      throw ElfError(path, .malformed, "PT_DYNAMIC is empty (size \(hex(phdr.filesz)))")
    }
    let chunk = try image.chunk(
      offset: phdr.offset, size: count * entrySize, type: .dyn, what: "the dynamic section (PT_DYNAMIC)")
    let all = image.dynamicEntries(chunk)
    info.capacity = all.count
    if let end = all.firstIndex(where: { $0.tag == DynamicTag.null }) {
      info.nullIndex = end
      info.entries = Array(all[..<end])
    } else {
      info.entries = all
    }
    // Only the strings the dynamic entries name are read, in one window when they lie close
    // together (a large library's .dynstr can be megabytes; resolution needs a few dozen bytes).
    let offsets = info.entries.filter { DynamicTag.namesString($0.tag) }.map(\.value)
    var strings: [(UInt64, String)] = []
    if !offsets.isEmpty {
      strings = try readStrings(offsets, entries: info.entries, image: image, programHeaders: programHeaders)
    }
    func name(_ entry: DynamicEntry, _ what: String) throws(ElfError) -> String {
      guard let value = strings.first(where: { $0.0 == entry.value })?.1 else {
        throw ElfError(path, .malformed, "\(what) string at offset \(hex(entry.value)) cannot be read")
      }
      return value
    }
    for entry in info.entries {
      switch entry.tag {
      case DynamicTag.needed:
        let value = try name(entry, "DT_NEEDED")
        info.needed.append(value)
        info.dependencies.append(.needed(value))
      case DynamicTag.soname: info.soname = try name(entry, "DT_SONAME")
      case DynamicTag.rpath: info.rpath = try name(entry, "DT_RPATH")
      case DynamicTag.runpath: info.runpath = try name(entry, "DT_RUNPATH")
      case DynamicTag.flags: info.flags = entry.value
      case DynamicTag.flags1: info.flags1 = entry.value
      case DynamicTag.filter:
        let value = try name(entry, "DT_FILTER")
        info.filters.append(FilterEntry(name: value, auxiliary: false))
        info.dependencies.append(.filter(value))
      case DynamicTag.auxiliary:
        let value = try name(entry, "DT_AUXILIARY")
        info.filters.append(FilterEntry(name: value, auxiliary: true))
        info.dependencies.append(.auxiliary(value))
      default: break
      }
    }
    return info
  }
}

extension ElfFile {
  /// (file offset, size, address) of the dynamic string table named by DT_STRTAB and DT_STRSZ.
  static func stringTableLocation(
    _ entries: [DynamicEntry], path: String, programHeaders: [ProgramHeader]
  ) throws(ElfError) -> (offset: UInt64, size: UInt64, address: UInt64) {
    guard let address = entries.first(where: { $0.tag == DynamicTag.strtab })?.value else {
      throw ElfError(path, .malformed, "the dynamic section has no DT_STRTAB")
    }
    guard let size = entries.first(where: { $0.tag == DynamicTag.strsz })?.value else {
      throw ElfError(path, .malformed, "the dynamic section has no DT_STRSZ")
    }
    guard let offset = fileOffset(ofAddress: address, size: size, in: programHeaders) else {
      throw ElfError(
        path, .malformed,
        "DT_STRTAB at address \(hex(address)) (size \(hex(size))) is outside every PT_LOAD segment")
    }
    return (offset, size, address)
  }

  /// The strings at `offsets` of the dynamic string table, read in as few small chunks as possible.
  static func readStrings(
    _ offsets: [UInt64], entries: [DynamicEntry], image: ElfImage, programHeaders: [ProgramHeader]
  ) throws(ElfError) -> [(UInt64, String)] {
    let path = image.path
    let (tableOffset, size, _) = try stringTableLocation(entries, path: path, programHeaders: programHeaders)
    // Sizes come from the file: with the table inside the file, no sum below can pass 2^64.
    guard tableOffset <= image.fileSize, size <= image.fileSize - tableOffset else {
      throw ElfError(
        path, .malformed,
        "the dynamic string table at offset \(hex(tableOffset)) with size \(hex(size)) lies outside the file "
          + "(size \(hex(image.fileSize)))")
    }
    for offset in offsets where offset >= size {
      throw ElfError(
        path, .malformed, "a dynamic string offset \(hex(offset)) is outside the string table (size \(hex(size)))")
    }
    var result: [(UInt64, String)] = []
    func has(_ offset: UInt64) -> Bool { result.contains { $0.0 == offset } }
    let sorted = offsets.sorted()
    let slack: UInt64 = 1024
    var index = 0
    while index < sorted.count {
      // A window from this offset over every following offset within 16 KiB, plus slack.
      let start = sorted[index]
      var last = start
      var next = index + 1
      while next < sorted.count, sorted[next] - start < 16 * 1024 {
        last = sorted[next]
        next += 1
      }
      var windowEnd = min(size, last + slack)
      while true {
        let chunk = try image.chunk(
          offset: tableOffset + start, size: windowEnd - start, type: .bytes, what: "the dynamic string table")
        let bytes = chunk.bytes
        var complete = true
        for offset in sorted[index..<next] where !has(offset) {
          let from = Int(offset - start)
          if let end = bytes[from...].firstIndex(of: 0) {
            result.append(
              (offset, String(decoding: UnsafeRawBufferPointer(rebasing: bytes[from..<end]), as: UTF8.self)))
          } else {
            complete = false
          }
        }
        if complete { break }
        guard windowEnd < size else {
          throw ElfError(path, .malformed, "a dynamic string runs past the end of the string table")
        }
        windowEnd = min(size, windowEnd + 64 * 1024)
      }
      index = next
    }
    return result
  }
}

/// A view of a string table in the file's mapping.
struct StringTable {
  let chunk: Chunk
  /// The table's virtual address (DT_STRTAB).
  let address: UInt64
  let path: String

  var size: UInt64 { UInt64(chunk.bytes.count) }

  /// The NUL-terminated string at `offset`; an error when the offset or the string leaves the table.
  func string(at offset: UInt64, what: String) throws(ElfError) -> String {
    let bytes = chunk.bytes
    guard offset < UInt64(bytes.count) else {
      throw ElfError(
        path, .malformed, "\(what) offset \(hex(offset)) is outside the string table (size \(hex(bytes.count)))")
    }
    let start = Int(offset)
    guard let end = bytes[start...].firstIndex(of: 0) else {
      throw ElfError(path, .malformed, "\(what) at offset \(hex(offset)) runs past the end of the string table")
    }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
  }
}
