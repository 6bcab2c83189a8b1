// The reading layer: with FileMapping.swift and Archive.swift, the only files that import CLibElf.
// The headers and small ranges every command needs are read with pread and decoded by Reading/;
// libelf is opened for section headers. One Swift wrapper per libelf call, named after it; a NULL
// or -1 result becomes an ElfError right at the call site, with elf_errmsg read at once. No libelf
// pointer leaves this folder: the handle is a private stored property of `ElfImage`, and bytes are
// lent to closures, never stored.

internal import CLibElf

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// An `Elf *` handle; a distinct type so it cannot be mixed up with other C pointers.
struct ElfHandle {
  let raw: OpaquePointer
}

/// elf_version(EV_CURRENT), once per process.
private let libelfInitialized: Bool = elf_version(elfdyn_ev_current()) != UInt32(EV_NONE)

/// elf_errmsg(-1): the message of libelf's last error.
func libelfMessage() -> String {
  if let message = elf_errmsg(-1) { return String(cString: message) }
  return "unknown libelf error"
}

/// An open ELF file. What every command needs (the ELF header, the program headers and small
/// ranges of bytes: the dynamic section, its strings, notes) is read with pread(2): the first page
/// in one read, which holds the ELF and program headers and usually the notes, and one read per
/// further range. libelf is opened on the file (elf_begin, `ELF_C_READ`) only when section headers
/// are asked for. The descriptor stays open until `finishReading()`, so thousands of images can
/// exist at once.
/// (Measured on sourcekit-lsp's 60 libraries: libelf's elf_begin for every file cost an fcntl, an
/// fstat and a separate read of the ELF header and of the program headers, 4 of its 11 system calls,
/// and a zeroed 7 KB section array; `ELF_C_READ_MMAP` saved system calls but cost 250 page faults.)
final class ElfImage {
  let path: String
  let fileSize: UInt64
  let identity: ElfIdentity
  /// Device and inode, for the loader's "already loaded under another name" check.
  let fileID: FileID
  /// Size and modification time besides: a file replaced in between is not mistaken for the same
  /// one even when the new one reuses the inode.
  let stamp: FileStamp
  /// Whether a program in this file starts with AT_SECURE for this user (`FileStatus`).
  let startsSecure: Bool
  /// The first bytes of the file (up to a page), or all of an image made from memory.
  private let head: UnsafeMutableRawBufferPointer
  /// Whether `head` holds the whole file (an image made from memory).
  private let headIsWholeFile: Bool
  private var descriptor: Int32
  /// Whether `descriptor` is this image's to close.
  private let ownsDescriptor: Bool
  /// libelf's handle, made on first use (section headers).
  private var handle: ElfHandle?

  /// How much of the file is read first: a page holds the ELF header, the program headers and,
  /// in files from the usual linkers, the notes and PT_INTERP.
  private static let headSize = 4096

  /// open(2) and fstat(2), then the first page. Errors say whether the file is missing, not ELF, or broken.
  convenience init(path: String) throws(ElfError) {
    let fd = try openFile(path)
    do {
      try self.init(descriptor: fd, path: path, ownsDescriptor: true)
    } catch {
      close(fd)
      throw error
    }
  }

  /// An image over a descriptor that becomes the image's to close, whose fstat(2) the caller made
  /// (`fileStatus`); on an error the caller still closes it.
  convenience init(owning descriptor: Int32, path: String, status: FileStatus) throws(ElfError) {
    try self.init(descriptor: descriptor, path: path, ownsDescriptor: true, status: status)
  }

  /// An image over a descriptor the caller keeps open (and may have locked); it is not closed here.
  convenience init(borrowing descriptor: Int32, path: String) throws(ElfError) {
    try self.init(descriptor: descriptor, path: path, ownsDescriptor: false)
  }

