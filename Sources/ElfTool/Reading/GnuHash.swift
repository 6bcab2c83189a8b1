/// DT_GNU_HASH, the table a modern loader finds symbols through.
///
/// Layout (all words in the file's byte order): `nbuckets`, `symoffset`, `bloom_size`,
/// `bloom_shift`; then `bloom_size` bloom words of the class's size (32 or 64 bits); then
/// `nbuckets` 32-bit buckets, each the first symbol index of its chain (0: empty); then one 32-bit
/// chain word per symbol from `symoffset` on, the symbol's hash with bit 0 replaced by "last of
/// its chain". A name's hash is the DJB hash `h = h * 33 + c` from 5381. The bloom filter sets two
/// bits per defined symbol: bit `h % B` and bit `(h >> bloom_shift) % B` of word
/// `(h / B) & (bloom_size - 1)`, B being the word size in bits; a name with either bit clear is not
/// defined. `bloom_size` is a power of two (glibc's loader asserts it; glibc and musl both index
/// with the mask, which stays inside the filter whatever the size). The number of symbols is not stored: it is one past the end of the last chain.
struct GnuHashTable: Sendable {
  let nbuckets: Int
  let symbolOffset: Int
  let bloomShift: UInt32
  let bloomWords: Int
  let bloom64: Bool
  /// File offsets of the bloom filter, the buckets and the chains.
  let bloomOffset: Int
  let bucketsOffset: Int
  let chainsOffset: Int
  /// One past the highest symbol index the table reaches.
  let symbolCount: Int

  /// Parses the table at `at` of the file `file` (the whole file's bytes). Every part must lie in
  /// the file.
  static func parse(_ file: ByteReader, at: Int, elfClass: ElfClass, path: String) throws(ElfError) -> GnuHashTable {
    guard let nbuckets = file.u32(at), let symoffset = file.u32(at + 4), let bloomSize = file.u32(at + 8),
      let shift = file.u32(at + 12)
    else { throw ElfError(path, .malformed, "the GNU hash table header at offset \(hex(at)) lies outside the file") }
    guard nbuckets > 0, nbuckets < 1 << 26, bloomSize > 0, bloomSize < 1 << 26, symoffset < 1 << 26 else {
      throw ElfError(
        path, .malformed,
        "the GNU hash table is implausible (\(nbuckets) buckets, \(bloomSize) bloom words, symbol offset \(symoffset))")
    }
    let wordSize = elfClass == .elf64 ? 8 : 4
    let bloomOffset = at + 16
    let bucketsOffset = bloomOffset + Int(bloomSize) * wordSize
    let chainsOffset = bucketsOffset + Int(nbuckets) * 4
    guard chainsOffset <= file.count else {
      throw ElfError(path, .malformed, "the GNU hash table's bloom filter and buckets run past the end of the file")
    }
    // The buckets lie in the file (checked above): read without a check per word.
    let maxBucket = file.maximumU32(bucketsOffset, count: Int(nbuckets))
    // Walk the last chain to its end to learn the number of symbols.
    var count = Int(symoffset)
    if maxBucket >= symoffset {
      var index = Int(maxBucket - symoffset)
      while true {
        guard let word = file.u32(chainsOffset + index * 4) else {
          throw ElfError(path, .malformed, "a GNU hash chain runs past the end of the file")
        }
        if word & 1 == 1 { break }
        index += 1
      }
      count = Int(symoffset) + index + 1
    }
    return GnuHashTable(
      nbuckets: Int(nbuckets), symbolOffset: Int(symoffset), bloomShift: shift, bloomWords: Int(bloomSize),
      bloom64: elfClass == .elf64, bloomOffset: bloomOffset, bucketsOffset: bucketsOffset,
      chainsOffset: chainsOffset, symbolCount: count)
  }

  /// The bloom filter alone, a small value for the hottest check of all.
  var bloom: BloomFilter {
    BloomFilter(offset: bloomOffset, indexMask: UInt32(bloomWords - 1), shift: bloomShift, is64: bloom64)
  }

  /// The bloom filter's answer: false means the table certainly has no symbol of this hash. The
  /// test is `LookupFilter`'s, the one the walk over a scope makes for every object.
  @inline(__always)
  func mayContain(_ hash: UInt32, _ file: ByteReader) -> Bool {
    LookupFilter(file: file, bloom: bloom).mayDefine(hash)
  }
}

