import Foundation
import Testing

@testable import ElfTool

/// `elfdyn check-undefined` end to end: the Cargo vsnprintf_wrapper bug, Python extension modules,
/// the JSON contract, Cargo mode and exit statuses.
@Suite struct CheckUndefinedTests {
  static func json(_ result: RunResult) throws -> [CheckDocument.Result] {
    try CheckDocument.decode(result).results
  }

  @Test func cargoVsnprintfWrapperMatchesLddR() throws {
    guard let cargo = try CargoBuild.load() else { return }
    let environment = ["LD_LIBRARY_PATH": cargo.depsDir + ":" + cargo.rustLibDir]
    let (expected, _) = try lddR(cargo.bpftool, environment: environment, cwd: cargo.workspace)
    let libbpf = cargo.depsDir + "/liblibbpf_rs.so"
    #expect(expected == ["U:vsnprintf_wrapper:\(libbpf)"])
    let result = try elfdyn(["check-undefined", "--format", "json", cargo.bpftool], environment: environment)
    #expect(result.status == 1)
    let results = try Self.json(result)
    let undefined = try #require(results.first?.undefined)
    #expect(undefined.count == 1)
    let item = try #require(undefined.first)
    #expect(item.symbol == "vsnprintf_wrapper")
    #expect(item.referencedBy == libbpf)
    #expect(item.version == nil)
    #expect(item.weak == false)
    #expect(item.demangled == nil, "a C name has no demangled form")
    let hint = try #require(item.hint)
    #expect(hint.contains("libvsprintf.so") && hint.contains("not exported") && hint.contains("inline"), "\(hint)")
    // The clean program next to it.
    let app = try elfdyn(["check-undefined", cargo.app], environment: environment)
    #expect(app.status == 0, "\(app.stdout)")
  }

  @Test func cargoModeChecksTheTargetDirectory() throws {
    guard let cargo = try CargoBuild.load() else { return }
    let result = try elfdyn(["check-undefined"], cwd: cargo.workspace)
    #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
    #expect(result.stdout.contains("undefined symbol: vsnprintf_wrapper"))
    #expect(result.stdout.contains("hint: vsnprintf_wrapper is defined in libvsprintf.so but not exported"))
    #expect(!result.stdout.contains("libstd-"), "the toolchain's libstd is found in cargo mode: \(result.stdout)")
    #expect(result.stdout.contains("files checked"))
    // Cargo hard-links deps/ into target/debug: each file is checked once, by its top-level name.
    #expect(!result.stdout.contains("deps/bpftool-"), "\(result.stdout)")
    #expect(result.stdout.components(separatedBy: "liblibbpf_rs.so: 1 problem").count == 2, "\(result.stdout)")
    let noTarget = try elfdyn(["check-undefined"], cwd: "/")
    #expect(noTarget.status == 2)
    #expect(noTarget.stderr.contains("target/debug"))
  }

  @Test func pythonExtensionModules() throws {
    let module = "/usr/lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so"
    guard FileManager.default.fileExists(atPath: module), FileManager.default.fileExists(atPath: "/usr/bin/python3.11")
    else {
      print("skipped: Debian's python3.11 is not installed")
      return
    }
    let (expected, _) = try lddR(module, environment: [:], cwd: "/")
    #expect(expected.count > 10 && expected.allSatisfy { $0.hasPrefix("U:Py") || $0.hasPrefix("U:_Py") })
    let alone = try elfdyn(["check-undefined", "--format", "json", module])
    #expect(alone.status == 1)
    let undefined = try #require(try Self.json(alone).first?.undefined)
    let found = Set(undefined.map { "U:\($0.symbol):\($0.referencedBy)" })
    #expect(found == expected)
    let hosted = try elfdyn(["check-undefined", "--host", "/usr/bin/python3.11", "/usr/lib/python3.11/lib-dynload"])
    #expect(hosted.status == 0, "\(hosted.stdout)")
  }

  @Test func missingLibraryIsReported() throws {
    let out = try Fixtures.requireTestBinaries() + "/demo"
    let app = out + "/project/target/debug/app"
    let result = try elfdyn(["check-undefined", "--format", "json", app])
    #expect(result.status == 1)
    let first = try #require(try Self.json(result).first)
    let missing = first.missingLibraries
    #expect(missing.contains { $0.name == "libgreet.so" && $0.neededBy == app })
    let ok = try elfdyn([
      "check-undefined", "-L", out + "/project/target/debug/deps", "-L", out + "/toolchain/lib", app,
    ])
    #expect(ok.status == 0, "\(ok.stdout)")
  }

  @Test func unusedDependencies() throws {
    let result = try elfdyn(["check-undefined", "--unused", "--format", "json", "/usr/bin/true"])
    let first = try #require(try Self.json(result).first)
    #expect(first.unused == nil, "true uses libc")
    #expect(result.status == 0)
  }

  @Test func badInputExitsTwo() throws {
    let result = try elfdyn(["check-undefined", "/nonexistent/file"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("/nonexistent/file"))
  }

  @Test func agreesWithLddROnRealFiles() throws {
    for file in RealFilesTests.files {
      let (expected, lddRun) = try lddR(file, environment: [:], cwd: "/")
      guard lddRun.status == 0, !lddRun.stdout.contains("not a dynamic") else { continue }
      let result = try elfdyn(["check-undefined", "--format", "json", file])
      guard let first = try Self.json(result).first else { continue }
      var items = Set<String>()
      for u in first.undefined {
        let version = (u.version).map { "@" + $0 } ?? ""
        items.insert("U:\(u.symbol)\(version):\(u.referencedBy)")
      }
      for v in first.missingVersions {
        let kind = v.weak == true ? "W" : "V"
        items.insert(
          "\(kind):\(v.version):\(v.library):\(v.requiredBy)"
        )
      }
      #expect(items == expected, "\(file)\nldd -r: \(expected.sorted())\nelfdyn: \(items.sorted())")
    }
  }
}

/// Mangled names are shown demangled in text and carried raw, with `demangled`, in JSON.
@Suite struct DemangledOutputTests {
  @Test func cxxReferenceIsDemangled() throws {
    let dir = try temporaryDirectory("elfdyn-demangled")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try """
    namespace geometry { int area(int width, int height); }
    int use() { return geometry::area(2, 3); }
    """.write(toFile: dir + "/use.cc", atomically: true, encoding: .utf8)
    let cc = try run("/usr/bin/g++", ["-shared", "-fPIC", "-o", dir + "/libuse.so", dir + "/use.cc"])
    try #require(cc.status == 0, "\(cc.stderr)")
    let json = try elfdyn(["check-undefined", "--format", "json", dir + "/libuse.so"])
    #expect(json.status == 1)
    let results = try CheckUndefinedTests.json(json)
    let undefined = try #require(results.first?.undefined)
    let item = try #require(undefined.first { ($0.symbol) == "_ZN8geometry4areaEii" })
    #expect(item.demangled == "geometry::area(int, int)")
    let text = try elfdyn(["check-undefined", dir + "/libuse.so"])
    #expect(text.stdout.contains("undefined symbol: _ZN8geometry4areaEii (geometry::area(int, int))"), "\(text.stdout)")
  }
}
