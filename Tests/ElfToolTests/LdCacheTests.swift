import Foundation
import Testing

@testable import ElfTool

@Suite struct LdCacheTests {
  /// `ldconfig -p` lists every entry of /etc/ld.so.cache; the loader takes the first one that fits.
  @Test func agreesWithLdconfigOnTheSystemCache() throws {
    let cache = try #require(LdCache(path: "/etc/ld.so.cache"), "no /etc/ld.so.cache to read")
    let listing = try run("/sbin/ldconfig", ["-p"])
    var firstPath: [String: String] = [:]
    var total = 0
    for line in listing.stdout.split(separator: "\n") {
      if line.hasSuffix("found in cache `/etc/ld.so.cache'") {
        total = Int(line.split(separator: " ").first ?? "") ?? -1
        continue
      }
      guard line.contains("(libc6,x86-64"), let arrow = line.range(of: " => ") else { continue }
      let name =
        line[..<arrow.lowerBound].trimmingCharacters(in: .whitespaces).components(separatedBy: " (").first ?? ""
      if firstPath[name] == nil, !line.contains("hwcap") { firstPath[name] = String(line[arrow.upperBound...]) }
    }
    #expect(cache.count == total)
    #expect(firstPath.count > 50)
    let flags = LdCache.flags(
      for: ElfIdentity(
        elfClass: .elf64, byteOrder: .little, osABI: 0, abiVersion: 0, type: .shared, machine: .x86_64, flags: 0))
    for (name, path) in firstPath {
      #expect(cache.lookup(name, flags: flags, hwcaps: []) == path, "\(name)")
    }
    #expect(cache.lookup("libdoes-not-exist.so.9", flags: flags, hwcaps: []) == nil)
    #expect(
      cache.lookup("libc.so.6", flags: 0x0a03, hwcaps: []) == nil, "an aarch64 process must not get x86-64 entries")
  }

  /// glibc's _dl_cache_libcmp: digit runs compare as numbers.
  @Test func libcmpComparesNumbersNumerically() {
    func cmp(_ a: String, _ b: String) -> Int {
      (Array(b.utf8) + [0]).withUnsafeBytes { LdCache.libcmp(Array(a.utf8), $0, 0) }
    }
    #expect(cmp("libfoo.so.10", "libfoo.so.9") > 0)
    #expect(cmp("libfoo.so.9", "libfoo.so.10") < 0)
    #expect(cmp("libfoo.so.1", "libfoo.so.1") == 0)
    #expect(cmp("libfoo.so", "libfoo.so.1") < 0)
    #expect(cmp("liba.so", "libb.so") < 0)
    #expect(cmp("lib9.so", "liba.so") > 0, "a digit sorts after a letter")
  }

  /// A cache made by ldconfig with a glibc-hwcaps subdirectory: the best supported level wins.
  @Test func prefersSupportedHwcapsSubdirectory() throws {
    let level = hostX86_64Level()
    guard level >= 2 else { return }
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let lib = dir + "/lib"
    try FileManager.default.createDirectory(atPath: lib + "/glibc-hwcaps/x86-64-v2", withIntermediateDirectories: true)
    let source = dir + "/h.c"
    try "int h(void) { return 1; }\n".write(toFile: source, atomically: true, encoding: .utf8)
    for output in [lib + "/libh.so.1", lib + "/glibc-hwcaps/x86-64-v2/libh.so.1"] {
      let cc = try run(
        "/usr/bin/gcc", ["-shared", "-fPIC", "-nostdlib", "-Wl,-soname,libh.so.1", "-o", output, source])
      #expect(cc.status == 0, "\(cc.stderr)")
    }
    try "\(lib)\n".write(toFile: dir + "/ld.so.conf", atomically: true, encoding: .utf8)
    let build = try run("/sbin/ldconfig", ["-C", dir + "/ld.so.cache", "-f", dir + "/ld.so.conf", "-X"])
    #expect(build.status == 0, "\(build.stderr)")
    let cache = try #require(LdCache(path: dir + "/ld.so.cache"))
    #expect(cache.hwcapNames.contains("x86-64-v2"))
    let system = (2...level).reversed().map { "x86-64-v\($0)" }
    #expect(cache.lookup("libh.so.1", flags: 0x0303, hwcaps: system) == lib + "/glibc-hwcaps/x86-64-v2/libh.so.1")
    #expect(cache.lookup("libh.so.1", flags: 0x0303, hwcaps: []) == lib + "/libh.so.1")
  }

  /// The old format alone ("ld.so-1.7.0", 12-byte entries, strings after the entries).
  @Test func readsTheOldFormat() throws {
    var bytes = Array("ld.so-1.7.0".utf8) + [0]
    func u32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
    let strings = Array("libb.so.1\0/x/libb.so.1\0liba.so.1\0/x/liba.so.1\0".utf8)
    bytes += u32(2)
    // Sorted in descending order: libb before liba.
    bytes += u32(0x0303) + u32(0) + u32(10)
    bytes += u32(0x0303) + u32(23) + u32(33)
    bytes += strings
    let cache = try #require(LdCache(bytes: bytes, path: "synthetic"))
    #expect(cache.lookup("liba.so.1", flags: 0x0303, hwcaps: []) == "/x/liba.so.1")
    #expect(cache.lookup("libb.so.1", flags: 0x0303, hwcaps: []) == "/x/libb.so.1")
    #expect(cache.lookup("libc.so.1", flags: 0x0303, hwcaps: []) == nil)
  }

  /// The new format in big-endian byte order (flags byte 3), as a big-endian system writes it.
  @Test func readsBigEndianNewFormat() throws {
    func u32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    var bytes = Array("glibc-ld.so.cache1.1".utf8)
    let stringsStart: UInt32 = 48 + 24
    let strings = Array("libz.so.1\0/usr/lib64/libz.so.1\0".utf8)
    bytes += u32(1) + u32(UInt32(strings.count)) + [3, 0, 0, 0] + u32(0) + u32(0) + u32(0) + u32(0)
    bytes += u32(0x0403) + u32(stringsStart) + u32(stringsStart + 10) + u32(0) + [0, 0, 0, 0, 0, 0, 0, 0]
    bytes += strings
    let cache = try #require(LdCache(bytes: bytes, path: "synthetic"))
    #expect(cache.lookup("libz.so.1", flags: 0x0403, hwcaps: []) == "/usr/lib64/libz.so.1")
  }

  @Test func rejectsGarbageAndTruncatedCaches() {
    #expect(LdCache(bytes: Array("not a cache at all, just text....................".utf8), path: "x") == nil)
    #expect(LdCache(bytes: Array("glibc-ld.so.cache1.1".utf8) + [255, 255, 255, 127], path: "x") == nil)
    #expect(LdCache(bytes: [], path: "x") == nil)
  }

  /// The cache is read in place, so every offset in it is checked where it is used: the system's
  /// cache with bytes changed at random (a fixed seed), and cut short, parses or is refused, and
  /// its lookups answer or find nothing, without a trap.
  @Test func damagedCachesNeverTrap() throws {
    let original = try #require(FileManager.default.contents(atPath: "/etc/ld.so.cache").map { [UInt8]($0) })
    try #require(original.count > 64)
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 33
    }
    var parsed = 0
    for round in 0..<400 {
      var bytes = original
      if round % 10 == 9 { bytes.removeLast(Int(next() % UInt64(bytes.count))) }
      for _ in 0..<(1 + Int(next() % 8)) where !bytes.isEmpty {
        // The header and the entry table are where a damaged value does the most.
        let limit = min(bytes.count, round % 2 == 0 ? 4096 : bytes.count)
        bytes[Int(next() % UInt64(limit))] = UInt8(truncatingIfNeeded: next())
      }
      guard let cache = LdCache(bytes: bytes, path: "damaged") else { continue }
      parsed += 1
      for name in ["libc.so.6", "libz.so.1", "libm.so.6", "libnot-there.so.1"] {
        _ = cache.lookup(name, flags: 0x0303, hwcaps: ["x86-64-v3", "x86-64-v2"])
      }
      _ = cache.entries(flags: 0x0303)
    }
    #expect(parsed > 0)
  }
}
