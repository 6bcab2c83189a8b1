import Foundation
import Testing

@testable import ElfTool

/// One input of `elfdyn versions --format json`.
struct VersionsJSON: Decodable {
  struct Requirement: Decodable {
    var version: String
    var namespace: String
    var number: String?
    var library: String
    var libraryPath: String?
    var requiredBy: String
    var weak: Bool
    var symbols: [String]
  }
  struct Excess: Decodable {
    var symbol: String?
    var version: String
    var limit: String
    var requiredBy: String
    var library: String
  }
  var path: String
  var highest: [String: String]
  var requirements: [Requirement]
  var notCounted: [String]
  var excesses: [Excess]?

  /// Every line of `output`.
  /// The one document per run.
  struct Document: Decodable { var results: [VersionsJSON] }

  static func decode(_ output: String) throws -> [VersionsJSON] {
    try JSONDecoder().decode(Document.self, from: Data(output.utf8)).results
  }
}

/// The highest non-weak GLIBC_ and GLIBCXX_ versions in the "Version needs" section that
/// `readelf -V --wide` prints for `file`, compared as dotted numbers.
func readelfHighest(_ file: String) throws -> [String: String] {
  let output = try run("/usr/bin/readelf", ["-V", "--wide", file]).stdout
  var best: [String: (String, [Int])] = [:]
  var inNeeds = false
  for line in output.split(separator: "\n") {
    if line.hasPrefix("Version needs section") {
      inNeeds = true
      continue
    }
    if line.hasPrefix("Version ") { inNeeds = false }
    guard inNeeds, let nameRange = line.range(of: "Name: ") else { continue }
    let rest = line[nameRange.upperBound...].split(separator: " ")
    guard let name = rest.first.map(String.init) else { continue }
    if line.contains("Flags: WEAK") { continue }
    for namespace in ["GLIBC", "GLIBCXX"] where name.hasPrefix(namespace + "_") {
      let number = name.dropFirst(namespace.count + 1)
      let parts = number.split(separator: ".").map { Int($0) }
      guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { continue }
      let key = parts.compactMap { $0 }
      if let known = best[namespace], !known.1.lexicographicallyPrecedes(key) { continue }
      best[namespace] = (name, key)
    }
  }
  return best.mapValues(\.0)
}

/// Every regular (not symlinked) ELF file of `directory` with a dynamic section.
func dynamicELFFiles(in directory: String) throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: directory).sorted().compactMap { name in
    let path = directory + "/" + name
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      attributes[.type] as? FileAttributeType == .typeRegular, ElfFile.probe(path) != nil,
      let file = try? ElfFile(path: path), file.dynamic != nil
    else { return nil }
    return path
  }
}

@Suite struct VersionNameTests {
  @Test func splitsNamespaceAndNumber() {
    let cases: [(String, String, String?)] = [
      ("GLIBC_2.34", "GLIBC", "2.34"), ("GLIBC_2.2.5", "GLIBC", "2.2.5"), ("GLIBCXX_3.4.29", "GLIBCXX", "3.4.29"),
      ("CXXABI_1.3.13", "CXXABI", "1.3.13"), ("GCC_3.0", "GCC", "3.0"), ("LIBFFI_BASE_8.0", "LIBFFI_BASE", "8.0"),
      ("NCURSES6_TINFO_5.0.19991023", "NCURSES6_TINFO", "5.0.19991023"), ("OPENSSL_1_1_0d", "OPENSSL", "1_1_0d"),
      ("GLIBC_PRIVATE", "GLIBC", nil), ("Qt_5_PRIVATE_API", "Qt", nil), ("V1", "V1", nil), ("LLVM_15", "LLVM", "15"),
    ]
    for (name, namespace, number) in cases {
      let version = SymbolVersionName(name)
      #expect(version.namespace == namespace, "\(name)")
      #expect(version.number == number, "\(name)")
    }
  }

  @Test func comparesAsGlibcAndGccNumberThem() {
    let ascending = ["2.0", "2.1.3", "2.2", "2.2.5", "2.9", "2.17", "2.28", "2.34", "2.100"]
    for (lower, higher) in zip(ascending, ascending.dropFirst()) {
      #expect(SymbolVersionName.compareNumbers(lower, higher) < 0, "\(lower) < \(higher)")
      #expect(SymbolVersionName.compareNumbers(higher, lower) > 0, "\(higher) > \(lower)")
    }
    #expect(SymbolVersionName.compareNumbers("3.4.9", "3.4.10") < 0)
    #expect(SymbolVersionName.compareNumbers("3.4", "3.4.0") < 0)
    #expect(SymbolVersionName.compareNumbers("1_1_0", "1_1_0d") < 0)
    #expect(SymbolVersionName.compareNumbers("1_1_1", "1_1_0d") > 0)
    #expect(SymbolVersionName.compareNumbers("2.34", "2.34") == 0)
    #expect(SymbolVersionName.compareNumbers("002.10", "2.9") > 0)
    #expect(SymbolVersionName("GLIBC_2.17").isHigher(than: SymbolVersionName("GLIBC_2.9")))
    #expect(!SymbolVersionName("GLIBC_PRIVATE").isHigher(than: SymbolVersionName("GLIBC_2.9")))
  }

