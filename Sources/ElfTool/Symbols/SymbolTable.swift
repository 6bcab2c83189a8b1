#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The dynamic symbol table of one object, as the loader sees it: .dynsym through DT_SYMTAB, names
/// through DT_STRTAB, lookups through DT_GNU_HASH (bloom filter first) or DT_HASH, versions through
/// DT_VERSYM, DT_VERDEF and DT_VERNEED, references through the relocation tables. Read from a
/// mapping of the file; nothing is decoded until it is asked for.
final class SymbolTable: @unchecked Sendable {
  let file: ElfFile
  let image: ElfImage
  private let symbols: SymbolView?
  let count: Int
  let strings: StringTable?
  /// The bytes of the dynamic string table (kept alive by `strings`).
  private let stringBytes: UnsafeRawBufferPointer
  private let versym: Words<UInt16>?
  /// Version index → definition (from DT_VERDEF; the base entry excluded, as glibc does).
  private var definedVersions: [VersionName?] = []
  /// Every name DT_VERDEF defines, the base entry included.
  private(set) var allDefinedVersionNames: [String] = []
  /// Version index → requirement (from DT_VERNEED).
  private var neededVersions: [NeededVersion?] = []
  /// The requirements per file, in table order.
  private(set) var requirements: [(file: String, versions: [NeededVersion])] = []
  private let gnuHash: GnuHashTable?
  private let sysvHash: SysvHashTable?
  /// The GNU hash bloom filter, copied out of `gnuHash` for the hottest check of all.
  private let bloom: UnsafeRawBufferPointer
  private let bloomShift: UInt32
  private let bloomIs64: Bool
  /// Chunks whose memory the `Words` views above point into.
  private var retained: [Chunk] = []

  /// A version definition (classes: passed around in hot loops without copying strings).
  final class VersionName {
    let name: String
    let hash: UInt32
    init(name: String, hash: UInt32) {
      self.name = name
      self.hash = hash
    }
  }

  final class NeededVersion {
    let name: String
    let hash: UInt32
    let file: String
    let weak: Bool
    let hidden: Bool
    init(name: String, hash: UInt32, file: String, weak: Bool, hidden: Bool) {
      self.name = name
      self.hash = hash
      self.file = file
      self.weak = weak
      self.hidden = hidden
    }
  }

  /// The definition of a version index (nil: none, or the base entry).
  @inline(__always)
  func definedVersion(_ index: Int) -> VersionName? {
    index >= 0 && index < definedVersions.count ? definedVersions[index] : nil
  }

  /// The requirement of a version index of an undefined symbol.
  @inline(__always)
  func neededVersion(_ index: Int) -> NeededVersion? {
    index >= 0 && index < neededVersions.count ? neededVersions[index] : nil
  }

  private static func store<T>(_ value: T, at index: Int, in array: inout [T?]) {
    guard index >= 0, index < 1 << 15 else { return }
    if array.count <= index { array += [T?](repeating: nil, count: index + 1 - array.count) }
    array[index] = value
  }

  var hasVersions: Bool { versym != nil }
  var hasDefinedVersions: Bool { !allDefinedVersionNames.isEmpty }

