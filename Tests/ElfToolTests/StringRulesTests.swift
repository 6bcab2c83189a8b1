import Testing

@testable import ElfTool

/// The byte-level rules the loaders apply to names and paths: the symbol hashes (computed four
/// bytes at a time), the search for a slash, the directory and base name of a path.
@Suite struct StringRulesTests {
  /// glibc's dl_new_hash, one byte per step: the definition the fast version must equal.
  static func gnuHashByteByByte(_ bytes: [UInt8]) -> UInt32 {
    bytes.reduce(5381) { $0 &* 33 &+ UInt32($1) }
  }

  /// Bytes of every length from 0 to 67 (each remainder of the four-byte steps), ASCII and not.
  static func samples() -> [[UInt8]] {
    var state: UInt32 = 0x1234_5678
    var result: [[UInt8]] = []
    for length in 0...67 {
      var bytes: [UInt8] = []
      for _ in 0..<length {
        state = state &* 1_664_525 &+ 1_013_904_223
        bytes.append(UInt8(truncatingIfNeeded: state >> 24) | 1)
      }
      result.append(bytes)
    }
    return result
  }

  @Test func theGnuHashOfFourBytesAtATimeIsTheByteByByteHash() {
    for bytes in Self.samples() {
      let fast = bytes.withUnsafeBytes { GnuHashTable.hash($0) }
      #expect(fast == Self.gnuHashByteByByte(bytes), "\(bytes.count) bytes")
    }
    // Values known from the loaders: the empty name and "printf".
    #expect([UInt8]().withUnsafeBytes { GnuHashTable.hash($0) } == 5381)
    #expect(Array("printf".utf8).withUnsafeBytes { GnuHashTable.hash($0) } == 0x156b_2bb8)
    #expect(Array("printf".utf8).withUnsafeBytes { SysvHashTable.hash($0) } == 0x0779_05a6)
  }

  @Test func aSlashIsFoundByItsByteAsTheLoaderLooksForIt() {
    #expect("lib/x.so".containsByte(UInt8(ascii: "/")))
    #expect(!"libx.so".containsByte(UInt8(ascii: "/")))
    #expect(!"".containsByte(UInt8(ascii: "/")))
    // A slash followed by a combining accent is not the Character "/", but strchr finds it.
    let accented = "a/\u{301}b"
    #expect(!accented.contains("/"))
    #expect(accented.containsByte(UInt8(ascii: "/")))
    #expect("$ORIGIN/lib".containsByte(UInt8(ascii: "$")))
    // A long (not small) string, and one that is not in native storage form.
    #expect((String(repeating: "a", count: 100) + "/").containsByte(UInt8(ascii: "/")))
    #expect(String(repeating: "é", count: 40).lastByteOffset(UInt8(ascii: "/")) == nil)
  }

  @Test func directoryAndBaseNameSplitAtTheLastSlashByte() {
    let cases: [(path: String, directory: String, basename: String)] = [
      ("/usr/lib/libc.so.6", "/usr/lib", "libc.so.6"),
      ("/libc.so.6", "/", "libc.so.6"),
      ("/", "/", ""),
      ("lib/libx.so", "/work/lib", "libx.so"),
      ("libx.so", "/work", "libx.so"),
      ("/a/b/", "/a/b", ""),
      ("/usr/lib/a/\u{301}b.so", "/usr/lib/a", "\u{301}b.so"),
      ("/opt/é/libé.so", "/opt/é", "libé.so"),
    ]
    for (path, directory, basename) in cases {
      #expect(Paths.directory(of: path, cwd: "/work") == directory, "\(path)")
      #expect(Paths.basename(path) == basename, "\(path)")
    }
    #expect(Paths.directory(of: "x.so", cwd: "/") == "/")
    #expect(Paths.basename("libx.so") == "libx.so")
  }
}