  @Test func glibcLibrariesAreRecognised() {
    for name in [
      "libc.so.6", "/lib/x86_64-linux-gnu/libm.so.6", "ld-linux-x86-64.so.2", "libnss_files.so.2", "libpthread.so.0",
    ] {
      #expect(GlibcLibraries.contains(name), "\(name)")
    }
    for name in ["libstdc++.so.6", "libgcc_s.so.1", "libnsl.so.2", "libcrypt.so.1"] {
      #expect(!GlibcLibraries.contains(name), "\(name)")
    }
  }
}

@Suite struct VersionsTests {
  /// `versions --no-closure` against readelf -V for every dynamic ELF file of /usr/bin: the same
  /// highest GLIBC and GLIBCXX version, file by file.
  @Test func perFileHighestMatchesReadelfOverUsrBin() throws {
    let files = try dynamicELFFiles(in: "/usr/bin")
    #expect(files.count > 50)
    let result = try elfdyn(["versions", "--no-closure", "--format", "json"] + files)
    #expect(result.status == 0, "\(result.stderr)")
    let decoded = try VersionsJSON.decode(result.stdout)
    #expect(decoded.count == files.count)
    var differ: [String] = []
    for item in decoded {
      let mine = item.highest.filter { $0.key == "GLIBC" || $0.key == "GLIBCXX" }
      let expected = try readelfHighest(item.path)
      if mine != expected { differ.append("\(item.path): elfdyn \(mine), readelf \(expected)") }
    }
    #expect(differ.isEmpty, "\(differ.count) of \(decoded.count) differ: \(differ.prefix(10))")
  }

  /// With the closure: the highest versions are those of the union of readelf over every object
  /// ldd lists, glibc's own libraries left out.
  @Test func closureHighestMatchesReadelfOverLddClosure() throws {
    let programs = ["/usr/bin/curl", "/usr/bin/ls", "/usr/bin/gdb", "/usr/bin/python3", "/usr/bin/mold"].filter {
      FileManager.default.fileExists(atPath: $0)
    }
    for program in programs {
      let (entries, _) = try ldd(program)
      var best: [String: String] = try readelfHighest(program)
      for entry in entries {
        guard let path = entry.path, !GlibcLibraries.contains(entry.name) else { continue }
        for (namespace, version) in try readelfHighest(path) {
          if let known = best[namespace], !SymbolVersionName(version).isHigher(than: SymbolVersionName(known)) {
            continue
          }
          best[namespace] = version
        }
      }
      let result = try elfdyn(["versions", "--format", "json", program])
      #expect(result.status == 0, "\(result.stderr)")
      let item = try #require(try VersionsJSON.decode(result.stdout).first)
      #expect(item.highest.filter { $0.key == "GLIBC" || $0.key == "GLIBCXX" } == best, "\(program)")
      #expect(item.notCounted.contains { $0.hasSuffix("/libc.so.6") }, "\(program)")
    }
  }

