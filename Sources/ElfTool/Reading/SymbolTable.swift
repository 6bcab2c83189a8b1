import Synchronization

/// The dynamic symbol table of one object, as the loader sees it: .dynsym through DT_SYMTAB, names
/// through DT_STRTAB, lookups through DT_GNU_HASH (bloom filter first) or DT_HASH, versions through
/// DT_VERSYM, DT_VERDEF and DT_VERNEED, references through the relocation tables. It keeps offsets
/// into the file's mapping; the bytes are read through a `View`, lent for the length of a closure.
final class SymbolTable: Sendable {
  let file: ElfFile
  let mapping: FileMapping
  let strings: StringTable
  /// The number of entries of .dynsym, and where it starts.
  let count: Int
  private let symbolsOffset: Int
  private let versymOffset: Int?
  let gnuHash: GnuHashTable?
  let sysvHash: SysvHashTable?
  let relocations: RelocationTables
  /// Version index → definition (from DT_VERDEF; the base entry excluded, as glibc does).
  private let definedVersions: [VersionName?]
  /// The same as keys compared in lookups (id -1: no definition at that index).
  private let definedVersionKeys: [DefinedVersionKey]
  /// Every name DT_VERDEF defines, the base entry included.
  let allDefinedVersionNames: [String]
  /// Version index → requirement (from DT_VERNEED).
  private let neededVersions: [NeededVersion?]
  /// Their keys, read without touching the classes.
  private let neededVersionKeys: [VersionKey?]
  /// The requirements per file, in table order.
  let requirements: [(file: String, versions: [NeededVersion])]

  /// A version definition.
  final class VersionName: Sendable {
    let name: String
    let hash: UInt32
    init(name: String, hash: UInt32) {
      self.name = name
      self.hash = hash
    }
  }

  /// A version requirement.
  final class NeededVersion: Sendable {
    let name: String
    let hash: UInt32
    let file: String
    let weak: Bool
    let hidden: Bool
    /// What a lookup compares (its name as a number).
    let key: VersionKey
    init(name: String, hash: UInt32, file: String, weak: Bool, hidden: Bool) {
      self.name = name
      self.hash = hash
      self.file = file
      self.weak = weak
      self.hidden = hidden
      key = VersionKey(id: VersionNameIDs.id(of: name), hash: hash, hidden: hidden)
    }
  }

  /// The version a reference asks for, as plain values: the lookups of every reference compare it
  /// with definitions, and a class would be retained and released each time, from both cores at
  /// once for the tables they share. Equal ids mean equal names (`VersionNameIDs`).
  struct VersionKey: Sendable, Equatable {
    var id: Int32
    var hash: UInt32
    var hidden: Bool
  }

  /// A definition's name id (-1: no definition) and hash.
  struct DefinedVersionKey: Sendable {
    var id: Int32
    var hash: UInt32
    static let none = DefinedVersionKey(id: -1, hash: 0)
  }

