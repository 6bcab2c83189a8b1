// The only file of elfdyn that calls libelf. One Swift wrapper per C call, named after it; a NULL or
// -1 result becomes an ElfError right at the call site, with elf_errmsg read at once. No libelf
// pointer leaves this file: the handle is a private stored property of `ElfImage`.

internal import CLibElf

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// An `Elf *` handle; a distinct type so it cannot be mixed up with other C pointers.
struct ElfHandle {
  /// Used only by LibElf.swift and LibElfPatch.swift, the libelf layer.
  let raw: OpaquePointer
}

/// elf_version(EV_CURRENT), once per process.
private let libelfInitialized: Bool = elf_version(elfdyn_ev_current()) != UInt32(EV_NONE)

/// elf_errmsg(-1): the message of libelf's last error.
func libelfMessage() -> String {
  if let message = elf_errmsg(-1) { return String(cString: message) }
  return "unknown libelf error"
}

/// open(2) for reading, once libelf is initialised; errors name the file.
private func openForLibelf(_ path: String) throws(ElfError) -> Int32 {
  guard libelfInitialized else { throw ElfError(path, .io(errno: 0), "libelf could not be initialised") }
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  if fd < 0 {
    let code = errno
    throw ElfError(path, .io(errno: code), String(cString: strerror(code)))
  }
  return fd
}

/// The libelf data types elfdyn converts through gelf.
enum ChunkType {
  case bytes, dyn, sym, half, word, xword, rela, rel, verdef, verneed, gnuHash
  fileprivate var raw: Elf_Type {
    switch self {
    case .bytes: return ELF_T_BYTE
    case .dyn: return ELF_T_DYN
    case .sym: return ELF_T_SYM
    case .half: return ELF_T_HALF
    case .word: return ELF_T_WORD
    case .xword: return ELF_T_XWORD
    case .rela: return ELF_T_RELA
    case .rel: return ELF_T_REL
    case .verdef: return ELF_T_VDEF
    case .verneed: return ELF_T_VNEED
    case .gnuHash: return ELF_T_GNUHASH
    }
  }
}

/// A block of a file converted to host byte order by libelf (`elf_getdata_rawchunk`). Valid while the
/// `ElfImage` that made it lives; it keeps that image alive.
struct Chunk {
  let image: ElfImage
  fileprivate let data: UnsafeMutablePointer<Elf_Data>
  /// The converted bytes.
  var bytes: UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: data.pointee.d_buf, count: Int(data.pointee.d_size))
  }
}

/// How libelf reads a file.
enum ElfAccess {
  /// elf_begin(ELF_C_READ): libelf reads only the parts asked for, with pread; the descriptor stays
  /// open until `finishReading()`. Cheapest for the few header bytes that resolution needs.
  case read
  /// elf_begin(ELF_C_READ_MMAP): the whole file mapped; the descriptor is closed at once. For the
  /// symbol tables of large libraries.
  case map
}

/// Words of a converted chunk (libelf has put them in host byte order), read with bounds checks.
/// Holds no reference: whoever makes one keeps the chunk (and so its image) alive.
struct Words<T: FixedWidthInteger> {
  let bytes: UnsafeRawBufferPointer
  let count: Int

  init(chunk: Chunk) {
    bytes = chunk.bytes
    count = bytes.count / MemoryLayout<T>.size
  }

  subscript(_ index: Int) -> T? {
    guard index >= 0, index < count else { return nil }
    return bytes.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self)
  }
}

/// An open ELF file: the libelf handle. With `.map` the descriptor is closed once the image is
/// mapped; with `.read` once `finishReading()` is called, so thousands of images can be open at once.
final class ElfImage {
  let path: String
  let fileSize: UInt64
  /// The libelf handle and the descriptor: used only by LibElf.swift and LibElfPatch.swift.
  let handle: ElfHandle
  private(set) var descriptor: Int32
  let identity: ElfIdentity
  /// Device and inode, for the loader's "already loaded under another name" check.
  let fileID: FileID
  /// Size and modification time besides: a file replaced in between is not mistaken for the
  /// same one even when the new one reuses the inode.
  let stamp: FileStamp

