import Foundation
import Testing

@testable import ElfTool

/// Broken, hostile and odd input: always a one-line error naming the file (exit 2) or a reported
/// unloadable library (exit 1), never a crash, a trap or a hang.
@Suite struct BadInputTests {
  /// A minimal ELF64 little-endian editor for tests: finds PT_DYNAMIC and its entries by hand.
  struct Elf64 {
    var bytes: [UInt8]
    func u16(_ at: Int) -> UInt64 { UInt64(bytes[at]) | UInt64(bytes[at + 1]) << 8 }
    func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) } }
    mutating func put64(_ at: Int, _ value: UInt64) {
      for i in 0..<8 { bytes[at + i] = UInt8(value >> (8 * UInt64(i)) & 0xff) }
    }
    var phoff: Int { Int(u64(0x20)) }
    var phnum: Int { Int(u16(0x38)) }
    /// (header offset, p_offset, p_filesz) of the first program header of `type`.
    func segment(_ type: UInt64) -> (header: Int, offset: Int, size: Int)? {
      for i in 0..<phnum {
        let at = phoff + i * 56
        if UInt64(bytes[at]) | UInt64(bytes[at + 1]) << 8 == type {
          return (at, Int(u64(at + 8)), Int(u64(at + 32)))
        }
      }
      return nil
    }
    /// Offsets of the dynamic entries with `tag`.
    func dynamicEntries(_ tag: UInt64) -> [Int] {
      guard let dynamic = segment(2) else { return [] }
      return stride(from: dynamic.offset, to: dynamic.offset + dynamic.size, by: 16).filter { u64($0) == tag }
    }
  }

  static func copyOf(_ source: String, in dir: String, named name: String) throws -> (String, Elf64) {
    let data = try #require(FileManager.default.contents(atPath: source))
    return (dir + "/" + name, Elf64(bytes: [UInt8](data)))
  }

  static func write(_ elf: Elf64, to path: String) throws {
    try Data(elf.bytes).write(to: URL(fileURLWithPath: path))
  }

  func expectBadInput(_ path: String, mentions fragment: String, sourceLocation: SourceLocation = #_sourceLocation)
    throws
  {
    for format in ["text", "json", "dot"] {
      let result = try elfdyn(["tree", "--format", format, path])
      #expect(result.status == 2, "\(path): status \(result.status) \(result.stderr)", sourceLocation: sourceLocation)
      let lines = result.stderr.split(separator: "\n")
      #expect(lines.count == 1, "one line expected: \(result.stderr)", sourceLocation: sourceLocation)
      #expect(
        result.stderr.contains(path), "the message names the file: \(result.stderr)", sourceLocation: sourceLocation)
      #expect(
        result.stderr.contains(fragment), "\(result.stderr) should mention \(fragment)", sourceLocation: sourceLocation)
    }
  }

  @Test func missingFile() throws {
    try expectBadInput("/nonexistent/elfdyn-test-file", mentions: "No such file")
  }

  @Test func directory() throws {
    try expectBadInput("/usr", mentions: "directory")
  }

  @Test func unreadableFile() throws {
    // Root reads everything; /proc/self/mem opens but cannot be read at offset 0.
    try expectBadInput("/proc/self/mem", mentions: "cannot read")
  }

  @Test func notElf() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "hello\n".write(toFile: dir + "/short", atomically: true, encoding: .utf8)
    try expectBadInput(dir + "/short", mentions: "too short")
    try String(repeating: "not an ELF file at all. ", count: 10).write(
      toFile: dir + "/text", atomically: true, encoding: .utf8)
    try expectBadInput(dir + "/text", mentions: "not an ELF file")
    try "/* GNU ld script */\nINPUT(libfoo.so.1)\n".write(toFile: dir + "/libfoo.so", atomically: true, encoding: .utf8)
    try expectBadInput(dir + "/libfoo.so", mentions: "linker script")
    _ = FileManager.default.createFile(atPath: dir + "/empty", contents: Data())
    try expectBadInput(dir + "/empty", mentions: "too short")
  }

  @Test func truncatedAtManyOffsets() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let data = try #require(FileManager.default.contents(atPath: "/usr/bin/true"))
    for length in [1, 4, 16, 51, 52, 63, 64, 100, 500, 1000, 4096, 8192, data.count / 2, data.count - 1]
    where length < data.count {
      let path = dir + "/true-\(length)"
      try data.prefix(length).write(to: URL(fileURLWithPath: path))
      let result = try elfdyn(["tree", path])
      #expect([0, 1, 2].contains(result.status), "truncated at \(length): \(result.status)")
      if result.status == 2 {
        #expect(result.stderr.contains(path) && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
      }
    }
  }

  @Test func stringTableOutsideEverySegment() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var (path, elf) = try Self.copyOf("/usr/bin/true", in: dir, named: "strtab")
    let strtab = try #require(elf.dynamicEntries(5).first)
    elf.put64(strtab + 8, 0x7fff_dead_0000)
    try Self.write(elf, to: path)
    try expectBadInput(path, mentions: "DT_STRTAB")
  }

  @Test func neededOffsetOutsideStringTable() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var (path, elf) = try Self.copyOf("/usr/bin/true", in: dir, named: "needed")
    let needed = try #require(elf.dynamicEntries(1).first)
    elf.put64(needed + 8, 0x00ff_ffff)
    try Self.write(elf, to: path)
    try expectBadInput(path, mentions: "outside the string table")
  }

  @Test func noNullTerminator() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var (path, elf) = try Self.copyOf("/usr/bin/true", in: dir, named: "nonull")
    // Every DT_NULL becomes DT_DEBUG: the table has no terminator, only PT_DYNAMIC's size bounds it.
    for entry in elf.dynamicEntries(0) { elf.put64(entry, 21) }
    try Self.write(elf, to: path)
    let result = try elfdyn(["tree", "--format", "json", path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("libc.so.6"))
  }

  @Test func hugeDynamicSegment() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var (path, elf) = try Self.copyOf("/usr/bin/true", in: dir, named: "hugedyn")
    let dynamic = try #require(elf.segment(2))
    elf.put64(dynamic.header + 32, 0x7fff_ffff_ffff_fff0)
    try Self.write(elf, to: path)
    try expectBadInput(path, mentions: "outside the file")
  }

  @Test func absurdProgramHeaderCount() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var (path, elf) = try Self.copyOf("/usr/bin/true", in: dir, named: "phnum")
    elf.bytes[0x38] = 0xff
    elf.bytes[0x39] = 0xfe
    try Self.write(elf, to: path)
    let result = try elfdyn(["tree", path])
    #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
    #expect(result.stderr.contains(path))
  }

  /// A library in the search path that is broken is reported (exit 1), not fatal to elfdyn.
  @Test func brokenLibraryIsReportedNotFatal() throws {
    guard Fixtures.elfdynIsStatic else {
      print(
        "skipped: the elfdyn under test is dynamically linked; a fake libc.so.6 in LD_LIBRARY_PATH would replace its own"
      )
      return
    }
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "INPUT(libc.so.6)\n".write(toFile: dir + "/libc.so.6", atomically: true, encoding: .utf8)
    let (tree, result) = try treeJSON("/usr/bin/true", environment: ["LD_LIBRARY_PATH": dir])
    #expect(result.status == 1)
    let libc = try #require(tree.object(named: "libc.so.6"))
    #expect(libc.found == false)
    #expect((libc.error)?.contains("linker script") == true)
    #expect(libc.path == dir + "/libc.so.6")
  }
}