  /// Reads the tables of `file` from a mapping of it. Throws when a table the dynamic section names
  /// cannot be read: such an object cannot be checked, and says so.
  init(file: ElfFile) throws(ElfError) {
    self.file = file
    let mapping = try file.mapping()
    self.mapping = mapping
    guard let dynamic = file.dynamic else { throw ElfError(file.path, .malformed, "the file has no dynamic section") }
    let path = file.path
    strings = try file.dynamicStrings(in: mapping)
    func offset(_ tag: DynamicTag, size: UInt64 = 0, _ what: String) throws(ElfError) -> Int? {
      guard let address = dynamic.value(of: tag) else { return nil }
      guard let at = file.fileOffset(ofAddress: address, size: size) else {
        throw ElfError(path, .malformed, "\(what) at address \(hex(address)) is outside every PT_LOAD segment")
      }
      return Int(at)
    }
    let identity = file.identity
    let hashAt = try offset(.hash, size: 8, "DT_HASH")
    let gnuAt = try offset(.gnuHash, size: 16, "DT_GNU_HASH")
    let symtabAt = try offset(.symtab, "DT_SYMTAB")
    let versymAt = try offset(.versym, "DT_VERSYM")
    let tables = try mapping.withBytes { (bytes) throws(ElfError) -> (SysvHashTable?, GnuHashTable?) in
      let reader = ByteReader(bytes, order: identity.byteOrder)
      let sysv = try hashAt.map { (at) throws(ElfError) in try SysvHashTable.parse(reader, at: at, path: path) }
      let gnu = try gnuAt.map { (at) throws(ElfError) in
        try GnuHashTable.parse(reader, at: at, elfClass: identity.elfClass, path: path)
      }
      return (sysv, gnu)
    }
    sysvHash = tables.0
    gnuHash = tables.1
    var symbolCount = sysvHash?.nchain ?? gnuHash?.symbolCount ?? 0
    // GNU ld writes an empty DT_GNU_HASH (no chain) for an object that defines no dynamic symbol:
    // the hash table then says nothing about how many undefined entries .dynsym has.
    let emptyGnuHash = sysvHash == nil && gnuHash.map { $0.symbolCount <= $0.symbolOffset } == true
    if emptyGnuHash { symbolCount = max(symbolCount, Self.dynsymCountFromSections(file)) }
    if symbolCount == 0, gnuHash == nil, sysvHash == nil {
      // No hash table: the loader can find nothing in it; the section header of .dynsym, where
      // there is one, still gives the references.
      symbolCount = Self.dynsymCountFromSections(file)
    }
    let entrySize = SymbolRecord.size(identity.elfClass)
    if let symtabAt {
      let available = max(0, mapping.count - symtabAt) / entrySize
      guard symbolCount <= available else {
        throw ElfError(
          path, .malformed, "the dynamic symbol table (\(symbolCount) symbols) runs past the end of the file")
      }
      symbolsOffset = symtabAt
      count = symbolCount
    } else {
      symbolsOffset = 0
      count = 0
    }
    if let versymAt, count > 0 {
      guard versymAt <= mapping.count, count * 2 <= mapping.count - versymAt else {
        throw ElfError(path, .malformed, "DT_VERSYM runs past the end of the file")
      }
      versymOffset = versymAt
    } else {
      versymOffset = nil
    }
    relocations = try RelocationTables(file: file)
    try relocations.validate(fileSize: mapping.count, path: path)

    // Versions, their names resolved once.
    let strings = self.strings
    let (definitions, needs) = try file.versionRecords(in: mapping)
    var defined: [VersionName?] = []
    var allNames: [String] = []
    for definition in definitions {
      guard let first = definition.names.first else { continue }
      let name = try strings.string(at: UInt64(first), what: "a version name")
      allNames.append(name)
      if !definition.flags.contains(.base) {
        Self.store(VersionName(name: name, hash: definition.hash), at: definition.index, in: &defined)
      }
    }
    var needed: [NeededVersion?] = []
    var requirements: [(file: String, versions: [NeededVersion])] = []
    for requirement in needs {
      let fileName = try strings.string(at: UInt64(requirement.file), what: "a version file name")
      var versions: [NeededVersion] = []
      for version in requirement.versions {
        let item = NeededVersion(
          name: try strings.string(at: UInt64(version.name), what: "a version name"), hash: version.hash,
          file: fileName, weak: version.flags.contains(.weak), hidden: version.other.isHidden)
        versions.append(item)
        Self.store(item, at: version.other.index, in: &needed)
      }
      requirements.append((fileName, versions))
    }
    definedVersions = defined
    definedVersionKeys = defined.map {
      $0.map { DefinedVersionKey(id: VersionNameIDs.id(of: $0.name), hash: $0.hash) } ?? .none
    }
    allDefinedVersionNames = allNames
    neededVersions = needed
    neededVersionKeys = needed.map { $0?.key }
    self.requirements = requirements
  }

  private static func store<T>(_ value: T, at index: Int, in array: inout [T?]) {
    guard index >= 0, index < 1 << 15 else { return }
    if array.count <= index { array += [T?](repeating: nil, count: index + 1 - array.count) }
    array[index] = value
  }