  /// open(2), fstat(2), the identity from the first bytes, then elf_begin.
  init(path: String, access: ElfAccess) throws(ElfError) {
    self.path = path
    let fd = try openForLibelf(path)
    var keepOpen = false
    defer { if !keepOpen { close(fd) } }
    var st = stat()
    if fstat(fd, &st) != 0 {
      let code = errno
      throw ElfError(path, .io(errno: code), String(cString: strerror(code)))
    }
    if (st.st_mode & S_IFMT) == S_IFDIR {
      throw ElfError(path, .io(errno: EISDIR), "cannot read file data: is a directory")
    }
    guard (st.st_mode & S_IFMT) == S_IFREG else {
      throw ElfError(path, .io(errno: 0), "not a regular file")
    }
    fileSize = UInt64(max(st.st_size, 0))
    fileID = FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    stamp = FileStamp(
      id: fileID, size: fileSize, seconds: Int64(st.st_mtim.tv_sec), nanoseconds: Int64(st.st_mtim.tv_nsec))
    // libelf reads the ELF header itself; the first bytes are read separately only when it does
    // not see an ELF file, to say precisely what the file is (glibc's open_verify messages).
    guard let elf = elf_begin(fd, access == .map ? ELF_C_READ_MMAP : ELF_C_READ, nil) else {
      _ = try Self.identity(fd: fd, path: path)
      throw ElfError(path, .malformed, "libelf cannot read it: \(libelfMessage())")
    }
    var ehdr = GElf_Ehdr()
    guard elf_kind(elf) == ELF_K_ELF, gelf_getehdr(elf, &ehdr) != nil else {
      let message = libelfMessage()
      elf_end(elf)
      _ = try Self.identity(fd: fd, path: path)
      throw ElfError(path, .malformed, "libelf cannot read it: \(message)")
    }
    guard let elfClass = ElfClass(rawValue: ehdr.e_ident.4), let order = ByteOrder(rawValue: ehdr.e_ident.5) else {
      elf_end(elf)
      throw ElfError(path, .malformed, "invalid class or byte order in e_ident")
    }
    let headerSize: UInt64 = elfClass == .elf64 ? 64 : 52
    guard fileSize >= headerSize else {
      elf_end(elf)
      throw ElfError(path, .notELF, "file too short (\(fileSize) bytes)")
    }
    identity = ElfIdentity(
      elfClass: elfClass, byteOrder: order, osABI: ehdr.e_ident.7, abiVersion: ehdr.e_ident.8,
      type: ObjectType(ehdr.e_type), machine: Machine(rawValue: ehdr.e_machine), flags: ehdr.e_flags)
    if access == .map {
      // Make the whole image resident in the mapping (or read, where mmap is impossible), so that
      // the descriptor is no longer needed.
      var size = 0
      guard elf_rawfile(elf, &size) != nil else {
        let message = libelfMessage()
        elf_end(elf)
        throw ElfError(path, .malformed, "libelf cannot read it: \(message)")
      }
      _ = elf_cntl(elf, ELF_C_FDDONE)
      descriptor = -1
    } else {
      keepOpen = true
      descriptor = fd
    }
    handle = ElfHandle(raw: elf)
  }

