import Foundation
import Testing

@testable import ElfTool

/// A Cargo workspace whose crates are all dylibs, built with -C prefer-dynamic by TestBinaries.
struct CargoBuild {
  var targetDir: String
  var depsDir: String
  var rustLibDir: String
  var app: String
  var bpftool: String
  var workspace: String

  /// nil with the reason when cargo was not available to TestBinaries.
  static func load() throws -> CargoBuild? {
    let dir = try Fixtures.requireTestBinaries() + "/cargo"
    if let reason = try? String(contentsOfFile: dir + "/SKIPPED", encoding: .utf8) {
      print("skipped: \(reason)")
      return nil
    }
    let text = try String(contentsOfFile: dir + "/env", encoding: .utf8)
    var values: [String: String] = [:]
    for line in text.split(separator: "\n") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      // The values are written with printf %q: undo backslash escapes.
      var value = ""
      var escaped = false
      for c in line[line.index(after: equals)...] {
        if escaped || c != "\\" {
          value.append(c)
          escaped = false
        } else {
          escaped = true
        }
      }
      values[String(line[..<equals])] = value
    }
    return CargoBuild(
      targetDir: values["TARGET_DIR"] ?? "", depsDir: values["DEPS_DIR"] ?? "", rustLibDir: values["RUST_LIBDIR"] ?? "",
      app: values["APP"] ?? "", bpftool: values["BPFTOOL"] ?? "", workspace: values["WORKSPACE"] ?? "")
  }
}

@Suite struct CargoTests {
  @Test func treeMatchesLddWithTheRightLibraryPath() throws {
    guard let cargo = try CargoBuild.load() else { return }
    let environment = ["LD_LIBRARY_PATH": cargo.depsDir + ":" + cargo.rustLibDir]
    for program in [cargo.app, cargo.bpftool] {
      let (expected, _) = try ldd(program, environment: environment)
      let (tree, result) = try treeJSON(program, environment: environment)
      #expect(result.status == 0)
      let filter = { (entries: [LddEntry]) in entries.filter { $0.path != "/lib64/ld-linux-x86-64.so.2" } }
      #expect(filter(tree.entries) == filter(expected))
      #expect(tree.entries.contains { $0.name.hasPrefix("libstd-") })
    }
  }

  @Test func withoutItTheHintsNameDepsAndTheToolchain() throws {
    guard let cargo = try CargoBuild.load() else { return }
    let (tree, result) = try treeJSON(cargo.app)
    #expect(result.status == 1)
    let util = try #require(tree.object(named: "libutil.so"))
    #expect(util.found == false)
    let utilHint = try #require(util.hint)
    #expect(utilHint.contains(cargo.depsDir) && utilHint.contains("elfdyn set-rpath"), "\(utilHint)")
    let std = try #require(tree.objects.first { $0.name.hasPrefix("libstd-") })
    let stdHint = try #require(std.hint)
    #expect(stdHint.contains(cargo.rustLibDir) && stdHint.contains("toolchain"), "\(stdHint)")
    let text = try elfdyn(["tree", cargo.app])
    #expect(text.stdout.contains("hint: libutil.so is in \(cargo.depsDir)"))
  }
}
