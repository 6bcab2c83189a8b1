#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// An ELF file, decoded once: identity, program headers, interpreter and dynamic section, read
/// through the segments (never the section headers, which stripped files lack). Every offset taken
/// from the file is checked before it is used; a broken structure is an `ElfError` naming it.
/// Symbol tables are read later, from a mapping (`SymbolTable`).
public final class ElfFile: Sendable {
  /// The path it was read from (or the name given to bytes in memory).
  public let path: String
  /// Class, byte order, type and machine.
  public let identity: ElfIdentity
  /// Every program header.
  public let programHeaders: [ProgramHeader]
  /// PT_INTERP, the program interpreter, for executables that have one.
  public let interpreter: String?
  /// The dynamic section, nil for a file without PT_DYNAMIC (a static executable, an object file).
  public let dynamic: DynamicSection?
  /// The size of the file in bytes.
  public let fileSize: UInt64
  /// Device and inode (zero for bytes in memory).
  public let fileID: FileID
  /// Device, inode, size and modification time when read.
  public let stamp: FileStamp
  /// Whether a program in this file starts with AT_SECURE for the user running elfdyn: set-user-ID
  /// to another user or set-group-ID to another group.
  public let startsSecure: Bool
  /// The bytes of a file read from memory; nil for a file on disk, which is mapped when needed.
  let memory: FileMapping?
  /// What its `.note.dlopen` notes declare (libraries it may dlopen), read with the headers: the
  /// notes are a few hundred bytes, usually on the page of the program headers.
  public let dlopenDependencies: DlopenMetadata

  /// A static executable (ET_EXEC without PT_INTERP and PT_DYNAMIC) or a static-pie (ET_DYN
  /// without PT_INTERP, flagged DF_1_PIE, needing nothing): it loads no libraries.
  public var isStaticallyLinked: Bool {
    guard interpreter == nil else { return false }
    switch identity.type {
    case .executable: return dynamic == nil || (dynamic?.needed.isEmpty ?? true)
    case .shared:
      guard let dynamic else { return false }
      return dynamic.flags1.contains(.pie) && dynamic.needed.isEmpty
    default: return false
    }
  }

  /// Opens and decodes `path`. Throws an `ElfError` whose kind says whether the file is missing,
  /// not ELF, or broken. Only the bytes needed are read (the first page, the dynamic section and
  /// the strings it names), and the file is closed before this returns.
  public convenience init(path: String) throws(ElfError) {
    try self.init(image: try ElfImage(path: path), memory: nil)
  }

  /// Opens `path` and decodes it, unless `known` has a file decoded before with the same device,
  /// inode, size and time (another name of it: a symbolic link, /lib and /usr/lib), which is then
  /// taken under this name without reading anything more. Errors as `init(path:)`.
  static func open(_ path: String, known: (FileStamp) -> ElfFile?) throws(ElfError) -> ElfFile {
    let fd = try openFile(path)
    let image: ElfImage
    do {
      let status = try fileStatus(fd, path: path)
      if let file = known(status.stamp) {
        close(fd)
        return ElfFile(file, path: path)
      }
      image = try ElfImage(owning: fd, path: path, status: status)
    } catch {
      close(fd)
      throw error
    }
    // The image closes the descriptor from here on.
    return try ElfFile(image: image, memory: nil)
  }

  /// Decodes an ELF image held in memory; `name` stands for its path in messages.
  public convenience init(bytes: [UInt8], name: String) throws(ElfError) {
    try self.init(image: try ElfImage(bytes: bytes, name: name), memory: FileMapping(bytes: bytes, name: name))
  }