  /// The number of .dynsym entries its section header gives (0 without one).
  private static func dynsymCountFromSections(_ file: ElfFile) -> Int {
    // A file without readable section headers has no other source for the count: 0 symbols.
    guard let image = try? ElfImage(path: file.path), let sections = try? image.sectionHeaders(),
      let dynsym = sections.first(where: { $0.type == .dynsym }), dynsym.entsize > 0
    else { return 0 }
    return Int(min(dynsym.size / dynsym.entsize, 1 << 26))
  }

  /// About how many distinct names the object's relocations look up (a capacity hint, not a
  /// limit): its undefined symbols, which a GNU hash table places before the hashed ones; every
  /// symbol without one.
  var referenceCountBound: Int { gnuHash.map { min($0.symbolOffset, count) } ?? count }

  /// The size of the relocation tables that name symbols: about how long checking the object takes.
  var relocationBytes: Int { relocations.ranges.reduce(0) { $0 + $1.size } }

  var hasVersions: Bool { versymOffset != nil }
  var hasDefinedVersions: Bool { !allDefinedVersionNames.isEmpty }

  /// The definition of a version index (nil: none, or the base entry).
  @inline(__always)
  func definedVersion(_ index: Int) -> VersionName? {
    index >= 0 && index < definedVersions.count ? definedVersions[index] : nil
  }

  /// `definedVersion` as the key a lookup compares (`.none` for none).
  @inline(__always)
  func definedVersionKey(_ index: Int) -> DefinedVersionKey {
    index >= 0 && index < definedVersionKeys.count ? definedVersionKeys[index] : .none
  }

  /// The key of the requirement of a version index (nil: none).
  @inline(__always)
  func neededVersionKey(_ index: Int) -> VersionKey? {
    index >= 0 && index < neededVersionKeys.count ? neededVersionKeys[index] : nil
  }

  /// The requirement of a version index of an undefined symbol.
  @inline(__always)
  func neededVersion(_ index: Int) -> NeededVersion? {
    index >= 0 && index < neededVersions.count ? neededVersions[index] : nil
  }

  /// Lends `body` a view of the table over the mapping's bytes.
  @inline(__always)
  func withView<R>(_ body: (View) -> R) -> R {
    mapping.withBytes { body(view(over: $0)) }
  }

  /// A view of the table over `bytes`, which must be this table's mapping's (see
  /// `FileMapping.withBytes(of:)`); valid while those bytes are lent.
  @inline(__always)
  func view(over bytes: UnsafeRawBufferPointer) -> View {
    View(
      file: ByteReader(bytes, order: file.identity.byteOrder), elfClass: file.identity.elfClass, count: count,
      symbolsOffset: symbolsOffset, versymOffset: versymOffset, stringsOffset: strings.offset,
      stringsSize: strings.size, gnuHash: gnuHash, sysvHash: sysvHash)
  }

  /// The table read through the file's bytes: symbols, names, version indexes and hash lookups.
  /// Plain values only (no references), so that copying one in a hot loop costs nothing.
  struct View {
    let file: ByteReader
    let elfClass: ElfClass
    let count: Int
    let symbolsOffset: Int
    let versymOffset: Int?
    let stringsOffset: Int
    let stringsSize: Int
    let gnuHash: GnuHashTable?
    let sysvHash: SysvHashTable?

    var hasVersions: Bool { versymOffset != nil }

    /// The view of an object without a symbol table: it has no symbols.
    static var empty: View {
      View(
        file: ByteReader(UnsafeRawBufferPointer(start: nil, count: 0), order: .little), elfClass: .elf64, count: 0,
        symbolsOffset: 0, versymOffset: nil, stringsOffset: 0, stringsSize: 0, gnuHash: nil, sysvHash: nil)
    }

    /// What the first test of a lookup needs: the bytes and the bloom filter (nil: none).
    var filter: LookupFilter { LookupFilter(file: file, bloom: gnuHash?.bloom) }