  init(file: ElfFile) throws(ElfError) {
    self.file = file
    let image = try ElfImage(path: file.path, access: .map)
    guard image.stamp == file.stamp else {
      throw ElfError(file.path, .io(errno: 0), "the file was replaced while elfdyn was reading it")
    }
    self.image = image
    let entries = file.dynamic?.entries ?? []
    func value(_ tag: Int64) -> UInt64? { entries.first { $0.tag == tag }?.value }
    func offset(_ tag: Int64, size: UInt64 = 0) -> UInt64? {
      guard let address = value(tag) else { return nil }
      return file.fileOffset(ofAddress: address, size: size)
    }
    let table = try? ElfFile.stringTable(entries, image: image, programHeaders: file.programHeaders)
    strings = table
    stringBytes = table?.chunk.bytes ?? UnsafeRawBufferPointer(start: nil, count: 0)
    let order = file.identity.byteOrder
    let is64 = file.identity.elfClass == .elf64

    // Hash tables (and from them the number of symbols).
    var keep: [Chunk] = []
    var sysv: SysvHashTable?
    if let at = offset(DynamicTag.hash, size: 8),
      let header = try? image.chunk(offset: at, size: 8, type: .word, what: "DT_HASH")
    {
      let words = Words<UInt32>(chunk: header)
      if let nbucket = words[0], let nchain = words[1], nbucket > 0, nbucket < 1 << 26, nchain < 1 << 26 {
        let size = (2 + UInt64(nbucket) + UInt64(nchain)) * 4
        if let full = try? image.chunk(offset: at, size: size, type: .word, what: "DT_HASH") {
          keep.append(full)
          sysv = SysvHashTable(words: Words<UInt32>(chunk: full), nbucket: Int(nbucket), nchain: Int(nchain))
        }
      }
    }
    sysvHash = sysv
    var gnu: GnuHashTable?
    if let at = offset(DynamicTag.gnuHash, size: 16) {
      gnu = GnuHashTable.read(image: image, at: at, is64: is64, keep: &keep)
    }
    gnuHash = gnu
    if let gnu, let words = gnu.bloom64?.bytes ?? gnu.bloom32?.bytes {
      bloom = words
      bloomShift = gnu.bloomShift
      bloomIs64 = gnu.bloom64 != nil
    } else {
      bloom = UnsafeRawBufferPointer(start: nil, count: 0)
      bloomShift = 0
      bloomIs64 = false
    }
    var symbolCount = sysv?.nchain ?? gnu?.symbolCount ?? 0
    if symbolCount == 0 {
      // No hash table: the section header of .dynsym, where there is one.
      if let dynsym = image.allSections().first(where: { $0.type == SectionHeader.dynsym }), dynsym.entsize > 0 {
        symbolCount = Int(min(dynsym.size / dynsym.entsize, 1 << 26))
      }
    }
    let entrySize = UInt64(image.fileSize(of: .sym))
    if symbolCount > 0, let at = offset(DynamicTag.symtab),
      let chunk = try? image.chunk(
        offset: at, size: UInt64(symbolCount) * entrySize, type: .sym, what: "the dynamic symbol table")
    {
      keep.append(chunk)
      symbols = SymbolView(chunk: chunk, count: symbolCount)
      count = symbolCount
    } else {
      symbols = nil
      count = 0
    }
    if count > 0, let at = offset(DynamicTag.versym),
      let chunk = try? image.chunk(offset: at, size: UInt64(count) * 2, type: .half, what: "DT_VERSYM")
    {
      keep.append(chunk)
      versym = Words<UInt16>(chunk: chunk)
    } else {
      versym = nil
    }
    retained = keep
    if let at = offset(DynamicTag.verdef), let number = value(DynamicTag.verdefnum) {
      readVersionDefinitions(at: at, count: Int(min(number, 1 << 16)), order: order)
    }
    if let at = offset(DynamicTag.verneed), let number = value(DynamicTag.verneednum) {
      readVersionNeeds(at: at, count: Int(min(number, 1 << 16)), order: order)
    }
  }

  @inline(__always)
  func symbol(_ index: Int) -> RawSymbol? { symbols?.symbol(index) }

  /// The version index of a symbol (0 when the object has no DT_VERSYM), with the hidden bit.
  func versionIndex(_ index: Int) -> UInt16 { versym?[index] ?? 0 }

  func name(_ symbol: RawSymbol) -> String? {
    try? strings?.string(at: UInt64(symbol.name), what: "a symbol name")
  }

  /// Whether the symbol's name is exactly `wanted`, compared in the string table without copying.
  @inline(__always)
  func nameEquals(_ symbol: RawSymbol, _ wanted: SymbolName) -> Bool {
    let bytes = stringBytes
    let start = Int(symbol.name)
    let length = wanted.bytes.count
    guard start + length < bytes.count, let base = bytes.baseAddress else { return false }
    if length > 0 {
      guard let other = wanted.bytes.baseAddress, memcmp(base + start, other, length) == 0 else { return false }
    }
    return bytes[start + length] == 0
  }

