import Foundation
import Testing

/// The differential suites of other loaders and machines (musl, i386 glibc, the ABI corpus, an
/// arm64 Debian sysroot): each runs its check script against the real loader's recorded answers.
/// A case elfdyn does not get right yet is listed in the suite's `known-failures.txt`; the test
/// fails when the failures are not exactly that list, so a regression fails it, and so does a fix
/// until the list is updated.
@Suite struct DifferentialSuiteTests {
  /// (suite, check script, the directory it reads, the known failures).
  static func runSuite(_ name: String, script: String, data: String) throws {
    let root = Fixtures.packageRoot + "/TestBinaries/" + name
    let result = try run("/bin/bash", [root + "/" + script, Fixtures.elfdyn, data], timeout: 600)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    guard let summary = lines.last(where: { $0.contains(" passed, ") && $0.contains(" failed") }) else {
      Issue.record(
        "\(name): the check printed no summary\n\(result.stdout.suffix(2000))\n\(result.stderr.suffix(2000))")
      return
    }
    let knownText = (try? String(contentsOfFile: root + "/known-failures.txt", encoding: .utf8)) ?? ""
    let known = Set(
      knownText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
        !$0.isEmpty && !$0.hasPrefix("#")
      })
    let names = Set(lines.filter { $0.hasPrefix("FAIL ") }.map { Self.caseName(String($0.dropFirst(5))) })
    let newFailures = names.subtracting(known).sorted()
    let fixed = known.subtracting(names).sorted()
    #expect(
      newFailures.isEmpty,
      "\(name): \(summary); new failures:\n\(lines.filter { l in newFailures.contains { l.contains($0) } }.prefix(40).joined(separator: "\n"))"
    )
    #expect(fixed.isEmpty, "\(name): these now pass; remove them from known-failures.txt: \(fixed)")
  }

  /// The case name of a FAIL line's head ("tree:soname_ignored", "x86_64/prog", a file path).
  static func caseName(_ head: String) -> String {
    // "tree:NAME" and "undef:NAME" keep their prefix; anything else is the name itself.
    for prefix in ["tree:", "undef:", "tree ", "check-undefined "] where head.hasPrefix(prefix) {
      let rest = head.dropFirst(prefix.count)
      return prefix + String(rest.prefix(while: { $0 != ":" && $0 != " " }))
    }
    return String(head.prefix(while: { $0 != ":" && $0 != " " }))
  }

  @Test func muslAgreesWithItsLoader() throws {
    let out = try Fixtures.requireTestBinaries()
    try Self.runSuite("musl", script: "check.sh", data: out)
  }

  @Test func i386AgreesWithLddAndLddR() throws {
    let out = try Fixtures.requireTestBinaries()
    try Self.runSuite("i386", script: "check.sh", data: out)
  }

  @Test func abiCorpusAgreesWithGlibc() throws {
    let out = try Fixtures.requireTestBinaries()
    guard FileManager.default.fileExists(atPath: out + "/abi") else {
      Issue.record("TestBinaries/out/abi is missing: build-all.sh builds it")
      return
    }
    try Self.runSuite("abi", script: "check.sh", data: out)
  }

  @Test(
    .enabled(
      if: ProcessInfo.processInfo.environment["ELFDYN_SYSROOT"] != nil,
      "no arm64 sysroot built (make test builds one into .build/sysroot; ELFDYN_SYSROOT names it)"))
  func arm64SysrootAgreesWithItsLoader() throws {
    let cache = ProcessInfo.processInfo.environment["ELFDYN_SYSROOT"] ?? ""
    try Self.runSuite("sysroot", script: "check.sh", data: cache)
  }
}