/// A GNU hash table's bloom filter: where its words are, how many, the shift, the word size.
/// `LookupFilter` tests a hash against it.
struct BloomFilter: Sendable {
  let offset: Int
  /// The number of words less one: a word's index is masked, as the loaders do (no division in
  /// the hottest check of all).
  let indexMask: UInt32
  let shift: UInt32
  let is64: Bool
}

extension GnuHashTable {
  /// Calls `body` with each symbol index of `hash`'s chain whose stored hash matches, until it
  /// returns true. Checks the bloom filter first. `file` must be the bytes `parse` read: it checked
  /// that the buckets and every chain word below `symbolCount` lie in them.
  @inline(__always)
  func forEachCandidate(_ hash: UInt32, _ file: ByteReader, _ body: (Int) -> Bool) {
    guard mayContain(hash, file) else { return }
    let start = Int(file.unchecked(bucketsOffset + Int(hash % UInt32(nbuckets)) * 4, as: UInt32.self))
    guard start != 0, start >= symbolOffset else { return }
    var index = start
    while index < symbolCount {
      let value = file.unchecked(chainsOffset + (index - symbolOffset) * 4, as: UInt32.self)
      if value | 1 == hash | 1, body(index) { return }
      if value & 1 == 1 { return }
      index += 1
    }
  }

  /// The GNU hash of a name. Four bytes per step, `h * 33^4 + c0 * 33^3 + c1 * 33^2 + c2 * 33 + c3`
  /// (modulo 2^32, the same value as four single steps): the four products do not wait for each
  /// other, so a long name (Swift's and C++'s mangled names run to a hundred bytes) costs a
  /// quarter of the chain of dependent multiplications.
  @inline(__always)
  static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var h: UInt32 = 5381
    let count = bytes.count
    var i = 0
    while i &+ 4 <= count {
      let c0 = UInt32(bytes[i])
      let c1 = UInt32(bytes[i &+ 1])
      let c2 = UInt32(bytes[i &+ 2])
      let c3 = UInt32(bytes[i &+ 3])
      h = h &* 1_185_921 &+ c0 &* 35_937 &+ c1 &* 1_089 &+ c2 &* 33 &+ c3
      i &+= 4
    }
    while i < count {
      h = h &* 33 &+ UInt32(bytes[i])
      i &+= 1
    }
    return h
  }
}

/// DT_HASH, the SysV hash table: `nbucket`, `nchain`, then `nbucket` buckets and `nchain` chain
/// links, all 32-bit words. `nchain` is the number of symbols. A name's hash is the ELF hash.
struct SysvHashTable: Sendable {
  let nbucket: Int
  let nchain: Int
  let bucketsOffset: Int
  var chainsOffset: Int { bucketsOffset + nbucket * 4 }

  /// Parses the table at `at` of the file; it must lie in the file.
  static func parse(_ file: ByteReader, at: Int, path: String) throws(ElfError) -> SysvHashTable {
    guard let nbucket = file.u32(at), let nchain = file.u32(at + 4) else {
      throw ElfError(path, .malformed, "the DT_HASH header at offset \(hex(at)) lies outside the file")
    }
    guard nbucket > 0, nbucket < 1 << 26, nchain < 1 << 26 else {
      throw ElfError(path, .malformed, "DT_HASH is implausible (\(nbucket) buckets, \(nchain) chains)")
    }
    let table = SysvHashTable(nbucket: Int(nbucket), nchain: Int(nchain), bucketsOffset: at + 8)
    guard table.chainsOffset + table.nchain * 4 <= file.count else {
      throw ElfError(path, .malformed, "DT_HASH runs past the end of the file")
    }
    return table
  }

  /// Calls `body` with each symbol index of `hash`'s chain until it returns true.
  func forEachCandidate(_ hash: UInt32, _ file: ByteReader, _ body: (Int) -> Bool) {
    guard var index = file.u32(bucketsOffset + Int(hash % UInt32(nbucket)) * 4).map(Int.init) else { return }
    var steps = 0
    while index != 0, index < nchain, steps <= nchain {
      if body(index) { return }
      guard let next = file.u32(chainsOffset + index * 4) else { return }
      index = Int(next)
      steps += 1
    }
  }

  /// The SysV ELF hash of a name.
  static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var e: UInt32 = 0
    for c in bytes {
      e = (e << 4) &+ UInt32(c)
      let g = e & 0xf000_0000
      if g != 0 { e ^= g >> 24 }
      e &= ~g
    }
    return e
  }
}
