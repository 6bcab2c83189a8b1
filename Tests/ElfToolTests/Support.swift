import Foundation
import Testing

@testable import ElfTool

/// Where things are: the package, the TestBinaries output and the built `elfdyn`.
enum Fixtures {
  static let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  /// TestBinaries' output (`make testbinaries`), or nil when it was not built.
  static let testBinaries: String? = {
    let path = ProcessInfo.processInfo.environment["ELFDYN_TESTBIN"] ?? packageRoot + "/TestBinaries/out"
    return FileManager.default.fileExists(atPath: path + "/tree/cases.tsv") ? path : nil
  }()

  /// The elfdyn under test: ELFDYN_BIN (make test sets the static release build), else the debug
  /// build. A dynamically linked elfdyn is itself affected by the LD_LIBRARY_PATH that some tests
  /// give the program under test, so prefer the static one.
  static let elfdyn: String = {
    if let path = ProcessInfo.processInfo.environment["ELFDYN_BIN"] { return path }
    return packageRoot + "/.build/debug/elfdyn"
  }()

  /// Whether the elfdyn under test is fully static. A dynamic one (the AddressSanitizer build) is
  /// itself loaded through LD_LIBRARY_PATH, so tests that put a fake libc there skip.
  static let elfdynIsStatic: Bool = {
    guard let file = try? ElfFile(path: elfdyn) else { return false }
    return file.interpreter == nil
  }()

  static func requireTestBinaries() throws -> String {
    try #require(testBinaries, "TestBinaries are not built: run `make testbinaries` (make test does)")
  }
}

