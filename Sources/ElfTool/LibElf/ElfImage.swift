// The libelf layer: with FileMapping.swift and Archive.swift, the only files that import CLibElf.
// One Swift wrapper per libelf call, named after it; a NULL or -1 result becomes an ElfError right
// at the call site, with elf_errmsg read at once. No libelf pointer leaves this folder: the handle
// is a private stored property of `ElfImage`, and bytes are lent to closures, never stored.

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

/// An open ELF file read through libelf with pread (`ELF_C_READ`): libelf reads only the parts
/// asked for. The descriptor stays open until `finishReading()`, so thousands of images can exist
/// at once. Used for the ELF header, the program and section headers and small ranges of bytes.
/// (Not `ELF_C_READ_MMAP`: measured on sourcekit-lsp's 60 libraries, a mapping per file saves 430
/// of 900 system calls but costs 250 page faults, and `tree` took 1.26 times as long.)
final class ElfImage {
  let path: String
  let fileSize: UInt64
  let identity: ElfIdentity
  /// Device and inode, for the loader's "already loaded under another name" check.
  let fileID: FileID
  /// Size and modification time besides: a file replaced in between is not mistaken for the same
  /// one even when the new one reuses the inode.
  let stamp: FileStamp
  private let handle: ElfHandle
  private var descriptor: Int32
  /// Whether `descriptor` is this image's to close.
  private let ownsDescriptor: Bool
  /// The bytes of an image made from memory (elf_memory reads them in place).
  private let memory: UnsafeMutableRawBufferPointer?

  /// open(2) and fstat(2), then elf_begin. Errors say whether the file is missing, not ELF, or broken.
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
  convenience init(owning descriptor: Int32, path: String, status: (size: UInt64, stamp: FileStamp)) throws(ElfError) {
    try self.init(descriptor: descriptor, path: path, ownsDescriptor: true, status: status)
  }

  /// An image over a descriptor the caller keeps open (and may have locked); it is not closed here.
  convenience init(borrowing descriptor: Int32, path: String) throws(ElfError) {
    try self.init(descriptor: descriptor, path: path, ownsDescriptor: false)
  }

  private init(
    descriptor fd: Int32, path: String, ownsDescriptor: Bool, status known: (size: UInt64, stamp: FileStamp)? = nil
  ) throws(ElfError) {
    self.path = path
    let status: (size: UInt64, stamp: FileStamp)
    if let known { status = known } else { status = try fileStatus(fd, path: path) }
    fileSize = status.size
    fileID = status.stamp.id
    stamp = status.stamp
    memory = nil
    guard libelfInitialized else { throw ElfError(path, .io(errno: 0), "libelf could not be initialised") }
    // libelf reads the ELF header itself; the first bytes are read separately only when it does
    // not see an ELF file, to say precisely what the file is (glibc's open_verify messages).
    guard let elf = elf_begin(fd, ELF_C_READ, nil) else {
      _ = try Self.identity(fd: fd, path: path)
      throw ElfError(path, .malformed, "libelf cannot read it: \(libelfMessage())")
    }
    do {
      identity = try Self.identity(elf, path: path, fileSize: fileSize) { () throws(ElfError) in
        try readHead(fd, count: 64, path: path)
      }
    } catch {
      elf_end(elf)
      throw error
    }
    handle = ElfHandle(raw: elf)
    descriptor = fd
    self.ownsDescriptor = ownsDescriptor
  }