  /// The bytes of a symbol's name in the string table (without the NUL), nil when out of range.
  @inline(__always)
  func nameBytes(_ symbol: RawSymbol) -> UnsafeRawBufferPointer? {
    let bytes = stringBytes
    let start = Int(symbol.name)
    guard start < bytes.count, let base = bytes.baseAddress else { return nil }
    let length = strnlen(base.assumingMemoryBound(to: CChar.self) + start, bytes.count - start)
    guard start + length < bytes.count else { return nil }
    return UnsafeRawBufferPointer(start: base + start, count: length)
  }

  /// The bloom filter's answer for a GNU hash: false means the object certainly does not define
  /// the name (objects without DT_GNU_HASH always say true).
  @inline(__always)
  func mayDefine(_ hash: UInt32) -> Bool {
    if bloomIs64 {
      let count = bloom.count / 8
      guard count > 0 else { return true }
      let word = bloom.loadUnaligned(fromByteOffset: Int((hash / 64) % UInt32(count)) * 8, as: UInt64.self)
      let mask = (UInt64(1) << UInt64(hash % 64)) | (UInt64(1) << UInt64((hash >> (bloomShift & 31)) % 64))
      return word & mask == mask
    }
    let count = bloom.count / 4
    guard count > 0 else { return true }
    let word = bloom.loadUnaligned(fromByteOffset: Int((hash / 32) % UInt32(count)) * 4, as: UInt32.self)
    let mask = (UInt32(1) << (hash % 32)) | (UInt32(1) << ((hash >> (bloomShift & 31)) % 32))
    return word & mask == mask
  }

  /// The indexes of the symbols named `name`, through the object's hash table (what the loader can
  /// find; an object without a hash table defines nothing for it).
  func candidates(_ name: SymbolName) -> [Int] {
    var result: [Int] = []
    forEachCandidate(name) { index, _ in
      result.append(index)
      return false
    }
    return result
  }

  /// Calls `body` with each symbol named `name` (index and decoded symbol), in hash-chain order,
  /// until it returns true. Allocates nothing.
  @inline(__always)
  func forEachCandidate(_ name: SymbolName, _ body: (Int, RawSymbol) -> Bool) {
    if let gnu = gnuHash {
      guard gnu.mayContain(name.gnuHash), let start = gnu.buckets[Int(name.gnuHash % UInt32(gnu.nbuckets))],
        start != 0, Int(start) >= gnu.symbolOffset
      else { return }
      var index = Int(start)
      while let value = gnu.chains[index - gnu.symbolOffset] {
        if value | 1 == name.gnuHash | 1, let symbol = symbol(index), nameEquals(symbol, name) {
          if body(index, symbol) { return }
        }
        if value & 1 == 1 { return }
        index += 1
      }
      return
    }
    if let sysv = sysvHash {
      let hash = name.elfHash
      for index in sysv.chain(for: hash) {
        if let symbol = symbol(index), nameEquals(symbol, name), body(index, symbol) { return }
      }
    }
  }

  /// Calls `body` with every relocation that names a symbol (DT_RELA, DT_REL, DT_JMPREL).
  func forEachRelocation(_ body: (RawRelocation) -> Void) {
    let entries = file.dynamic?.entries ?? []
    func value(_ tag: Int64) -> UInt64? { entries.first { $0.tag == tag }?.value }
    // DT_RELACOUNT / DT_RELCOUNT: that many relative relocations (no symbol) come first; skip them.
    func read(_ addressTag: Int64, _ sizeTag: Int64, rela: Bool, relativeCountTag: Int64? = nil) {
      guard let address = value(addressTag), var size = value(sizeTag), size > 0,
        var at = file.fileOffset(ofAddress: address, size: size), at <= image.fileSize
      else { return }
      if let tag = relativeCountTag, let relative = value(tag) {
        let entry = UInt64(image.fileSize(of: rela ? .rela : .rel))
        let (skipped, overflow) = relative.multipliedReportingOverflow(by: entry)
        if !overflow && skipped < size {
          at += skipped
          size -= skipped
        }
      }
      guard let chunk = try? image.chunk(offset: at, size: size, type: rela ? .rela : .rel, what: "relocations")
      else { return }
      image.forEachRelocation(chunk, rela: rela, body)
    }
    read(DynamicTag.rela, DynamicTag.relasz, rela: true, relativeCountTag: DynamicTag.relacount)
    read(DynamicTag.rel, DynamicTag.relsz, rela: false, relativeCountTag: DynamicTag.relcount)
    read(DynamicTag.jmprel, DynamicTag.pltrelsz, rela: value(DynamicTag.pltrel) != UInt64(DynamicTag.rel))
  }

