/// /etc/ld.so.cache, parsed as glibc's dl-cache.c reads it: the new format ("glibc-ld.so.cache1.1"),
/// alone or after the old one ("ld.so-1.7.0"), its glibc-hwcaps extension, and the old format alone.
/// Lookups are the loader's binary search in `_dl_cache_libcmp` order.
public struct LdCache: Sendable {
  struct Entry: Sendable {
    var flags: Int32
    var key: UInt32
    var value: UInt32
    var hwcap: UInt64
  }

  /// The file, mapped: a lookup reads the few entries and strings of its binary search, so the
  /// entry table is never copied out (this machine's cache has 624 entries in 38 KB).
  private let file: FileMapping
  /// Where string offsets count from, and where the string table ends.
  private let stringBase: Int
  /// Where the entry table starts, the size of one entry (12 old format, 24 new), how many.
  private let entriesStart: Int
  private let entrySize: Int
  /// The number of entries.
  public let count: Int
  private let isNewFormat: Bool
  private let bigEndian: Bool
  /// glibc-hwcaps subdirectory names, indexed by the low 32 bits of an extension entry's hwcap.
  let hwcapNames: [String]
  /// The cache file this was read from.
  public let path: String

  /// Maps and parses the file; nil when it does not exist or is not a cache (the loader then
  /// silently does without one).
  public init?(path: String) {
    // Absent or not a regular file (FileMapping refuses those): the cache is optional.
    guard let mapping = try? FileMapping(path: path) else { return nil }
    self.init(file: mapping, path: path)
  }

  init?(bytes: [UInt8], path: String) {
    self.init(file: FileMapping(bytes: bytes, name: path), path: path)
  }

  private init?(file: FileMapping, path: String) {
    self.file = file
    self.path = path
    let oldMagic = Array("ld.so-1.7.0".utf8)
    let newMagic = Array("glibc-ld.so.cache1.1".utf8)
    let parsed = file.withBytes { (bytes) -> (old: (count: Int, strings: Int), newStart: Int?)? in
      func starts(with magic: [UInt8], at offset: Int) -> Bool {
        offset >= 0 && offset + magic.count <= bytes.count
          && magic.indices.allSatisfy { bytes[offset + $0] == magic[$0] }
      }
      if bytes.count >= 16, starts(with: oldMagic, at: 0) {
        // struct cache_file { char magic[11]; uint32 nlibs; struct file_entry libs[]; }
        let nlibs = Int(ByteReader(bytes, order: .little).u32(12) ?? 0)
        let entriesEnd = 16 + nlibs * 12
        guard nlibs < 1 << 24, entriesEnd <= bytes.count else { return nil }
        let aligned = (entriesEnd + 7) & ~7
        return ((nlibs, entriesEnd), starts(with: newMagic, at: aligned) ? aligned : nil)
      }
      if bytes.count >= 48, starts(with: newMagic, at: 0) { return ((0, 0), 0) }
      return nil
    }
    guard let parsed else { return nil }
    guard let start = parsed.newStart else {
      entriesStart = 16
      entrySize = 12
      count = parsed.old.count
      stringBase = parsed.old.strings
      isNewFormat = false
      bigEndian = false
      hwcapNames = []
      return
    }
    let header = file.withBytes { (bytes) -> (count: Int, big: Bool, names: [String])? in
      guard start + 48 <= bytes.count else { return nil }
      let big = bytes[start + 28] == 3
      let reader = ByteReader(bytes, order: big ? .big : .little)
      guard let nlibs = reader.u32(start + 20) else { return nil }
      let count = Int(nlibs)
      guard count < 1 << 24, start + 48 + count * 24 <= bytes.count else { return nil }
      var names: [String] = []
      let extensionOffset = Int(reader.u32(start + 32) ?? 0)
      if extensionOffset != 0, let magic = reader.u32(start + extensionOffset), magic == 0xEAA4_2174,
        let sectionCount = reader.u32(start + extensionOffset + 4), sectionCount < 64
      {
        for section in 0..<Int(sectionCount) {
          let at = start + extensionOffset + 8 + section * 16
          guard let tag = reader.u32(at), let offset = reader.u32(at + 8), let size = reader.u32(at + 12) else {
            break
          }
          // Tag 1 (cache_extension_tag_glibc_hwcaps): an array of u32 string offsets.
          if tag == 1 {
            for item in 0..<Int(min(size / 4, 4096)) {
              if let nameOffset = reader.u32(start + Int(offset) + item * 4) {
                names.append(Self.cString(bytes, at: start + Int(nameOffset)) ?? "")
              }
            }
          }
        }
      }
      return (count, big, names)
    }
    guard let header else { return nil }
    entriesStart = start + 48
    entrySize = 24
    count = header.count
    stringBase = start
    isNewFormat = true
    bigEndian = header.big
    hwcapNames = header.names
  }

  /// Entry `index` (below `count`) of the table in `bytes`.
  private func entry(_ index: Int, in bytes: UnsafeRawBufferPointer) -> Entry {
    let reader = ByteReader(bytes, order: bigEndian ? .big : .little)
    let at = entriesStart + index * entrySize
    return Entry(
      flags: Int32(bitPattern: reader.u32(at) ?? 0), key: reader.u32(at + 4) ?? 0, value: reader.u32(at + 8) ?? 0,
      hwcap: isNewFormat ? reader.u64(at + 16) ?? 0 : 0)
  }