  /// The identity from the first bytes of the file, read by hand: for files libelf will not
  /// read, so that a candidate of another class is still recognised (and skipped) and a file
  /// that is not ELF gets the loader's message. Throws `.notELF` or `.malformed` when the bytes
  /// are not a usable ELF header.
  static func identity(fd: Int32, path: String) throws(ElfError) -> ElfIdentity {
    var head = [UInt8](repeating: 0, count: 64)
    let count = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 64, 0) }
    if count < 0 {
      let code = errno
      throw ElfError(path, .io(errno: code), "cannot read file data: \(String(cString: strerror(code)))")
    }
    return try decodeIdentity(Array(head.prefix(count)), path: path)
  }

  /// `identity(fd:path:)` for a path.
  static func identity(path: String) -> ElfIdentity? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    return try? identity(fd: fd, path: path)
  }

  /// Tells libelf the descriptor is done with (elf_cntl ELF_C_FDDONE) and closes it. Chunks read
  /// before stay valid; new reads fail.
  func finishReading() {
    guard descriptor >= 0 else { return }
    _ = elf_cntl(handle.raw, ELF_C_FDDONE)
    close(descriptor)
    descriptor = -1
  }

  deinit {
    elf_end(handle.raw)
    if descriptor >= 0 { close(descriptor) }
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
          type: phdr.p_type, flags: phdr.p_flags, offset: phdr.p_offset, vaddr: phdr.p_vaddr,
          paddr: phdr.p_paddr, filesz: phdr.p_filesz, memsz: phdr.p_memsz, align: phdr.p_align))
    }
    return result
  }

  /// The size in the file of `count` items of `type` (gelf_fsize).
  func fileSize(of type: ChunkType, count: Int = 1) -> Int {
    Int(gelf_fsize(handle.raw, type.raw, count, elfdyn_ev_current()))
  }

  /// elf_getdata_rawchunk: `size` bytes at `offset`, converted as `type`. Checks the range first.
  func chunk(offset: UInt64, size: UInt64, type: ChunkType, what: String) throws(ElfError) -> Chunk {
    guard offset <= fileSize, size <= fileSize - offset else {
      throw ElfError(
        path, .malformed,
        "\(what) at offset \(hex(offset)) with size \(hex(size)) lies outside the file (size \(hex(fileSize)))")
    }
    guard size > 0 else {
      throw ElfError(path, .malformed, "\(what) is empty")
    }
    guard let data = elf_getdata_rawchunk(handle.raw, Int64(offset), Int(size), type.raw) else {
      throw ElfError(path, .malformed, "\(what) at offset \(hex(offset)) cannot be read: \(libelfMessage())")
    }
    return Chunk(image: self, data: data)
  }

  /// gelf_getdyn for every entry of a chunk of type .dyn.
  func dynamicEntries(_ chunk: Chunk) -> [DynamicEntry] {
    var result: [DynamicEntry] = []
    var dyn = GElf_Dyn()
    var index: Int32 = 0
    // gelf_getdyn checks the index against the chunk's size and fails past the end.
    while gelf_getdyn(chunk.data, index, &dyn) != nil {
      result.append(DynamicEntry(tag: dyn.d_tag, value: dyn.d_un.d_val))
      index += 1
    }
    return result
  }
}