  // MARK: versions

  private func versionBytes(at offset: UInt64) -> UnsafeRawBufferPointer? {
    // Version tables have no size entry: read to the end of the segment that holds them (≤ 1 MiB).
    let phdr = file.programHeaders.first {
      $0.type == ProgramHeader.load && offset >= $0.offset && offset - $0.offset < $0.filesz
    }
    guard let phdr else { return nil }
    let size = min(phdr.filesz - (offset - phdr.offset), 1 << 20)
    guard let chunk = try? image.chunk(offset: offset, size: size, type: .bytes, what: "version table") else {
      return nil
    }
    retained.append(chunk)
    return chunk.bytes
  }
  private func readVersionDefinitions(at offset: UInt64, count: Int, order: ByteOrder) {
    guard let bytes = versionBytes(at: offset) else { return }
    let reader = ByteReader(bytes: bytes, order: order)
    var position = 0
    for _ in 0..<count {
      guard let flags = reader.u16(position + 2), let index = reader.u16(position + 4),
        let hash = reader.u32(position + 8), let aux = reader.u32(position + 12), let next = reader.u32(position + 16),
        let nameOffset = reader.u32(position + Int(aux)),
        let name = try? strings?.string(at: UInt64(nameOffset), what: "a version name")
      else { return }
      allDefinedVersionNames.append(name)
      if flags & 0x1 == 0 {  // not VER_FLG_BASE
        Self.store(VersionName(name: name, hash: hash), at: Int(index & 0x7fff), in: &definedVersions)
      }
      guard next != 0 else { return }
      position += Int(next)
    }
  }

  private func readVersionNeeds(at offset: UInt64, count: Int, order: ByteOrder) {
    guard let bytes = versionBytes(at: offset) else { return }
    let reader = ByteReader(bytes: bytes, order: order)
    var position = 0
    for _ in 0..<count {
      guard let auxCount = reader.u16(position + 2), let fileOffset = reader.u32(position + 4),
        let aux = reader.u32(position + 8), let next = reader.u32(position + 12),
        let fileName = try? strings?.string(at: UInt64(fileOffset), what: "a version file name")
      else { return }
      var versions: [NeededVersion] = []
      var auxPosition = position + Int(aux)
      for _ in 0..<Int(auxCount) {
        guard let hash = reader.u32(auxPosition), let flags = reader.u16(auxPosition + 4),
          let other = reader.u16(auxPosition + 6), let nameOffset = reader.u32(auxPosition + 8),
          let auxNext = reader.u32(auxPosition + 12),
          let name = try? strings?.string(at: UInt64(nameOffset), what: "a version name")
        else { break }
        let needed = NeededVersion(
          name: name, hash: hash, file: fileName, weak: flags & 0x2 != 0, hidden: other & 0x8000 != 0)
        versions.append(needed)
        Self.store(needed, at: Int(other & 0x7fff), in: &neededVersions)
        guard auxNext != 0 else { break }
        auxPosition += Int(auxNext)
      }
      requirements.append((fileName, versions))
      guard next != 0 else { return }
      position += Int(next)
    }
  }
}

/// A symbol name with its two hashes, computed once per lookup. It points into memory it does not
/// own (a string table, or a string's storage inside `SymbolName.with`).
struct SymbolName {
  let bytes: UnsafeRawBufferPointer
  let gnuHash: UInt32

