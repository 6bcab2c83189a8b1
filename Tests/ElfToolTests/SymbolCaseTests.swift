import Foundation
import Testing

@testable import ElfTool

/// One row of TestBinaries' symbols/cases.tsv: a symbol-binding rule, its input and expected findings.
struct SymbolCase: CustomTestStringConvertible, Sendable {
  var name: String
  var input: String
  var cwd: String
  var libraryPath: String?
  var preload: String?
  var host: String?
  var options: [String]
  var oracle: String
  /// "U:sym[@ver]:ref", "V:ver:lib:by", "M:name:by", "S:sym:ref" items; nil = "whatever ldd -r says".
  var expected: Set<String>?
  /// (symbol, text the hint must contain)
  var hints: [(String, String)]
  var testDescription: String { name }

  static func load() -> [SymbolCase] {
    guard let dir = Fixtures.testBinaries,
      let text = try? String(contentsOfFile: dir + "/symbols/cases.tsv", encoding: .utf8)
    else { return [] }
    return text.split(separator: "\n").dropFirst().compactMap { line in
      let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard f.count >= 9 else { return nil }
      func value(_ s: String) -> String? { s == "-" ? nil : s }
      var expected: Set<String>? = []
      var hints: [(String, String)] = []
      for item in f[8].split(separator: ";").map(String.init) where item != "ok" {
        if item == "U*" {
          expected = nil
        } else if item.hasPrefix("H:") {
          let parts = item.dropFirst(2).split(separator: ":", maxSplits: 1).map(String.init)
          if parts.count == 2 { hints.append((parts[0], parts[1])) }
        } else {
          expected?.insert(item)
        }
      }
      return SymbolCase(
        name: f[0], input: f[1], cwd: f[2], libraryPath: value(f[3]), preload: value(f[4]), host: value(f[5]),
        options: value(f[6]).map { $0.split(separator: " ").map(String.init) } ?? [], oracle: f[7],
        expected: expected, hints: hints)
    }
  }
}

/// What `ldd -r` says, in the manifest's item form.
func lddR(_ input: String, environment: [String: String], cwd: String) throws -> (Set<String>, RunResult) {
  let result = try run("/usr/bin/ldd", ["-r", input], environment: environment, cwd: cwd)
  var items = Set<String>()
  for raw in (result.stdout + "\n" + result.stderr).split(separator: "\n") {
    let line = raw.trimmingCharacters(in: .whitespaces)
    if line.hasPrefix("undefined symbol: "), let tab = line.range(of: "\t(") {
      var symbol = String(line[line.index(line.startIndex, offsetBy: 18)..<tab.lowerBound])
      if let comma = symbol.range(of: ", version ") {
        symbol = symbol[..<comma.lowerBound] + "@" + symbol[comma.upperBound...]
      }
      let path = String(line[tab.upperBound...].dropLast())
      items.insert("U:\(symbol):\(path)")
    } else if let start = line.range(of: ": version `") ?? line.range(of: ": weak version `"),
      let end = line.range(of: "' not found (required by ")
    {
      let weak = line[start].contains("weak")
      let version = String(line[start.upperBound..<end.lowerBound])
      let library =
        String(line[..<start.lowerBound]).split(separator: ":").last.map {
          String($0).trimmingCharacters(in: .whitespaces)
        } ?? ""
      let by = String(line[end.upperBound...].dropLast())
      items.insert("\(weak ? "W" : "V"):\(version):\(library):\(by)")
    }
  }
  return (items, result)
}

@Suite struct SymbolCaseTests {
  static let cases = SymbolCase.load()

  @Test func corpusIsBuilt() throws {
    _ = try Fixtures.requireTestBinaries()
    #expect(Self.cases.count >= 17, "only \(Self.cases.count) cases in symbols/cases.tsv")
  }

  static func findings(_ row: SymbolCase) throws -> (Set<String>, [String: String], RunResult) {
    var arguments = ["check-undefined", "--format", "json"] + row.options
    if let host = row.host { arguments += ["--host", host] }
    if let preload = row.preload { arguments += ["--preload", preload] }
    var environment: [String: String] = [:]
    if let path = row.libraryPath { environment["LD_LIBRARY_PATH"] = path }
    let result = try elfdyn(arguments + [row.input], environment: environment, cwd: row.cwd)
    let results = try CheckDocument.decode(result).results
    var items = Set<String>()
    var hints: [String: String] = [:]
    for entry in results {
      for u in entry.undefined {
        let symbol = u.symbol
        let version = (u.version).map { "@" + $0 } ?? ""
        let kind = u.kind
        let prefix = kind == "unresolved" ? "U" : "S"
        items.insert("\(prefix):\(symbol)\(prefix == "U" ? version : ""):\(u.referencedBy)")
        if let hint = u.hint { hints[symbol] = hint }
      }
      for v in entry.missingVersions {
        let kind = v.weak == true ? "W" : "V"
        items.insert(
          "\(kind):\(v.version):\(v.library):\(v.requiredBy)"
        )
      }
      for m in entry.missingLibraries {
        items.insert("M:\(m.name):\(m.neededBy)")
      }
    }
    return (items, hints, result)
  }

  @Test(arguments: cases)
  func matchesExpectation(_ row: SymbolCase) throws {
    let (items, hints, result) = try Self.findings(row)
    if let expected = row.expected {
      #expect(
        items == expected, "\(row.name)\nexpected: \(expected.sorted())\nelfdyn:   \(items.sorted())\n\(result.stderr)")
    }
    for (symbol, text) in row.hints {
      #expect(
        hints[symbol]?.contains(text) == true,
        "\(row.name): hint for \(symbol) should mention \(text): \(hints[symbol] ?? "none")")
    }
    let problems = items.contains { !$0.hasPrefix("W:") }
    #expect(result.status == (problems ? 1 : 0), "\(row.name): exit status \(result.status)")
  }

  /// The differential half: elfdyn agrees with `ldd -r` run now (undefined symbols and versions).
  @Test(arguments: cases.filter { $0.oracle == "ldd-r" })
  func agreesWithLddR(_ row: SymbolCase) throws {
    var environment: [String: String] = [:]
    if let path = row.libraryPath { environment["LD_LIBRARY_PATH"] = path }
    if let preload = row.preload { environment["LD_PRELOAD"] = preload }
    let (expected, lddRun) = try lddR(row.input, environment: environment, cwd: row.cwd)
    let (items, _, _) = try Self.findings(row)
    let comparable = items.filter { $0.hasPrefix("U:") || $0.hasPrefix("V:") || $0.hasPrefix("W:") }
    #expect(
      comparable == expected,
      "\(row.name)\nldd -r: \(expected.sorted())\nelfdyn: \(comparable.sorted())\n\(lddRun.stdout)")
  }
}