  /// An image of bytes in memory (elf_memory); `name` stands for the path in messages.
  init(bytes: [UInt8], name: String) throws(ElfError) {
    path = name
    fileSize = UInt64(bytes.count)
    fileID = FileID(device: 0, inode: 0)
    stamp = FileStamp(id: fileID, size: fileSize, seconds: 0, nanoseconds: 0)
    guard libelfInitialized else { throw ElfError(name, .io(errno: 0), "libelf could not be initialised") }
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
    copy.copyBytes(from: bytes)
    guard let base = copy.baseAddress,
      let elf = elf_memory(base.assumingMemoryBound(to: CChar.self), bytes.count)
    else {
      copy.deallocate()
      _ = try ElfIdentity.decode(Array(bytes.prefix(64)), path: name)
      throw ElfError(name, .malformed, "libelf cannot read it: \(libelfMessage())")
    }
    do {
      identity = try Self.identity(elf, path: name, fileSize: fileSize) { Array(bytes.prefix(64)) }
    } catch {
      elf_end(elf)
      copy.deallocate()
      throw error
    }
    memory = copy
    handle = ElfHandle(raw: elf)
    descriptor = -1
    ownsDescriptor = false
  }

  deinit {
    elf_end(handle.raw)
    if ownsDescriptor && descriptor >= 0 { close(descriptor) }
    memory?.deallocate()
  }

  /// elf_kind and gelf_getehdr: the identity of an ELF file libelf accepted. When libelf rejects
  /// it, the first bytes (`head`) say precisely what the file is.
  private static func identity(
    _ elf: OpaquePointer, path: String, fileSize: UInt64, head: () throws(ElfError) -> [UInt8]
  ) throws(ElfError) -> ElfIdentity {
    var ehdr = GElf_Ehdr()
    guard elf_kind(elf) == ELF_K_ELF, gelf_getehdr(elf, &ehdr) != nil else {
      let message = libelfMessage()
      _ = try ElfIdentity.decode(try head(), path: path)
      throw ElfError(path, .malformed, "libelf cannot read it: \(message)")
    }
    guard let elfClass = ElfClass(rawValue: ehdr.e_ident.4), let order = ByteOrder(rawValue: ehdr.e_ident.5) else {
      throw ElfError(path, .malformed, "invalid class or byte order in e_ident")
    }
    guard fileSize >= UInt64(ElfIdentity.headerSize(elfClass)) else {
      throw ElfError(path, .notELF, "file too short (\(fileSize) bytes)")
    }
    return ElfIdentity(
      elfClass: elfClass, byteOrder: order, osABI: ehdr.e_ident.7, abiVersion: ehdr.e_ident.8,
      type: ObjectType(ehdr.e_type), machine: Machine(rawValue: ehdr.e_machine), flags: ehdr.e_flags)
  }

  /// The identity from the first bytes of the file, read by hand: for files libelf will not read,
  /// so that a candidate of another class is still recognised (and skipped) and a file that is not
  /// ELF gets the loader's message.
  static func identity(fd: Int32, path: String) throws(ElfError) -> ElfIdentity {
    try ElfIdentity.decode(try readHead(fd, count: 64, path: path), path: path)
  }

  /// `identity(fd:path:)` for a path; nil when it cannot be opened or is not ELF.
  static func identity(path: String) -> ElfIdentity? {
    guard let fd = try? openFile(path) else { return nil }  // unreadable: no identity, by definition
    defer { close(fd) }
    return try? identity(fd: fd, path: path)  // not ELF: no identity, by definition
  }

  /// Tells libelf the descriptor is done with (elf_cntl ELF_C_FDDONE) and closes it. Headers read
  /// before stay valid; new reads fail.
  func finishReading() {
    guard descriptor >= 0 else { return }
    _ = elf_cntl(handle.raw, ELF_C_FDDONE)
    if ownsDescriptor { close(descriptor) }
    descriptor = -1
  }