  init(_ bytes: UnsafeRawBufferPointer) {
    self.bytes = bytes
    var h: UInt32 = 5381
    for c in bytes { h = h &* 33 &+ UInt32(c) }
    gnuHash = h
  }

  /// The SysV ELF hash, for the rare objects that have only DT_HASH (computed when needed).
  var elfHash: UInt32 {
    var e: UInt32 = 0
    for c in bytes {
      e = (e << 4) &+ UInt32(c)
      let g = e & 0xf000_0000
      if g != 0 { e ^= g >> 24 }
      e &= ~g
    }
    return e
  }

  var text: String { String(decoding: bytes, as: UTF8.self) }

  /// Calls `body` with the name of a Swift string.
  static func with<R>(_ text: String, _ body: (SymbolName) -> R) -> R {
    var copy = text
    return copy.withUTF8 { body(SymbolName(UnsafeRawBufferPointer($0))) }
  }

  func equals(_ other: SymbolName) -> Bool {
    guard bytes.count == other.bytes.count, gnuHash == other.gnuHash else { return false }
    guard let a = bytes.baseAddress, let b = other.bytes.baseAddress else { return bytes.count == 0 }
    return memcmp(a, b, bytes.count) == 0
  }
}

/// DT_HASH: nbucket, nchain, buckets, chains.
struct SysvHashTable {
  let words: Words<UInt32>
  let nbucket: Int
  let nchain: Int

  func chain(for hash: UInt32) -> [Int] {
    var result: [Int] = []
    guard nbucket > 0, var index = words[2 + Int(hash % UInt32(nbucket))].map(Int.init) else { return [] }
    var steps = 0
    while index != 0, index < nchain, steps <= nchain {
      result.append(index)
      guard let next = words[2 + nbucket + index] else { break }
      index = Int(next)
      steps += 1
    }
    return result
  }
}

/// DT_GNU_HASH: a bloom filter, buckets and hash chains.
struct GnuHashTable {
  let nbuckets: Int
  let symbolOffset: Int
  let bloomShift: UInt32
  let bloom32: Words<UInt32>?
  let bloom64: Words<UInt64>?
  let bloomCount: Int
  let buckets: Words<UInt32>
  let chains: Words<UInt32>
  /// One past the highest symbol index the table reaches.
  let symbolCount: Int