    @inline(__always)
    func symbol(_ index: Int) -> SymbolRecord? {
      guard index >= 0, index < count else { return nil }
      return SymbolRecord.decode(file, at: symbolsOffset + index * SymbolRecord.size(elfClass), elfClass: elfClass)
    }

    /// The version index of a symbol (VER_NDX_LOCAL when the object has no DT_VERSYM). The table
    /// init checked that DT_VERSYM's `count` entries lie in the file.
    @inline(__always)
    func versionIndex(_ index: Int) -> VersionIndex {
      guard let at = versymOffset, index >= 0, index < count else { return .local }
      return VersionIndex(rawValue: file.unchecked(at + index * 2, as: UInt16.self))
    }

    /// The bytes of a symbol's name in the string table (without the NUL), nil when out of range.
    @inline(__always)
    func nameBytes(_ symbol: SymbolRecord) -> UnsafeRawBufferPointer? {
      let start = stringsOffset + Int(symbol.name)
      let end = stringsOffset + stringsSize
      guard Int(symbol.name) < stringsSize, let base = file.bytes.baseAddress else { return nil }
      let length = strnlen(base.assumingMemoryBound(to: CChar.self) + start, end - start)
      guard start + length < end else { return nil }
      return UnsafeRawBufferPointer(start: base + start, count: length)
    }

    /// The symbol's name, nil when its offset is outside the string table.
    func name(_ symbol: SymbolRecord) -> String? {
      nameBytes(symbol).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether the symbol's name is exactly `wanted`, compared in the string table without copying.
    @inline(__always)
    func nameEquals(_ symbol: SymbolRecord, _ wanted: UnsafeRawBufferPointer) -> Bool {
      let start = stringsOffset + Int(symbol.name)
      let end = stringsOffset + stringsSize
      let length = wanted.count
      guard Int(symbol.name) < stringsSize, start + length < end, let base = file.bytes.baseAddress else {
        return false
      }
      if length > 0 {
        guard let other = wanted.baseAddress, memcmp(base + start, other, length) == 0 else { return false }
      }
      return file.bytes[start + length] == 0
    }

    /// Calls `body` with each symbol named `name` (index and record), in hash-chain order, until it
    /// returns true. What the loader can find: an object without a hash table defines nothing.
    @inline(__always)
    func forEachCandidate(_ name: UnsafeRawBufferPointer, gnuHash: UInt32, _ body: (Int, SymbolRecord) -> Bool) {
      if let gnu = self.gnuHash {
        gnu.forEachCandidate(gnuHash, file) { index in
          guard let symbol = symbol(index), nameEquals(symbol, name) else { return false }
          return body(index, symbol)
        }
      } else if let sysv = sysvHash {
        sysv.forEachCandidate(SysvHashTable.hash(name), file) { index in
          guard let symbol = symbol(index), nameEquals(symbol, name) else { return false }
          return body(index, symbol)
        }
      }
    }
  }

