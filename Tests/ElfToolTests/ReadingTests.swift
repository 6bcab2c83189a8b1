import Foundation
import Testing

@testable import ElfTool

/// The reading layer decodes the ELF header and the program headers itself (one pread of the first
/// page): they agree with elfutils' `eu-readelf -l` (libelf's reading) on every class, byte order
/// and machine we have, on real files of this machine, and through PN_XNUM.
@Suite struct ReadingTests {
  /// One program header as `eu-readelf -lW` prints it.
  struct Row: Equatable, CustomStringConvertible {
    var type: String
    var offset, vaddr, paddr, filesz, memsz, align: UInt64
    var flags: String
    var description: String {
      "\(type) off \(hex(offset)) va \(hex(vaddr)) pa \(hex(paddr)) fs \(hex(filesz)) ms \(hex(memsz)) \(flags) \(hex(align))"
    }
  }

  /// `eu-readelf -lW`'s program header table; the type as a number for the common ones, else its name.
  static func readelfRows(_ path: String) throws -> [Row] {
    let result = try run("/usr/bin/eu-readelf", ["-lW", path])
    try #require(result.status == 0, "eu-readelf -lW \(path): \(result.stderr)")
    var rows: [Row] = []
    var inTable = false
    for line in result.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("  Type ") {
        inTable = true
        continue
      }
      guard inTable else { continue }
      if line.isEmpty || line.hasPrefix(" Section") { break }
      if line.contains("[Requesting program interpreter") { continue }
      let fields = line.split(separator: " ")
      guard fields.count >= 8, let align = UInt64(fields[fields.count - 1].dropFirst(2), radix: 16) else {
        Issue.record("unexpected eu-readelf line: \(line)")
        continue
      }
      let numbers = fields[1...5].compactMap { UInt64($0.dropFirst(2), radix: 16) }
      guard numbers.count == 5 else {
        Issue.record("unexpected eu-readelf line: \(line)")
        continue
      }
      let flags = fields[6..<(fields.count - 1)].joined()
      rows.append(
        Row(
          type: String(fields[0]), offset: numbers[0], vaddr: numbers[1], paddr: numbers[2], filesz: numbers[3],
          memsz: numbers[4], align: align, flags: flags))
    }
    return rows
  }

  /// The names eu-readelf gives the types every file has; others are compared by position only.
  static let typeNames: [UInt32: String] = [
    1: "LOAD", 2: "DYNAMIC", 3: "INTERP", 4: "NOTE", 6: "PHDR", 7: "TLS", 0x6474_e550: "GNU_EH_FRAME",
    0x6474_e551: "GNU_STACK", 0x6474_e552: "GNU_RELRO",
  ]

  static func rows(_ headers: [ProgramHeader]) -> [Row] {
    headers.map { header in
      var flags = ""
      if header.flags.contains(.read) { flags += "R" }
      if header.flags.contains(.write) { flags += "W" }
      if header.flags.contains(.execute) { flags += "E" }
      return Row(
        type: typeNames[header.type.rawValue] ?? "", offset: header.offset, vaddr: header.vaddr, paddr: header.paddr,
        filesz: header.filesz, memsz: header.memsz, align: header.align, flags: flags)
    }
  }

  static func expectAgreement(_ path: String, _ headers: [ProgramHeader]) throws {
    var expected = try readelfRows(path)
    let mine = rows(headers)
    // Types eu-readelf names differently from the table above are compared by position.
    for index in expected.indices where index < mine.count && mine[index].type.isEmpty {
      expected[index].type = ""
    }
    #expect(mine == expected, "\(path)")
  }

  /// Every ELF file of the eight-ABI fixtures (32- and 64-bit, both byte orders), the i386 fixtures
  /// and a sample of this machine's programs and libraries.
  static var files: [String] {
    var paths: [String] = []
    if let root = Fixtures.testBinaries {
      for directory in [
        "abi/aarch64", "abi/arm", "abi/i386", "abi/ppc64", "abi/ppc64le", "abi/riscv64", "abi/s390x",
        "abi/x86_64", "i386", "tree",
      ] {
        paths += RealFilesTests.sample([root + "/" + directory], limit: 40)
      }
    }
    paths += RealFilesTests.sample(["/usr/bin", "/usr/lib/x86_64-linux-gnu", "/opt/swift/usr/bin"], limit: 60)
    return paths
  }

  @Test func programHeadersAgreeWithReadelf() throws {
    let files = Self.files
    #expect(files.count >= 200, "only \(files.count) files")
    var machines = Set<UInt16>()
    var bigEndian = 0
    var elf32 = 0
    for path in files {
      let file = try ElfFile(path: path)
      machines.insert(file.identity.machine.rawValue)
      if file.identity.byteOrder == .big { bigEndian += 1 }
      if file.identity.elfClass == .elf32 { elf32 += 1 }
      try Self.expectAgreement(path, file.programHeaders)
      // The same bytes read from memory decode the same.
      let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
      #expect(try ElfFile(bytes: bytes, name: path).programHeaders == file.programHeaders, "\(path) from memory")
    }
    if Fixtures.testBinaries != nil {
      #expect(machines.count >= 7 && bigEndian > 0 && elf32 > 0, "\(machines) \(bigEndian) \(elf32)")
    }
  }

  /// PN_XNUM: e_phnum 0xffff, the count in section 0's sh_info (what elf_getphdrnum reads). A
  /// library rewritten so, and a program header table that lies past the end of the file.
  @Test func extendedProgramHeaderCountAndBrokenTables() throws {
    let source = try #require(
      RealFilesTests.sample(["/usr/lib/x86_64-linux-gnu"], limit: 2000).first {
        $0.hasSuffix("libz.so.1.3") || $0.contains("libz.so")
      })
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: source)))
    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
    let phnum = u16(0x38)
    let shoff = u64(0x28)
    try #require(phnum > 0 && shoff > 0 && shoff + 64 <= bytes.count)
    let original = try ElfFile(path: source).programHeaders
    // sh_info of section 0 (offset 0x2c in an Elf64_Shdr) takes the count; e_phnum becomes PN_XNUM.
    for k in 0..<4 { bytes[shoff + 0x2c + k] = UInt8(truncatingIfNeeded: phnum >> (8 * k)) }
    bytes[0x38] = 0xff
    bytes[0x39] = 0xff
    let extended = directory + "/extended.so"
    try Data(bytes).write(to: URL(fileURLWithPath: extended))
    let decoded = try ElfFile(path: extended).programHeaders
    #expect(decoded == original)
    try Self.expectAgreement(extended, decoded)

    // e_phoff past the end: a one-line error naming the file, exit status 2.
    var broken = try [UInt8](Data(contentsOf: URL(fileURLWithPath: source)))
    for k in 0..<8 { broken[0x20 + k] = k == 5 ? 0x10 : 0 }
    let outside = directory + "/outside.so"
    try Data(broken).write(to: URL(fileURLWithPath: outside))
    #expect(throws: ElfError.self) { try ElfFile(path: outside) }
    let run = try elfdyn(["tree", outside])
    #expect(run.status == 2)
    #expect(run.stderr.contains(outside) && run.stderr.contains("program header table"), "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
  }
}