  private init(
    descriptor fd: Int32, path: String, ownsDescriptor: Bool, status known: FileStatus? = nil
  ) throws(ElfError) {
    self.path = path
    let status: FileStatus
    if let known { status = known } else { status = try fileStatus(fd, path: path) }
    fileSize = status.size
    fileID = status.stamp.id
    stamp = status.stamp
    startsSecure = status.startsSecure
    // A full page whatever fstat says, as the loader reads the header: a file that cannot be read
    // (/proc/self/mem) says so rather than seeming empty.
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.headSize, alignment: 16)
    do {
      let read = try preadInto(fd, buffer, count: Self.headSize, at: 0, path: path, what: "cannot read file data")
      // Never more than the size the checks use (a file that grew since fstat).
      let kept = Int(min(UInt64(read), status.size))
      identity = try Self.identity(UnsafeRawBufferPointer(rebasing: buffer[..<kept]), path: path, fileSize: status.size)
      head = UnsafeMutableRawBufferPointer(rebasing: buffer[..<kept])
    } catch {
      buffer.deallocate()
      throw error
    }
    headIsWholeFile = false
    descriptor = fd
    self.ownsDescriptor = ownsDescriptor
  }

  /// An image of bytes in memory; `name` stands for the path in messages.
  init(bytes: [UInt8], name: String) throws(ElfError) {
    path = name
    fileSize = UInt64(bytes.count)
    fileID = FileID(device: 0, inode: 0)
    stamp = FileStamp(id: fileID, size: fileSize, seconds: 0, nanoseconds: 0)
    startsSecure = false
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
    copy.copyBytes(from: bytes)
    let whole = UnsafeMutableRawBufferPointer(rebasing: copy[..<bytes.count])
    do {
      identity = try Self.identity(UnsafeRawBufferPointer(whole), path: name, fileSize: fileSize)
    } catch {
      copy.deallocate()
      throw error
    }
    head = whole
    headIsWholeFile = true
    descriptor = -1
    ownsDescriptor = false
  }

  deinit {
    if let handle { elf_end(handle.raw) }
    if ownsDescriptor && descriptor >= 0 { close(descriptor) }
    head.baseAddress?.deallocate()
  }

  /// The identity from the ELF header at the start of `head`, with the loader's messages for a
  /// file that is too short, not ELF, or of an unknown class or byte order.
  private static func identity(_ head: UnsafeRawBufferPointer, path: String, fileSize: UInt64) throws(ElfError)
    -> ElfIdentity
  {
    let identity = try ElfIdentity.decode(Array(head.prefix(64)), path: path)
    // glibc's open_verify (and libelf) take only EV_CURRENT in e_ident[EI_VERSION].
    guard head.count > 6, head[6] == 1 else {
      throw ElfError(path, .malformed, "ELF file version ident does not match current one")
    }
    guard fileSize >= UInt64(ElfIdentity.headerSize(identity.elfClass)) else {
      throw ElfError(path, .notELF, "file too short (\(fileSize) bytes)")
    }
    return identity
  }

  /// The identity from the first 64 bytes of the open file, without reading the rest: a cheap test
  /// (directory scans, a host's class), with the loader's message for a file that is not ELF.
  static func identity(fd: Int32, path: String) throws(ElfError) -> ElfIdentity {
    try ElfIdentity.decode(try readHead(fd, count: 64, path: path), path: path)
  }

  /// `identity(fd:path:)` for a path; nil when it cannot be opened or is not ELF.
  static func identity(path: String) -> ElfIdentity? {
    guard let fd = try? openFile(path) else { return nil }  // unreadable: no identity, by definition
    defer { close(fd) }
    return try? identity(fd: fd, path: path)  // not ELF: no identity, by definition
  }

  /// libelf's handle on the file (elf_begin, or elf_memory for an image made from memory), made
  /// on first use.
  private func libelf() throws(ElfError) -> OpaquePointer {
    if let handle { return handle.raw }
    guard libelfInitialized else { throw ElfError(path, .io(errno: 0), "libelf could not be initialised") }
    let elf: OpaquePointer?
    if headIsWholeFile {
      elf = head.baseAddress.flatMap { elf_memory($0.assumingMemoryBound(to: CChar.self), head.count) }
    } else {
      guard descriptor >= 0 else {
        throw ElfError(path, .io(errno: EBADF), "the file was closed before its section headers were read")
      }
      elf = elf_begin(descriptor, ELF_C_READ, nil)
    }
    guard let elf, elf_kind(elf) == ELF_K_ELF else {
      if let elf { elf_end(elf) }
      throw ElfError(path, .malformed, "libelf cannot read it: \(libelfMessage())")
    }
    handle = ElfHandle(raw: elf)
    return elf
  }

  /// Closes the descriptor (after elf_cntl ELF_C_FDDONE when libelf has it). Headers read before
  /// stay valid; new reads fail.
  func finishReading() {
    guard descriptor >= 0 else { return }
    if let handle { _ = elf_cntl(handle.raw, ELF_C_FDDONE) }
    if ownsDescriptor { close(descriptor) }
    descriptor = -1
  }

  /// The program headers (`ProgramHeaderTable` decodes them): with PN_XNUM, the count is
  /// section 0's sh_info, as elf_getphdrnum reads it.
  func programHeaders() throws(ElfError) -> [ProgramHeader] {
    guard let location = ProgramHeaderTable.location(UnsafeRawBufferPointer(head), identity: identity) else {
      throw ElfError(path, .malformed, "the ELF header is cut short")
    }
    var count = UInt64(location.storedCount)
    if location.countIsInSectionZero {
      let info = ProgramHeaderTable.sectionZeroInfo(identity.elfClass)
      count = try withBytes(
        offset: location.sectionHeaderOffset, size: info.offset + info.size, what: "section header 0 (for PN_XNUM)"
      ) { UInt64(ByteReader($0, order: identity.byteOrder).u32(Int(info.offset)) ?? 0) }
    }
    guard count > 0 else { return [] }
    let entrySize = ProgramHeaderTable.entrySize(identity.elfClass)
    guard UInt64(location.entrySize) == entrySize else {
      throw ElfError(
        path, .malformed,
        "the program header table cannot be read: e_phentsize is \(location.entrySize), not \(entrySize)")
    }
    // count < 2^32 and entrySize <= 56: no overflow.
    return try withBytes(offset: location.offset, size: count * entrySize, what: "the program header table") {
      ProgramHeaderTable.decode($0, identity: identity)
    }
  }

  /// gelf_getehdr, elf_getphdrnum, elf_getshdrnum and elf_getshdrstrndx.
  func headerLayout() throws(ElfError) -> ElfHeaderLayout {
    let elf = try libelf()
    var ehdr = GElf_Ehdr()
    guard gelf_getehdr(elf, &ehdr) != nil else {
      throw ElfError(path, .malformed, "the ELF header cannot be read: \(libelfMessage())")
    }
    var phnum = 0
    guard elf_getphdrnum(elf, &phnum) == 0 else {
      throw ElfError(path, .malformed, "the program header count cannot be read: \(libelfMessage())")
    }
    var shnum = 0
    guard elf_getshdrnum(elf, &shnum) == 0 else {
      throw ElfError(path, .malformed, "the section header count cannot be read: \(libelfMessage())")
    }
    var shstrndx = 0
    // No section name table: names are "", which only the messages use.
    if shnum > 0, elf_getshdrstrndx(elf, &shstrndx) != 0 { shstrndx = 0 }
    return ElfHeaderLayout(
      type: ObjectType(ehdr.e_type), phoff: ehdr.e_phoff, phentsize: Int(ehdr.e_phentsize),
      rawPhnum: Int(ehdr.e_phnum), phnum: phnum, shoff: ehdr.e_shoff, shentsize: Int(ehdr.e_shentsize),
      shnum: shnum, shstrndx: shstrndx)
  }

  /// elf_getscn and gelf_getshdr for every section (at most 65,536), elf_strptr for each name.
  /// Empty for a file without section headers.
  func sectionHeaders() throws(ElfError) -> [SectionHeader] {
    let layout = try headerLayout()
    let elf = try libelf()
    let count = min(layout.shnum, 1 << 16)
    var result: [SectionHeader] = []
    result.reserveCapacity(count)
    var shdr = GElf_Shdr()
    for index in 0..<count {
      guard let scn = elf_getscn(elf, index), gelf_getshdr(scn, &shdr) != nil else {
        throw ElfError(path, .malformed, "section header \(index) cannot be read: \(libelfMessage())")
      }
      var name = ""
      if layout.shstrndx > 0, layout.shstrndx < count,
        let text = elf_strptr(elf, layout.shstrndx, Int(shdr.sh_name))
      {
        name = String(cString: text)
      }
      result.append(
        SectionHeader(
          index: index, name: name, nameOffset: shdr.sh_name, type: SectionType(rawValue: shdr.sh_type),
          flags: SectionFlags(rawValue: shdr.sh_flags), addr: shdr.sh_addr, offset: shdr.sh_offset,
          size: shdr.sh_size, link: shdr.sh_link, info: shdr.sh_info, addralign: shdr.sh_addralign,
          entsize: shdr.sh_entsize))
    }
    return result
  }

  /// Lends `body` the `size` bytes at `offset` as they are in the file: from the first page when
  /// they lie in it, else read with pread(2). The range is checked first; the bytes are valid only
  /// inside `body`.
  func withBytes<R>(
    offset: UInt64, size: UInt64, what: String, _ body: (UnsafeRawBufferPointer) throws(ElfError) -> R
  ) throws(ElfError) -> R {
    guard offset <= fileSize, size <= fileSize - offset else {
      throw ElfError(
        path, .malformed,
        "\(what) at offset \(hex(offset)) with size \(hex(size)) lies outside the file (size \(hex(fileSize)))")
    }
    guard size > 0 else { throw ElfError(path, .malformed, "\(what) is empty") }
    // In the file, so below fileSize: these fit in Int wherever the file could be read.
    if offset <= UInt64(head.count), size <= UInt64(head.count) - offset {
      return try body(UnsafeRawBufferPointer(rebasing: head[Int(offset)..<Int(offset + size)]))
    }
    guard descriptor >= 0, size <= UInt64(Int.max) else {
      throw ElfError(path, .io(errno: EBADF), "\(what) at offset \(hex(offset)) cannot be read: the file is closed")
    }
    let count = Int(size)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
    defer { buffer.deallocate() }
    let read = try preadInto(descriptor, buffer, count: count, at: offset, path: path, what: "cannot read \(what)")
    guard read == count else {
      throw ElfError(
        path, .io(errno: 0), "\(what) at offset \(hex(offset)) cannot be read: the file is shorter than it was")
    }
    return try body(UnsafeRawBufferPointer(buffer))
  }
}