  /// Calls `body` with each definition in .symtab (the static symbol table, when the file has one):
  /// name and record. Nothing when the file has no section headers or no .symtab.
  func forEachStaticSymbol(_ body: (String, SymbolRecord) -> Void) throws(ElfError) {
    let sections = try ElfImage(path: file.path).sectionHeaders()
    guard let symtab = sections.first(where: { $0.type == .symtab }), Int(symtab.link) < sections.count else {
      return
    }
    let names = sections[Int(symtab.link)]
    let elfClass = file.identity.elfClass
    let entrySize = SymbolRecord.size(elfClass)
    let table = try StringTable(mapping: mapping, offset: names.offset, size: names.size, what: ".strtab")
    guard symtab.offset <= UInt64(mapping.count), symtab.size <= UInt64(mapping.count) - symtab.offset else {
      throw ElfError(file.path, .malformed, ".symtab lies outside the file")
    }
    let total = min(Int(symtab.size) / entrySize, 1 << 24)
    mapping.withBytes { bytes in
      let reader = ByteReader(bytes, order: file.identity.byteOrder)
      let strings = ByteReader(
        UnsafeRawBufferPointer(rebasing: bytes[table.offset..<table.offset + table.size]), order: .little)
      for index in 1..<max(total, 1) {
        guard let symbol = SymbolRecord.decode(reader, at: Int(symtab.offset) + index * entrySize, elfClass: elfClass),
          let name = strings.cString(Int(symbol.name)), !name.isEmpty
        else { continue }
        body(name, symbol)
      }
    }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The bloom filter of one object of a scope, reduced to what the walk over the scope tests for
/// every lookup: where its words are (in the bytes lent to the lookups), the word index mask, the
/// shift, and the word size and byte order. Valid while those bytes are lent.
struct LookupFilter {
  private enum Kind: UInt8 {
    /// A scope position without a symbol table: it defines nothing.
    case rejectsAll
    /// A table without a GNU hash table (DT_HASH only): it may define anything.
    case acceptsAll
    case little64, little32, big64, big32
  }
  private let words: UnsafeRawPointer?
  private let mask: UInt32
  private let shift: UInt32
  private let kind: Kind

  /// The filter of the table whose file bytes `file` holds (`bloom` nil: it has no GNU hash table).
  init(file: ByteReader, bloom: BloomFilter?) {
    guard let bloom, let base = file.bytes.baseAddress else {
      words = nil
      mask = 0
      shift = 0
      kind = .acceptsAll
      return
    }
    // GnuHashTable.parse checked that the bloom words lie in the file.
    words = base + bloom.offset
    mask = bloom.indexMask
    shift = bloom.shift & 31
    switch (file.order, bloom.is64) {
    case (.little, true): kind = .little64
    case (.little, false): kind = .little32
    case (.big, true): kind = .big64
    case (.big, false): kind = .big32
    }
  }

  private init(rejecting: Void) {
    words = nil
    mask = 0
    shift = 0
    kind = .rejectsAll
  }

  /// The filter of a scope position that has no table: it defines nothing.
  static var rejectingAll: LookupFilter { LookupFilter(rejecting: ()) }

  /// False means the object certainly defines no symbol of this hash: either of the hash's two
  /// bits is clear in its bloom word.
  @inline(__always)
  func mayDefine(_ hash: UInt32) -> Bool {
    switch kind {
    case .little64, .big64:
      guard let words else { return false }
      // Masking shifts (&<<, &>>): the amounts are below the word size, and Swift's checked
      // shifts would test that on every object of every lookup.
      let raw = words.loadUnaligned(fromByteOffset: Int(truncatingIfNeeded: (hash &>> 6) & mask) &* 8, as: UInt64.self)
      let word = kind == .little64 ? UInt64(littleEndian: raw) : UInt64(bigEndian: raw)
      let bits = (1 as UInt64) &<< UInt64(hash & 63) | (1 as UInt64) &<< UInt64((hash &>> shift) & 63)
      return word & bits == bits
    case .little32, .big32:
      guard let words else { return false }
      let raw = words.loadUnaligned(fromByteOffset: Int(truncatingIfNeeded: (hash &>> 5) & mask) &* 4, as: UInt32.self)
      let word = kind == .little32 ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw)
      let bits = (1 as UInt32) &<< (hash & 31) | (1 as UInt32) &<< ((hash &>> shift) & 31)
      return word & bits == bits
    case .acceptsAll: return true
    case .rejectsAll: return false
    }
  }
}

/// Version names as small numbers, the same for every table of the process: comparing two ids is
/// comparing the two names. Filled as tables are read (a few hundred names), read in no hot loop.
enum VersionNameIDs {
  private static let ids = Mutex<[String: Int32]>([:])

  /// The id of `name`, given the first time it is asked for.
  static func id(of name: String) -> Int32 {
    ids.withLock { ids in
      if let known = ids[name] { return known }
      let made = Int32(truncatingIfNeeded: ids.count)
      ids[name] = made
      return made
    }
  }
}