struct RunResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs a program with an exact environment (nothing inherited but PATH and HOME unless given).
func run(
  _ executable: String, _ arguments: [String], environment: [String: String] = [:], cwd: String? = nil,
  inheritEnvironment: Bool = false, timeout: Double = 60
) throws -> RunResult {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  var env: [String: String] = [:]
  let inherited = ProcessInfo.processInfo.environment
  if inheritEnvironment {
    env = inherited
  } else {
    for key in ["PATH", "HOME", "RUSTUP_HOME", "CARGO_HOME"] { env[key] = inherited[key] }
  }
  env["NO_COLOR"] = env["NO_COLOR"] ?? "1"
  for (key, value) in environment { env[key] = value }
  process.environment = env
  if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
  // Output goes to files: no pipe can fill up and block the child, and no thread is needed.
  let scratch = NSTemporaryDirectory() + "elfdyn-run-" + UUID().uuidString
  _ = FileManager.default.createFile(atPath: scratch + ".out", contents: nil)
  _ = FileManager.default.createFile(atPath: scratch + ".err", contents: nil)
  defer {
    try? FileManager.default.removeItem(atPath: scratch + ".out")
    try? FileManager.default.removeItem(atPath: scratch + ".err")
  }
  let out = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".out"))
  let err = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + ".err"))
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()
  let deadline = Date().addingTimeInterval(timeout)
  while process.isRunning {
    if Date() > deadline {
      process.terminate()
      Issue.record("\(executable) \(arguments) did not finish within \(timeout) s")
      break
    }
    usleep(2000)
  }
  process.waitUntilExit()
  try? out.close()
  try? err.close()
  let outData = FileManager.default.contents(atPath: scratch + ".out") ?? Data()
  let errData = FileManager.default.contents(atPath: scratch + ".err") ?? Data()
  return RunResult(
    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs the built elfdyn.
func elfdyn(_ arguments: [String], environment: [String: String] = [:], cwd: String? = nil) throws -> RunResult {
  try run(Fixtures.elfdyn, arguments, environment: environment, cwd: cwd)
}

/// One line of `ldd` output: the name and where it resolved (nil: not found).
struct LddEntry: Equatable, CustomStringConvertible {
  var name: String
  var path: String?
  var description: String { "\(name) => \(path ?? "not found")" }
}

/// `ldd FILE` parsed, without linux-vdso and the program interpreter line.
func ldd(_ file: String, environment: [String: String] = [:], cwd: String? = nil) throws -> (
  entries: [LddEntry], output: RunResult
) {
  let result = try run("/usr/bin/ldd", [file], environment: environment, cwd: cwd)
  var entries: [LddEntry] = []
  for raw in result.stdout.split(separator: "\n") {
    let line = raw.trimmingCharacters(in: .whitespaces)
    if line.hasPrefix("linux-vdso") || line.hasPrefix("linux-gate") { continue }
    if let arrow = line.range(of: " => ") {
      let name = String(line[..<arrow.lowerBound])
      var rest = String(line[arrow.upperBound...])
      if rest.hasPrefix("not found") {
        entries.append(LddEntry(name: name, path: nil))
        continue
      }
      if let paren = rest.range(of: " (0x") { rest = String(rest[..<paren.lowerBound]) }
      entries.append(LddEntry(name: name, path: rest))
    } else if let paren = line.range(of: " (0x") {
      let path = String(line[..<paren.lowerBound])
      entries.append(LddEntry(name: path, path: path))
    }
  }
  return (entries, result)
}

/// One object of `elfdyn tree --format json`, decoded as a user of the format would.
struct TreeObject: Decodable {
  var name: String
  var path: String?
  var found: Bool
  var via: String
  var needed: [String]
  var neededBy: [String]
  var error: String?
  var warning: String?
  var tried: [String]?
  var hint: String?
  var hostPath: String?
}

/// One input of `elfdyn tree --format json`.
struct TreeJSON: Decodable {
  var path: String
  var interpreter: String?
  var warning: String?
  var objects: [TreeObject]

  /// The objects after the input, as `ldd` lists them.
  var entries: [LddEntry] {
    objects.dropFirst().map { LddEntry(name: $0.name, path: $0.found ? $0.path : nil) }
  }

  func object(named name: String) -> TreeObject? { objects.first { $0.name == name } }
}

/// The document `elfdyn tree --format json` writes: one per run.
struct TreeDocument: Decodable {
  var results: [TreeJSON]
}

/// `elfdyn tree --format json FILE`: the one input's part of the document.
func treeJSON(_ file: String, arguments: [String] = [], environment: [String: String] = [:], cwd: String? = nil)
  throws -> (TreeJSON, RunResult)
{
  let result = try elfdyn(["tree", "--format", "json"] + arguments + [file], environment: environment, cwd: cwd)
  let document = try JSONDecoder().decode(TreeDocument.self, from: Data(result.stdout.utf8))
  try #require(document.results.count == 1, "one input, one result: \(result.stdout) \(result.stderr)")
  return (document.results[0], result)
}

/// The check-undefined JSON document, decoded as a user of it would.
struct CheckDocument: Decodable {
  struct Undefined: Decodable {
    var symbol: String
    var demangled: String?
    var version: String?
    var referencedBy: String
    var weak: Bool
    var kind: String
    var definedIn: String?
    var hint: String?
    var missingLibrary: String?
  }
  struct MissingVersion: Decodable {
    var version: String
    var library: String
    var requiredBy: String
    var weak: Bool
  }
  struct MissingLibrary: Decodable {
    var name: String
    var neededBy: String
    var error: String?
    var hint: String?
    var wouldProvide: [String]?
  }
  struct Unused: Decodable {
    var name: String
    var path: String
    var neededBy: String
  }
  struct Unchecked: Decodable {
    var path: String
    var reason: String
  }
  struct Result: Decodable {
    var path: String
    var undefined: [Undefined]
    var missingVersions: [MissingVersion]
    var missingLibraries: [MissingLibrary]
    var unused: [Unused]?
    var unchecked: [Unchecked]?
    var warnings: [String]?
  }
  var results: [Result]

  static func decode(_ run: RunResult) throws -> CheckDocument {
    try JSONDecoder().decode(CheckDocument.self, from: Data(run.stdout.utf8))
  }
}

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory(_ label: String = "elfdyn-test") throws -> String {
  let path = NSTemporaryDirectory() + label + "-" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}