  /// elf_getphdrnum and gelf_getphdr for each entry.
  func programHeaders() throws(ElfError) -> [ProgramHeader] {
    var count = 0
    guard elf_getphdrnum(handle.raw, &count) == 0 else {
      throw ElfError(path, .malformed, "the program header table cannot be read: \(libelfMessage())")
    }
    var result: [ProgramHeader] = []
    result.reserveCapacity(count)
    var phdr = GElf_Phdr()
    for index in 0..<count {
      guard gelf_getphdr(handle.raw, Int32(clamping: index), &phdr) != nil else {
        throw ElfError(path, .malformed, "program header \(index) cannot be read: \(libelfMessage())")
      }
      result.append(
        ProgramHeader(
          type: SegmentType(rawValue: phdr.p_type), flags: SegmentFlags(rawValue: phdr.p_flags), offset: phdr.p_offset,
          vaddr: phdr.p_vaddr, paddr: phdr.p_paddr, filesz: phdr.p_filesz, memsz: phdr.p_memsz, align: phdr.p_align))
    }
    return result
  }

  /// gelf_getehdr, elf_getphdrnum, elf_getshdrnum and elf_getshdrstrndx.
  func headerLayout() throws(ElfError) -> ElfHeaderLayout {
    var ehdr = GElf_Ehdr()
    guard gelf_getehdr(handle.raw, &ehdr) != nil else {
      throw ElfError(path, .malformed, "the ELF header cannot be read: \(libelfMessage())")
    }
    var phnum = 0
    guard elf_getphdrnum(handle.raw, &phnum) == 0 else {
      throw ElfError(path, .malformed, "the program header count cannot be read: \(libelfMessage())")
    }
    var shnum = 0
    guard elf_getshdrnum(handle.raw, &shnum) == 0 else {
      throw ElfError(path, .malformed, "the section header count cannot be read: \(libelfMessage())")
    }
    var shstrndx = 0
    // No section name table: names are "", which only the messages use.
    if shnum > 0, elf_getshdrstrndx(handle.raw, &shstrndx) != 0 { shstrndx = 0 }
    return ElfHeaderLayout(
      type: ObjectType(ehdr.e_type), phoff: ehdr.e_phoff, phentsize: Int(ehdr.e_phentsize),
      rawPhnum: Int(ehdr.e_phnum), phnum: phnum, shoff: ehdr.e_shoff, shentsize: Int(ehdr.e_shentsize),
      shnum: shnum, shstrndx: shstrndx)
  }

  /// elf_getscn and gelf_getshdr for every section (at most 65,536), elf_strptr for each name.
  /// Empty for a file without section headers.
  func sectionHeaders() throws(ElfError) -> [SectionHeader] {
    let layout = try headerLayout()
    let count = min(layout.shnum, 1 << 16)
    var result: [SectionHeader] = []
    result.reserveCapacity(count)
    var shdr = GElf_Shdr()
    for index in 0..<count {
      guard let scn = elf_getscn(handle.raw, index), gelf_getshdr(scn, &shdr) != nil else {
        throw ElfError(path, .malformed, "section header \(index) cannot be read: \(libelfMessage())")
      }
      var name = ""
      if layout.shstrndx > 0, layout.shstrndx < count,
        let text = elf_strptr(handle.raw, layout.shstrndx, Int(shdr.sh_name))
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

  /// elf_getdata_rawchunk: lends `body` the `size` bytes at `offset` as they are in the file. The
  /// range is checked first; the bytes are valid only inside `body`.
  func withBytes<R>(
    offset: UInt64, size: UInt64, what: String, _ body: (UnsafeRawBufferPointer) throws(ElfError) -> R
  ) throws(ElfError) -> R {
    guard offset <= fileSize, size <= fileSize - offset else {
      throw ElfError(
        path, .malformed,
        "\(what) at offset \(hex(offset)) with size \(hex(size)) lies outside the file (size \(hex(fileSize)))")
    }
    guard size > 0 else { throw ElfError(path, .malformed, "\(what) is empty") }
    guard let data = elf_getdata_rawchunk(handle.raw, Int64(offset), Int(size), ELF_T_BYTE),
      let buffer = data.pointee.d_buf
    else {
      throw ElfError(path, .malformed, "\(what) at offset \(hex(offset)) cannot be read: \(libelfMessage())")
    }
    return try body(UnsafeRawBufferPointer(start: buffer, count: Int(data.pointee.d_size)))
  }
}
