// The part of the libelf layer that `set-rpath` needs beyond what resolution reads: the ELF header's
// layout fields, the section headers with their names, and symbol records decoded from raw file
// bytes. Like LibElf.swift, one Swift wrapper per C call, named after it; no libelf pointer leaves
// this file. The bytes an edit writes are encoded by hand (Patch/ByteCodec.swift), not by libelf.

internal import CLibElf

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The fields of the ELF header that say where the tables are.
struct ElfHeaderLayout: Sendable, Equatable {
  var type: UInt16
  var phoff: UInt64
  var phentsize: Int
  /// e_phnum as stored in the header (PN_XNUM 0xffff means the count is in section 0).
  var rawPhnum: Int
  /// The real number of program headers (elf_getphdrnum).
  var phnum: Int
  var shoff: UInt64
  var shentsize: Int
  /// The real number of sections (elf_getshdrnum), 0 when there is no section header table.
  var shnum: Int
  var shstrndx: Int
}

/// One section header, with its name from the section header string table ("" when unreadable).
struct SectionHeader: Sendable, Equatable {
  var index: Int
  var name: String
  /// sh_name, the offset of the name in the section header string table.
  var nameOffset: UInt32
  var type: UInt32
  var flags: UInt64
  var addr: UInt64
  var offset: UInt64
  var size: UInt64
  var link: UInt32
  var info: UInt32
  var addralign: UInt64
  var entsize: UInt64

  static let null: UInt32 = 0
  static let progbits: UInt32 = 1
  static let symtab: UInt32 = 2
  static let strtab: UInt32 = 3
  static let dynamicType: UInt32 = 6
  static let note: UInt32 = 7
  static let nobits: UInt32 = 8
  static let dynsym: UInt32 = 11
  static let flagWrite: UInt64 = 0x1
  static let flagAlloc: UInt64 = 0x2

  /// The bytes it occupies in the file (none for SHT_NOBITS and SHT_NULL).
  var fileSize: UInt64 { type == Self.nobits || type == Self.null ? 0 : size }
}

/// One symbol table entry, in host byte order.
struct SymbolRecord: Sendable, Equatable {
  var name: UInt32
  var value: UInt64
  var size: UInt64
  var info: UInt8
  var other: UInt8
  var shndx: UInt16
}

extension ElfImage {
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
    if shnum > 0, elf_getshdrstrndx(handle.raw, &shstrndx) != 0 {
      shstrndx = 0
    }
    return ElfHeaderLayout(
      type: ehdr.e_type, phoff: ehdr.e_phoff, phentsize: Int(ehdr.e_phentsize), rawPhnum: Int(ehdr.e_phnum),
      phnum: phnum, shoff: ehdr.e_shoff, shentsize: Int(ehdr.e_shentsize), shnum: shnum, shstrndx: shstrndx)
  }

  /// elf_getscn and gelf_getshdr for every section, elf_strptr for each name.
  func sectionHeaders(count: Int, namesIndex: Int) throws(ElfError) -> [SectionHeader] {
    var result: [SectionHeader] = []
    result.reserveCapacity(count)
    var shdr = GElf_Shdr()
    for index in 0..<count {
      guard let scn = elf_getscn(handle.raw, index) else {
        throw ElfError(path, .malformed, "section header \(index) cannot be read: \(libelfMessage())")
      }
      guard gelf_getshdr(scn, &shdr) != nil else {
        throw ElfError(path, .malformed, "section header \(index) cannot be read: \(libelfMessage())")
      }
      var name = ""
      if namesIndex > 0, namesIndex < count, let text = elf_strptr(handle.raw, namesIndex, Int(shdr.sh_name)) {
        name = String(cString: text)
      }
      result.append(
        SectionHeader(
          index: index, name: name, nameOffset: shdr.sh_name, type: shdr.sh_type, flags: shdr.sh_flags,
          addr: shdr.sh_addr,
          offset: shdr.sh_offset, size: shdr.sh_size, link: shdr.sh_link, info: shdr.sh_info,
          addralign: shdr.sh_addralign, entsize: shdr.sh_entsize))
    }
    return result
  }

  /// Every section header, empty for a file without them or whose table cannot be read.
  func allSections() -> [SectionHeader] {
    guard let layout = try? headerLayout(), layout.shnum > 0 else { return [] }
    return (try? sectionHeaders(count: min(layout.shnum, 1 << 16), namesIndex: layout.shstrndx)) ?? []
  }

  /// gelf_xlatetom on raw symbol table bytes read from the file: the records in host byte order.
  /// Used in windows so that a large .symtab is never held in memory whole (libelf keeps every raw
  /// chunk until elf_end).
  func decodeSymbols(_ raw: UnsafeRawBufferPointer) throws(ElfError) -> [SymbolRecord] {
    let entrySize = fileSize(of: .sym)
    guard entrySize > 0, raw.count >= entrySize, let base = raw.baseAddress else { return [] }
    let count = raw.count / entrySize
    let byteCount = count * entrySize
    let is64 = identity.elfClass == .elf64
    var decoded = [UInt8](repeating: 0, count: byteCount)
    let ok = decoded.withUnsafeMutableBytes { out -> Bool in
      var source = Elf_Data()
      source.d_buf = UnsafeMutableRawPointer(mutating: base)
      source.d_type = ELF_T_SYM
      source.d_size = byteCount
      source.d_version = elfdyn_ev_current()
      var dest = Elf_Data()
      dest.d_buf = out.baseAddress
      dest.d_type = ELF_T_SYM
      dest.d_size = byteCount
      dest.d_version = elfdyn_ev_current()
      let encoding = UInt32(identity.byteOrder.rawValue)
      return gelf_xlatetom(handle.raw, &dest, &source, encoding) != nil
    }
    guard ok else {
      throw ElfError(path, .malformed, "symbols cannot be decoded: \(libelfMessage())")
    }
    var result: [SymbolRecord] = []
    result.reserveCapacity(count)
    decoded.withUnsafeBytes { bytes in
      if is64 {
        for item in bytes.bindMemory(to: Elf64_Sym.self).prefix(count) {
          result.append(
            SymbolRecord(
              name: item.st_name, value: item.st_value, size: item.st_size, info: item.st_info,
              other: item.st_other, shndx: item.st_shndx))
        }
      } else {
        for item in bytes.bindMemory(to: Elf32_Sym.self).prefix(count) {
          result.append(
            SymbolRecord(
              name: item.st_name, value: UInt64(item.st_value), size: UInt64(item.st_size), info: item.st_info,
              other: item.st_other, shndx: item.st_shndx))
        }
      }
    }
    return result
  }
}