  /// Decodes what `image` holds (the image is not kept).
  init(image: ElfImage, memory: FileMapping?) throws(ElfError) {
    path = image.path
    identity = image.identity
    fileSize = image.fileSize
    fileID = image.fileID
    stamp = image.stamp
    startsSecure = image.startsSecure
    self.memory = memory
    let headers = try image.programHeaders()
    programHeaders = headers
    var interp: String?
    if let phdr = headers.first(where: { $0.type == .interp }) {
      interp = try image.withBytes(offset: phdr.offset, size: phdr.filesz, what: "PT_INTERP") { bytes in
        String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
    }
    interpreter = interp
    if let phdr = headers.first(where: { $0.type == .dynamic }) {
      dynamic = try Self.decodeDynamic(phdr, image: image, programHeaders: headers)
    } else {
      dynamic = nil
    }
    dlopenDependencies = Self.dlopenDependencies(
      programHeaders: headers, fileSize: image.fileSize, order: image.identity.byteOrder
    ) { (segment) throws(ElfError) in
      try image.withBytes(offset: segment.offset, size: segment.filesz, what: "the PT_NOTE segment") { Array($0) }
    }
    image.finishReading()
  }

  /// The same file with another dynamic section: what a planned edit would make of it, for
  /// resolving the result before it is written.
  convenience init(_ other: ElfFile, dynamic: DynamicSection?) {
    self.init(copying: other, path: other.path, dynamic: dynamic)
  }

  /// The same decoded file under another name (a link to it, or another path to its directory).
  convenience init(_ other: ElfFile, path: String) {
    self.init(copying: other, path: path, dynamic: other.dynamic)
  }

  /// `other` decoded, with its path and dynamic section replaced.
  private init(copying other: ElfFile, path: String, dynamic: DynamicSection?) {
    self.path = path
    identity = other.identity
    programHeaders = other.programHeaders
    interpreter = other.interpreter
    self.dynamic = dynamic
    fileSize = other.fileSize
    fileID = other.fileID
    stamp = other.stamp
    startsSecure = other.startsSecure
    memory = other.memory
    dlopenDependencies = other.dlopenDependencies
  }

  /// The identity of the file at `path` from its first bytes, nil when it cannot be read or is not
  /// ELF: a cheap test before decoding (directory scans).
  public static func probe(_ path: String) -> ElfIdentity? { ElfImage.identity(path: path) }

  /// The file offset of the virtual address range [address, address+size), through the PT_LOAD
  /// segment that holds it in its file image; nil when none does.
  public func fileOffset(ofAddress address: UInt64, size: UInt64 = 0) -> UInt64? {
    ElfTool.fileOffset(ofAddress: address, size: size, in: programHeaders)
  }

  /// The whole file's bytes: the memory it was read from, or a new mapping of the file, which
  /// must still be the file that was decoded.
  func mapping() throws(ElfError) -> FileMapping {
    if let memory { return memory }
    let mapping = try FileMapping(path: path)
    guard mapping.stamp == stamp else {
      throw ElfError(path, .io(errno: 0), "the file was replaced while elfdyn was reading it")
    }
    return mapping
  }

  /// The dynamic string table in `mapping`.
  func dynamicStrings(in mapping: FileMapping) throws(ElfError) -> StringTable {
    guard let dynamic else { throw ElfError(path, .malformed, "the file has no dynamic section") }
    let (offset, size, _) = try dynamic.stringTableLocation(path: path, programHeaders: programHeaders)
    return try StringTable(mapping: mapping, offset: offset, size: size, what: "the dynamic string table")
  }

  private static func decodeDynamic(
    _ phdr: ProgramHeader, image: ElfImage, programHeaders: [ProgramHeader]
  ) throws(ElfError) -> DynamicSection {
    let path = image.path
    var info = DynamicSection()
    let entrySize = UInt64(DynamicSection.entrySize(image.identity.elfClass))
    let count = phdr.filesz / entrySize
    guard count > 0 else {
      throw ElfError(path, .malformed, "PT_DYNAMIC is empty (size \(hex(phdr.filesz)))")
    }
    info.slots = try image.withBytes(
      offset: phdr.offset, size: count * entrySize, what: "the dynamic section (PT_DYNAMIC)"
    ) { bytes in DynamicSection.decodeSlots(bytes, identity: image.identity) }
    info.nullIndex = info.slots.firstIndex(where: { $0.tag == .null })
    // Only the strings the dynamic entries name are read. Their count bounds the dependencies
    // (with at most a soname, rpath and runpath more): room for them, not copies as they grow.
    var offsets: [UInt64] = []
    for entry in info.entries where entry.tag.namesLoaderString { offsets.append(entry.value) }
    info.needed.reserveCapacity(offsets.count)
    info.dependencies.reserveCapacity(offsets.count)
    var strings: [(offset: UInt64, text: String)] = []
    if !offsets.isEmpty {
      let (offset, size, _) = try info.stringTableLocation(path: path, programHeaders: programHeaders)
      strings = try image.strings(offsets, tableOffset: offset, size: size, what: "the dynamic string table")
    }
    func name(_ entry: DynamicEntry, _ what: String) throws(ElfError) -> String {
      guard let value = strings.first(where: { $0.offset == entry.value })?.text else {
        throw ElfError(path, .malformed, "\(what) string at offset \(hex(entry.value)) cannot be read")
      }
      return value
    }
    for entry in info.entries {
      switch entry.tag {
      case .needed:
        let value = try name(entry, "DT_NEEDED")
        info.needed.append(value)
        info.dependencies.append(.needed(value))
      case .soname: info.soname = try name(entry, "DT_SONAME")
      case .rpath: info.rpath = try name(entry, "DT_RPATH")
      case .runpath: info.runpath = try name(entry, "DT_RUNPATH")
      case .flags: info.flags = DynamicFlags(rawValue: entry.value)
      case .flags1: info.flags1 = DynamicFlags1(rawValue: entry.value)
      case .filter: info.dependencies.append(.filter(try name(entry, "DT_FILTER")))
      case .auxiliary: info.dependencies.append(.auxiliary(try name(entry, "DT_AUXILIARY")))
      default: break
      }
    }
    return info
  }
}