  /// A library with numbered versions; a program that needs LIBV_2.0 for one symbol; the same
  /// program with that requirement marked VER_FLG_WEAK.
  @Test func maxAndWeakRequirements() throws {
    let dir = try temporaryDirectory("elfdyn-versions")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "int foo(void) { return 1; }\nint bar(void) { return 2; }\n".write(
      toFile: dir + "/v.c", atomically: true, encoding: .utf8)
    try "LIBV_1.0 { global: foo; local: *; };\nLIBV_2.0 { global: bar; } LIBV_1.0;\n".write(
      toFile: dir + "/v.map", atomically: true, encoding: .utf8)
    try "int foo(void); int bar(void);\nint main(void) { return foo() + bar() == 3 ? 0 : 1; }\n".write(
      toFile: dir + "/p.c", atomically: true, encoding: .utf8)
    let cc1 = try run(
      "/usr/bin/gcc",
      [
        "-shared", "-fPIC", "-Wl,--version-script=\(dir)/v.map", "-Wl,-soname,libv.so", "-o", dir + "/libv.so",
        dir + "/v.c",
      ])
    let cc2 = try run("/usr/bin/gcc", ["-o", dir + "/p", dir + "/p.c", "-L", dir, "-lv"])
    #expect(cc1.status == 0 && cc2.status == 0, "\(cc1.stderr) \(cc2.stderr)")

    let plain = try elfdyn(["versions", "-L", dir, "--format", "json", dir + "/p"])
    #expect(plain.status == 0)
    let item = try #require(try VersionsJSON.decode(plain.stdout).first)
    #expect(item.highest["LIBV"] == "LIBV_2.0")
    let requirement = try #require(item.requirements.first { $0.version == "LIBV_2.0" })
    #expect(requirement.symbols == ["bar"])
    #expect(requirement.libraryPath == dir + "/libv.so")

    // Over the limit: exit 1, the symbol and the object named.
    let over = try elfdyn(["versions", "-L", dir, "--max", "LIBV_1.0", "--format", "json", dir + "/p"])
    #expect(over.status == 1)
    let excesses = try #require(try VersionsJSON.decode(over.stdout).first?.excesses)
    #expect(excesses.map(\.symbol) == ["bar"])
    #expect(excesses.first?.requiredBy == dir + "/p")
    let text = try elfdyn(["versions", "-L", dir, "--max", "LIBV_1.0", dir + "/p"])
    #expect(text.status == 1)
    #expect(text.stdout.contains("bar needs LIBV_2.0 > LIBV_1.0 of libv.so, referenced by \(dir)/p"))
    #expect(try elfdyn(["versions", "-L", dir, "--max", "LIBV_2.0", "--max", "GLIBC_2.99", dir + "/p"]).status == 0)

    // Usage: a limit without a number, or two for one namespace.
    #expect(try elfdyn(["versions", "--max", "GLIBC_PRIVATE", dir + "/p"]).status == 2)
    #expect(try elfdyn(["versions", "--max", "GLIBC_2.17", "--max", "GLIBC_2.28", dir + "/p"]).status == 2)

    // VER_FLG_WEAK on LIBV_2.0 (vna_flags, 2 bytes at offset 4 of its Elf_Vernaux): shown, not counted.
    let weak = dir + "/p-weak"
    var bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/p"))
    let listing = try run("/usr/bin/readelf", ["-V", "--wide", dir + "/p"]).stdout
    let lines = listing.split(separator: "\n")
    let header = try #require(lines.firstIndex { $0.hasPrefix("Version needs section") })
    let offsetField = try #require(lines[header + 1].range(of: "Offset: 0x"))
    let sectionOffset = try #require(
      Int(lines[header + 1][offsetField.upperBound...].prefix { $0.isHexDigit }, radix: 16))
    let entry = try #require(lines.first { $0.contains("Name: LIBV_2.0") })
    let entryOffset = try #require(
      Int(entry.trimmingCharacters(in: .whitespaces).dropFirst(2).prefix { $0.isHexDigit }, radix: 16))
    bytes[sectionOffset + entryOffset + 4] = 2
    try bytes.write(to: URL(fileURLWithPath: weak))
    #expect(try run("/usr/bin/readelf", ["-V", "--wide", weak]).stdout.contains("Name: LIBV_2.0  Flags: WEAK"))
    let weakResult = try elfdyn(["versions", "-L", dir, "--max", "LIBV_1.0", "--format", "json", weak])
    #expect(weakResult.status == 0)
    let weakItem = try #require(try VersionsJSON.decode(weakResult.stdout).first)
    #expect(weakItem.highest["LIBV"] == "LIBV_1.0")
    #expect(weakItem.requirements.contains { $0.version == "LIBV_2.0" && $0.weak })
    #expect(try elfdyn(["versions", "-L", dir, weak]).stdout.contains("LIBV_2.0 (weak, not counted)"))
  }

  @Test func missingLibraryAndBadInput() throws {
    let dir = try temporaryDirectory("elfdyn-versions")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "int foo(void); int main(void) { return foo(); }\n".write(
      toFile: dir + "/m.c", atomically: true, encoding: .utf8)
    try "int foo(void) { return 0; }\n".write(toFile: dir + "/f.c", atomically: true, encoding: .utf8)
    _ = try run("/usr/bin/gcc", ["-shared", "-fPIC", "-o", dir + "/libf.so", dir + "/f.c"])
    _ = try run("/usr/bin/gcc", ["-o", dir + "/m", dir + "/m.c", "-L", dir, "-lf"])
    // libf.so is not on the search path: the answer is incomplete, exit 1.
    let missing = try elfdyn(["versions", dir + "/m"])
    #expect(missing.status == 1)
    #expect(missing.stdout.contains("library not found: libf.so"))
    try "not an ELF file\n".write(toFile: dir + "/text", atomically: true, encoding: .utf8)
    let bad = try elfdyn(["versions", dir + "/text"])
    #expect(bad.status == 2)
    #expect(bad.stderr.hasPrefix("elfdyn: \(dir)/text:"))
  }
}