  /// The path the loader takes from the cache for `name`, for an object of `flags`
  /// (see `LdCache.flags(for:)`), preferring the best supported glibc-hwcaps subdirectory.
  public func lookup(_ name: String, flags wanted: Int32, hwcaps: [String]) -> String? {
    let target = Array(name.utf8)
    return file.withBytes { bytes -> String? in
      let reader = ByteReader(bytes, order: bigEndian ? .big : .little)
      // The search reads only the keys: the whole entry is decoded for the names that match.
      func keyAt(_ index: Int) -> Int? {
        reader.u32(entriesStart + index * entrySize + 4).flatMap { keyStart($0, in: bytes) }
      }
      var left = 0
      var right = count - 1
      while left <= right {
        var middle = (left + right) / 2
        guard let key = keyAt(middle) else { return nil }
        let order = Self.libcmp(target, bytes, key)
        if order == 0 {
          while middle > 0, let previous = keyAt(middle - 1), Self.libcmp(target, bytes, previous) == 0 {
            middle -= 1
          }
          var best: String?
          var bestPriority = 0
          while middle < count, let key = keyAt(middle), Self.libcmp(target, bytes, key) == 0 {
            let entry = entry(middle, in: bytes)
            middle += 1
            guard entry.flags == wanted, let value = Self.cString(bytes, at: offsetOf(entry.value)) else { continue }
            let named = isNewFormat && entry.hwcap & (1 << 62) != 0
            if named {
              let index = Int(entry.hwcap & 0xffff_ffff)
              guard index < hwcapNames.count, let position = hwcaps.firstIndex(of: hwcapNames[index]) else {
                continue
              }
              let priority = hwcaps.count - position
              if priority > bestPriority {
                bestPriority = priority
                best = value
              }
              continue
            }
            if best != nil { break }
            guard entry.hwcap == 0 else { continue }
            return value
          }
          return best
        }
        if order < 0 { left = middle + 1 } else { right = middle - 1 }
      }
      return nil
    }
  }

  /// Every (name, path) entry with the given flags, for diagnostics and tests.
  public func entries(flags wanted: Int32) -> [(name: String, path: String)] {
    file.withBytes { bytes in
      (0..<count).compactMap { index in
        let entry = entry(index, in: bytes)
        guard entry.flags == wanted, let key = keyStart(entry.key, in: bytes), let name = Self.cString(bytes, at: key),
          let path = Self.cString(bytes, at: offsetOf(entry.value))
        else { return nil }
        return (name, path)
      }
    }
  }

  /// The cache flags glibc's `_dl_cache_check_flags` accepts for a process of this identity.
  public static func flags(for identity: ElfIdentity) -> Int32 {
    let libc6: Int32 = 0x0003
    let is64 = identity.elfClass == .elf64
    switch identity.machine {
    case .x86_64: return is64 ? 0x0303 : 0x0803
    case .aarch64: return is64 ? 0x0a03 : libc6
    case .sparcv9: return 0x0103
    case .ia64: return 0x0203
    case .s390: return is64 ? 0x0403 : libc6
    case .ppc64: return 0x0503
    case .arm:
      if identity.isArmHardFloat { return 0x0903 }
      return identity.flags & MachineFlags.armSoftFloat != 0 ? 0x0b03 : libc6
    case .riscv:
      // EF_RISCV_FLOAT_ABI: 0 soft, 4 double.
      switch identity.flags & MachineFlags.riscvFloatABIMask {
      case MachineFlags.riscvFloatABISoft: return 0x0f03
      case MachineFlags.riscvFloatABIDouble: return 0x1003
      default: return libc6
      }
    case .loongarch:
      return identity.flags & MachineFlags.loongarchABIMask == MachineFlags.loongarchSoftFloat ? 0x1103 : 0x1203
    default: return libc6
    }
  }

  private func offsetOf(_ value: UInt32) -> Int { stringBase + Int(value) }
  private func keyStart(_ key: UInt32, in bytes: UnsafeRawBufferPointer) -> Int? {
    let at = offsetOf(key)
    return at < bytes.count ? at : nil
  }

  private static func cString(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> String? {
    guard offset >= 0, offset < bytes.count else { return nil }
    guard let end = bytes[offset...].firstIndex(of: 0) else { return nil }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), as: UTF8.self)
  }

  /// glibc's `_dl_cache_libcmp`: runs of digits compare as numbers.
  static func libcmp(_ name: [UInt8], _ table: UnsafeRawBufferPointer, _ start: Int) -> Int {
    var i = 0
    var j = start
    func at1(_ k: Int) -> UInt8 { k < name.count ? name[k] : 0 }
    func at2(_ k: Int) -> UInt8 { k < table.count ? table[k] : 0 }
    func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    while at1(i) != 0 {
      let a = at1(i)
      let b = at2(j)
      if isDigit(a) {
        guard isDigit(b) else { return 1 }
        var v1 = 0
        var v2 = 0
        while isDigit(at1(i)) {
          v1 = v1 &* 10 &+ Int(at1(i) - 48)
          i += 1
        }
        while isDigit(at2(j)) {
          v2 = v2 &* 10 &+ Int(at2(j) - 48)
          j += 1
        }
        if v1 != v2 { return v1 < v2 ? -1 : 1 }
      } else if isDigit(b) {
        return -1
      } else if a != b {
        return Int(a) - Int(b)
      } else {
        i += 1
        j += 1
      }
    }
    return -Int(at2(j))
  }
}