  static func read(image: ElfImage, at offset: UInt64, is64: Bool, keep: inout [Chunk]) -> GnuHashTable? {
    // Offsets come from the file: with the table's start inside the file, no sum below passes 2^64.
    guard offset <= image.fileSize else { return nil }
    guard let header = try? image.chunk(offset: offset, size: 16, type: .word, what: "DT_GNU_HASH") else { return nil }
    let h = Words<UInt32>(chunk: header)
    guard let nbuckets = h[0], let symoffset = h[1], let bloomSize = h[2], let shift = h[3],
      nbuckets > 0, nbuckets < 1 << 26, bloomSize > 0, bloomSize < 1 << 26, symoffset < 1 << 26
    else { return nil }
    let wordSize: UInt64 = is64 ? 8 : 4
    let bloomAt = offset + 16
    let bucketsAt = bloomAt + UInt64(bloomSize) * wordSize
    let chainsAt = bucketsAt + UInt64(nbuckets) * 4
    var bloom32: Words<UInt32>?
    var bloom64: Words<UInt64>?
    if is64 {
      guard
        let c = try? image.chunk(
          offset: bloomAt, size: UInt64(bloomSize) * 8, type: .xword, what: "GNU hash bloom filter")
      else { return nil }
      keep.append(c)
      bloom64 = Words<UInt64>(chunk: c)
    } else {
      guard
        let c = try? image.chunk(
          offset: bloomAt, size: UInt64(bloomSize) * 4, type: .word, what: "GNU hash bloom filter")
      else { return nil }
      keep.append(c)
      bloom32 = Words<UInt32>(chunk: c)
    }
    guard
      let bucketChunk = try? image.chunk(
        offset: bucketsAt, size: UInt64(nbuckets) * 4, type: .word, what: "GNU hash buckets")
    else { return nil }
    keep.append(bucketChunk)
    let buckets = Words<UInt32>(chunk: bucketChunk)
    var maxBucket: UInt32 = 0
    for i in 0..<Int(nbuckets) { if let b = buckets[i], b > maxBucket { maxBucket = b } }
    // Walk the last chain to its end to learn the number of symbols.
    var chainLength = 0
    if maxBucket >= symoffset {
      var length = Int(maxBucket - symoffset) + 1
      var step = 256
      while true {
        let available = image.fileSize > chainsAt ? Int((image.fileSize - chainsAt) / 4) : 0
        let want = min(length + step, available)
        guard want > 0,
          let c = try? image.chunk(offset: chainsAt, size: UInt64(want) * 4, type: .word, what: "GNU hash chains")
        else {
          return nil
        }
        let words = Words<UInt32>(chunk: c)
        var found = false
        var index = Int(maxBucket - symoffset)
        while index < want {
          if let word = words[index], word & 1 == 1 {
            found = true
            length = index + 1
            break
          }
          index += 1
        }
        if found { chainLength = length; break }
        if want >= available { return nil }
        length = want
        step *= 4
      }
    }
    let chainChunk: Chunk
    if chainLength > 0,
      let c = try? image.chunk(offset: chainsAt, size: UInt64(chainLength) * 4, type: .word, what: "GNU hash chains")
    {
      chainChunk = c
      keep.append(c)
    } else {
      chainChunk = bucketChunk
      chainLength = 0
    }
    return GnuHashTable(
      nbuckets: Int(nbuckets), symbolOffset: Int(symoffset), bloomShift: shift, bloom32: bloom32, bloom64: bloom64,
      bloomCount: Int(bloomSize), buckets: buckets,
      chains: chainLength > 0 ? Words<UInt32>(chunk: chainChunk) : Words<UInt32>(chunk: bucketChunk),
      symbolCount: chainLength > 0 ? Int(symoffset) + chainLength : Int(symoffset))
  }

  /// The bloom filter's answer: false means the table certainly has no symbol of this hash.
  @inline(__always)
  func mayContain(_ hash: UInt32) -> Bool {
    let bits: UInt32 = bloom64 != nil ? 64 : 32
    let word = Int((hash / bits) % UInt32(bloomCount))
    let h1 = hash % bits
    let h2 = (hash >> (bloomShift & 31)) % bits
    if let bloom64 {
      guard let w = bloom64[word] else { return false }
      let mask = (UInt64(1) << UInt64(h1)) | (UInt64(1) << UInt64(h2))
      return w & mask == mask
    }
    if let bloom32 {
      guard let w = bloom32[word] else { return false }
      let mask = (UInt32(1) << h1) | (UInt32(1) << h2)
      return w & mask == mask
    }
    return true
  }

  /// The symbol indexes whose hash matches, after the bloom filter.
  func chain(for hash: UInt32) -> [Int] {
    let bits: UInt32 = bloom64 != nil ? 64 : 32
    let word = Int((hash / bits) % UInt32(bloomCount))
    let h2 = (hash >> (bloomShift & 31)) % bits
    let h1 = hash % bits
    if let bloom64 {
      guard let w = bloom64[word] else { return [] }
      let mask = (UInt64(1) << UInt64(h1)) | (UInt64(1) << UInt64(h2))
      if w & mask != mask { return [] }
    } else if let bloom32 {
      guard let w = bloom32[word] else { return [] }
      let mask = (UInt32(1) << h1) | (UInt32(1) << h2)
      if w & mask != mask { return [] }
    }
    guard let start = buckets[Int(hash % UInt32(nbuckets))], start != 0, Int(start) >= symbolOffset else { return [] }
    var result: [Int] = []
    var index = Int(start)
    while let value = chains[index - symbolOffset] {
      if value | 1 == hash | 1 { result.append(index) }
      if value & 1 == 1 { break }
      index += 1
    }
    return result
  }
}
