import Foundation
import Testing

@testable import ElfTool

/// One row of TestBinaries' cases.tsv: a loader rule, its input, environment and expected answer.
struct LoaderCase: CustomTestStringConvertible, Sendable {
  var name: String
  var exe: String
  var cwd: String
  var libraryPath: String?
  var preload: String?
  var oracle: String
  /// (name, normalised path or "not found" or "error") in load order.
  var expected: [(String, String)]
  var exitStatus: Int32?
  var root: String?
  var testDescription: String { name }

  static func load() -> [LoaderCase] {
    guard let dir = Fixtures.testBinaries,
      let text = try? String(contentsOfFile: dir + "/tree/cases.tsv", encoding: .utf8)
    else { return [] }
    return text.split(separator: "\n").dropFirst().compactMap { line in
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard fields.count >= 7 else { return nil }
      var row = LoaderCase(
        name: fields[0], exe: fields[1], cwd: fields[2], libraryPath: fields[3] == "-" ? nil : fields[3],
        preload: fields[4] == "-" ? nil : fields[4], oracle: fields[5], expected: [])
      for item in fields[6].split(separator: ";").map(String.init) {
        if item.hasPrefix("exit=") {
          row.exitStatus = Int32(item.dropFirst(5))
        } else if item.hasPrefix("root=") {
          row.root = String(item.dropFirst(5))
        } else if let arrow = item.range(of: "=>") {
          row.expected.append((String(item[..<arrow.lowerBound]), String(item[arrow.upperBound...])))
        }
      }
      return row
    }
  }
}

/// Lexical normalisation, as the manifest writes paths: absolute, no ".", "..", or "//".
func normalise(_ path: String, cwd: String) -> String {
  Paths.lexicallyNormal(path.hasPrefix("/") ? path : cwd + "/" + path)
}

@Suite struct ScenarioTests {
  static let cases = LoaderCase.load()

  @Test func corpusIsBuilt() throws {
    _ = try Fixtures.requireTestBinaries()
    #expect(Self.cases.count >= 50, "only \(Self.cases.count) cases in cases.tsv")
  }

  /// elfdyn's answer as (name, normalised path | "not found" | "error"), without the input and the
  /// program interpreter.
  static func answer(_ row: LoaderCase) throws -> ([(String, String)], RunResult, TreeJSON) {
    var arguments: [String] = []
    if let preload = row.preload { arguments += ["--preload", preload] }
    if let root = row.root { arguments += ["--root", root] }
    var environment: [String: String] = [:]
    if let path = row.libraryPath { environment["LD_LIBRARY_PATH"] = path }
    let (tree, result) = try treeJSON(row.exe, arguments: arguments, environment: environment, cwd: row.cwd)
    var entries: [(String, String)] = []
    for object in tree.objects.dropFirst() {
      let path = object.path
      let hostPath = object.hostPath ?? path
      if path == "/lib64/ld-linux-x86-64.so.2" || object.via == "interpreter" { continue }
      let found = object.found
      let value: String
      if found, let hostPath {
        value = normalise(hostPath, cwd: row.cwd)
      } else {
        value = object.error != nil ? "error" : "not found"
      }
      var name = object.name
      // The manifest names a $ORIGIN DT_NEEDED by its expansion, as ldd prints it.
      if name.contains("$"), let path { name = path }
      entries.append((name, value))
    }
    return (entries, result, tree)
  }

  @Test(arguments: cases)
  func matchesTheLoader(_ row: LoaderCase) throws {
    let (entries, result, _) = try Self.answer(row)
    // Where the loader aborts (a fatal load error), nothing after the error is comparable.
    var expected = row.expected
    if let error = expected.firstIndex(where: { $0.1 == "error" }) { expected = Array(expected[...error]) }
    let actual = Array(entries.prefix(expected.count))
    let render = { (list: [(String, String)]) in list.map { "\($0.0) => \($0.1)" }.joined(separator: "\n") }
    #expect(
      entries.count >= expected.count && actual.elementsEqual(expected, by: { $0 == $1 }),
      "\(row.name)\nexpected:\n\(render(expected))\nelfdyn:\n\(render(entries))\n\(result.stderr)")
    if !row.expected.contains(where: { $0.1 == "error" }) {
      #expect(entries.count == expected.count, "\(row.name): elfdyn lists more objects: \(render(entries))")
    }
    // Exit status 1 when something cannot be loaded; a program that really runs (exit=0 in the
    // manifest, as with a missing DT_AUXILIARY target) has nothing missing that matters.
    let problems = row.expected.contains { $0.1 == "not found" || $0.1 == "error" } && row.exitStatus != 0
    #expect(result.status == (problems ? 1 : 0), "\(row.name): exit \(result.status)")
  }

  /// The differential half: where ldd is the oracle, elfdyn agrees with ldd run now, here.
  @Test(arguments: cases.filter { $0.oracle == "ldd" && !$0.expected.contains { $0.1 == "error" } })
  func agreesWithLdd(_ row: LoaderCase) throws {
    var environment: [String: String] = [:]
    if let path = row.libraryPath { environment["LD_LIBRARY_PATH"] = path }
    if let preload = row.preload { environment["LD_PRELOAD"] = preload }
    let (lddEntries, lddRun) = try ldd(row.exe, environment: environment, cwd: row.cwd)
    let fromLdd: [(String, String)] = lddEntries.filter { $0.path != "/lib64/ld-linux-x86-64.so.2" }.map {
      ($0.name, $0.path.map { normalise($0, cwd: row.cwd) } ?? "not found")
    }
    let (entries, _, _) = try Self.answer(row)
    #expect(entries.map(\.1) == fromLdd.map(\.1), "\(row.name)\nldd: \(lddRun.stdout)")
  }

  /// A fatal load error: ldd prints the loader's message and stops; elfdyn names the same file and
  /// the same problem.
  @Test(arguments: cases.filter { $0.expected.contains { $0.1 == "error" } })
  func reportsFatalLoadErrors(_ row: LoaderCase) throws {
    let (_, result, tree) = try Self.answer(row)
    let failing = try #require(tree.objects.first { $0.error != nil }, "\(row.name): no object with an error")
    let message = failing.error ?? ""
    #expect(result.status == 1)
    guard row.oracle == "ldd" else { return }
    let lddRun = try run("/usr/bin/ldd", [row.exe], cwd: row.cwd)
    // ldd: "PROG: error while loading shared libraries: FILE: MESSAGE"
    let lddMessage = lddRun.stdout + lddRun.stderr
    let file = failing.path ?? "?"
    #expect(lddMessage.contains(Paths.basename(file)), "\(lddMessage)")
    let keys = ["invalid ELF header", "file too short", "cannot read file data", "only ET_DYN and ET_EXEC"]
    let key = try #require(keys.first { lddMessage.contains($0) }, "unknown ldd message \(lddMessage)")
    #expect(message.contains(key), "elfdyn says '\(message)', the loader '\(key)'")
  }
}
