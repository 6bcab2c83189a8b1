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

  private let bytes: [UInt8]
  /// Where string offsets count from, and where the string table ends.
  private let stringBase: Int
  private let entries: [Entry]
  private let isNewFormat: Bool
  private let bigEndian: Bool
  /// glibc-hwcaps subdirectory names, indexed by the low 32 bits of an extension entry's hwcap.
  let hwcapNames: [String]
  /// The cache file this was read from.
  public let path: String

  /// The number of entries.
  public var count: Int { entries.count }

  /// Reads and parses the file; nil when it does not exist or is not a cache (the loader then
  /// silently does without one).
  public init?(path: String) {
    guard let data = readWholeFile(path, limit: 256 << 20) else { return nil }
    self.init(bytes: data, path: path)
  }

  init?(bytes: [UInt8], path: String) {
    self.bytes = bytes
    self.path = path
    let oldMagic = Array("ld.so-1.7.0".utf8)
    let newMagic = Array("glibc-ld.so.cache1.1".utf8)
    var newStart: Int?
    var oldEntries: [Entry] = []
    var oldStringBase = 0
    if bytes.count >= 16, Array(bytes[0..<11]) == oldMagic {
      // struct cache_file { char magic[11]; uint32 nlibs; struct file_entry libs[]; }
      let nlibs = Int(Self.u32(bytes, 12, big: false) ?? 0)
      let entriesEnd = 16 + nlibs * 12
      guard nlibs < 1 << 24, entriesEnd <= bytes.count else { return nil }
      for index in 0..<nlibs {
        let at = 16 + index * 12
        oldEntries.append(
          Entry(
            flags: Int32(bitPattern: Self.u32(bytes, at, big: false) ?? 0),
            key: Self.u32(bytes, at + 4, big: false) ?? 0,
            value: Self.u32(bytes, at + 8, big: false) ?? 0, hwcap: 0))
      }
      oldStringBase = entriesEnd
      let aligned = (entriesEnd + 7) & ~7
      if aligned + newMagic.count <= bytes.count, Array(bytes[aligned..<aligned + newMagic.count]) == newMagic {
        newStart = aligned
      }
    } else if bytes.count >= 48, Array(bytes[0..<newMagic.count]) == newMagic {
      newStart = 0
    } else {
      return nil
    }
    guard let start = newStart else {
      entries = oldEntries
      stringBase = oldStringBase
      isNewFormat = false
      bigEndian = false
      hwcapNames = []
      return
    }
    guard start + 48 <= bytes.count else { return nil }
    let flagsByte = bytes[start + 28]
    let big = flagsByte == 3
    guard let nlibs = Self.u32(bytes, start + 20, big: big) else { return nil }
    let count = Int(nlibs)
    let entriesEnd = start + 48 + count * 24
    guard count < 1 << 24, entriesEnd <= bytes.count else { return nil }
    var parsed: [Entry] = []
    parsed.reserveCapacity(count)
    for index in 0..<count {
      let at = start + 48 + index * 24
      parsed.append(
        Entry(
          flags: Int32(bitPattern: Self.u32(bytes, at, big: big) ?? 0),
          key: Self.u32(bytes, at + 4, big: big) ?? 0,
          value: Self.u32(bytes, at + 8, big: big) ?? 0,
          hwcap: Self.u64(bytes, at + 16, big: big) ?? 0))
    }
    entries = parsed
    stringBase = start
    isNewFormat = true
    bigEndian = big
    var names: [String] = []
    let extensionOffset = Int(Self.u32(bytes, start + 32, big: big) ?? 0)
    if extensionOffset != 0, let magic = Self.u32(bytes, start + extensionOffset, big: big), magic == 0xEAA4_2174,
      let sectionCount = Self.u32(bytes, start + extensionOffset + 4, big: big), sectionCount < 64
    {
      for section in 0..<Int(sectionCount) {
        let at = start + extensionOffset + 8 + section * 16
        guard let tag = Self.u32(bytes, at, big: big), let offset = Self.u32(bytes, at + 8, big: big),
          let size = Self.u32(bytes, at + 12, big: big)
        else { break }
        // Tag 1 (cache_extension_tag_glibc_hwcaps): an array of u32 string offsets.
        if tag == 1 {
          for item in 0..<Int(min(size / 4, 4096)) {
            if let nameOffset = Self.u32(bytes, start + Int(offset) + item * 4, big: big) {
              names.append(Self.cString(bytes, at: start + Int(nameOffset)) ?? "")
            }
          }
        }
      }
    }
    hwcapNames = names
  }

  /// The path the loader takes from the cache for `name`, for an object of `flags`
  /// (see `LdCache.flags(for:)`), preferring the best supported glibc-hwcaps subdirectory.
  public func lookup(_ name: String, flags wanted: Int32, hwcaps: [String]) -> String? {
    let target = Array(name.utf8)
    var left = 0
    var right = entries.count - 1
    while left <= right {
      var middle = (left + right) / 2
      guard let key = keyStart(entries[middle].key) else { return nil }
      let order = Self.libcmp(target, bytes, key)
      if order == 0 {
        while middle > 0, let previous = keyStart(entries[middle - 1].key), Self.libcmp(target, bytes, previous) == 0 {
          middle -= 1
        }
        var best: String?
        var bestPriority = 0
        while middle < entries.count, let key = keyStart(entries[middle].key), Self.libcmp(target, bytes, key) == 0 {
          let entry = entries[middle]
          middle += 1
          guard entry.flags == wanted, let value = cString(at: offsetOf(entry.value)) else { continue }
          let named = isNewFormat && entry.hwcap & (1 << 62) != 0
          if named {
            let index = Int(entry.hwcap & 0xffff_ffff)
            guard index < hwcapNames.count, let position = hwcaps.firstIndex(of: hwcapNames[index]) else { continue }
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

  /// Every (name, path) entry with the given flags, for diagnostics and tests.
  public func entries(flags wanted: Int32) -> [(name: String, path: String)] {
    entries.compactMap { entry in
      guard entry.flags == wanted, let key = keyStart(entry.key), let name = cString(at: key),
        let path = cString(at: offsetOf(entry.value))
      else { return nil }
      return (name, path)
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
  private func keyStart(_ key: UInt32) -> Int? {
    let at = offsetOf(key)
    return at < bytes.count ? at : nil
  }

  private func cString(at offset: Int) -> String? { Self.cString(bytes, at: offset) }

  private static func cString(_ bytes: [UInt8], at offset: Int) -> String? {
    guard offset >= 0, offset < bytes.count else { return nil }
    guard let end = bytes[offset...].firstIndex(of: 0) else { return nil }
    return String(decoding: bytes[offset..<end], as: UTF8.self)
  }

  /// glibc's `_dl_cache_libcmp`: runs of digits compare as numbers.
  static func libcmp(_ name: [UInt8], _ table: [UInt8], _ start: Int) -> Int {
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

  static func u32(_ b: [UInt8], _ at: Int, big: Bool) -> UInt32? {
    b.withUnsafeBytes { ByteReader($0, order: big ? .big : .little).u32(at) }
  }

  static func u64(_ b: [UInt8], _ at: Int, big: Bool) -> UInt64? {
    b.withUnsafeBytes { ByteReader($0, order: big ? .big : .little).u64(at) }
  }
}