/// The identity fields, decoded by hand from the first bytes (so a candidate of the wrong class is
/// skipped without asking libelf to parse it, as glibc's open_verify does).
private func decodeIdentity(_ head: [UInt8], path: String) throws(ElfError) -> ElfIdentity {
  let isELF = head.count >= 4 && head[0] == 0x7f && head[1] == 0x45 && head[2] == 0x4c && head[3] == 0x46
  // glibc reads the header first and says "file too short" below the size of an ELF header,
  // whatever the bytes are (a short linker script included).
  let needed = isELF && head.count > 4 && head[4] == 1 ? 52 : 64
  guard head.count >= needed else {
    let script = linkerScriptHint(head).map { ": \($0)" } ?? ""
    throw ElfError(path, .notELF, "file too short (\(head.count) bytes)\(script)")
  }
  guard isELF else {
    if let script = linkerScriptHint(head) {
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
  let reader = ByteReader(bytes: head, order: order)
  func u16(_ at: Int) -> UInt16 { reader.u16(at) ?? 0 }
  func u32(_ at: Int) -> UInt32 { reader.u32(at) ?? 0 }
  let flagsOffset = elfClass == .elf64 ? 0x30 : 0x24
  return ElfIdentity(
    elfClass: elfClass, byteOrder: order, osABI: head[7], abiVersion: head[8],
    type: ObjectType(u16(0x10)), machine: Machine(rawValue: u16(0x12)), flags: u32(flagsOffset))
}

/// "a GNU ld linker script (INPUT(...))" when the bytes look like one.
private func linkerScriptHint(_ head: [UInt8]) -> String? {
  let text = String(decoding: head.prefix(64), as: UTF8.self)
  for marker in ["GNU ld script", "INPUT", "GROUP", "OUTPUT_FORMAT"] where text.contains(marker) {
    return "it is a linker script, not a shared library"
  }
  return nil
}

// MARK: - Symbols, relocations, sections, archives

/// One symbol as gelf_getsym decodes it.
struct RawSymbol {
  var name: UInt32
  var info: UInt8
  var other: UInt8
  var shndx: UInt16
  var value: UInt64
  var size: UInt64

  var binding: UInt8 { elfdyn_st_bind(info) }
  var type: UInt8 { elfdyn_st_type(info) }
  var visibility: UInt8 { elfdyn_st_visibility(other) }
}

/// One relocation: the symbol index and the machine's relocation type.
struct RawRelocation {
  var symbol: UInt32
  var type: UInt32
}

/// A chunk of type .sym read with gelf_getsym, holding no reference (for hot loops): its owner
/// keeps the chunk alive.
struct SymbolView {
  fileprivate let data: UnsafeMutablePointer<Elf_Data>
  let count: Int

  init(chunk: Chunk, count: Int) {
    data = chunk.data
    self.count = count
  }

  @inline(__always)
  func symbol(_ index: Int) -> RawSymbol? {
    var sym = GElf_Sym()
    guard index >= 0, index < count, gelf_getsym(data, Int32(truncatingIfNeeded: index), &sym) != nil else {
      return nil
    }
    return RawSymbol(
      name: sym.st_name, info: sym.st_info, other: sym.st_other, shndx: sym.st_shndx, value: sym.st_value,
      size: sym.st_size)
  }
}

extension ElfImage {
  /// gelf_getsym on a chunk of type .sym; nil past the end.
  func symbol(_ chunk: Chunk, _ index: Int) -> RawSymbol? {
    SymbolView(chunk: chunk, count: Int(Int32.max)).symbol(index)
  }

  /// gelf_getrela or gelf_getrel for every entry of a chunk, skipping those without a symbol.
  func forEachRelocation(_ chunk: Chunk, rela: Bool, _ body: (RawRelocation) -> Void) {
    let is64 = identity.elfClass == .elf64 ? Int32(1) : Int32(0)
    func visit(_ info: UInt64) {
      let symbol = UInt32(truncatingIfNeeded: elfdyn_r_sym(UInt(info), is64))
      if symbol != 0 {
        body(RawRelocation(symbol: symbol, type: UInt32(truncatingIfNeeded: elfdyn_r_type(UInt(info), is64))))
      }
    }
    var index: Int32 = 0
    if rela {
      var entry = GElf_Rela()
      while gelf_getrela(chunk.data, index, &entry) != nil {
        visit(entry.r_info)
        index += 1
      }
    } else {
      var entry = GElf_Rel()
      while gelf_getrel(chunk.data, index, &entry) != nil {
        visit(entry.r_info)
        index += 1
      }
    }
  }
}

/// An `ar` archive opened with libelf: its symbol index and members.
final class ArchiveImage {
  let path: String
  private let handle: ElfHandle
  private let descriptor: Int32

  init(path: String) throws(ElfError) {
    self.path = path
    let fd = try openForLibelf(path)
    guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else {
      close(fd)
      throw ElfError(path, .malformed, "libelf cannot read it: \(libelfMessage())")
    }
    guard elf_kind(elf) == ELF_K_AR else {
      elf_end(elf)
      close(fd)
      throw ElfError(path, .notELF, "not an ar archive")
    }
    handle = ElfHandle(raw: elf)
    descriptor = fd
  }

  deinit {
    elf_end(handle.raw)
    close(descriptor)
  }

  /// elf_getarsym: (symbol, member offset) of the archive's symbol index.
  func symbolIndex() -> [(String, UInt64)] {
    var count = 0
    guard let table = elf_getarsym(handle.raw, &count) else { return [] }
    var result: [(String, UInt64)] = []
    for i in 0..<count {
      let entry = table[i]
      guard let name = entry.as_name else { continue }
      result.append((String(cString: name), UInt64(entry.as_off)))
    }
    return result
  }

  /// elf_rand and elf_getarhdr: the member name at `offset`.
  func memberName(at offset: UInt64) -> String? {
    guard elf_rand(handle.raw, Int(offset)) == Int(offset),
      let member = elf_begin(descriptor, ELF_C_READ_MMAP, handle.raw)
    else { return nil }
    defer { elf_end(member) }
    guard let header = elf_getarhdr(member), let name = header.pointee.ar_name else { return nil }
    return String(cString: name)
  }
}
