import Foundation
import Testing

@testable import ElfTool

/// One input of `elfdyn conflicts --format json`.
struct ConflictsJSON: Decodable {
  struct Definition: Decodable {
    var library: String
    var version: String?
    var weak: Bool
    var function: Bool
    var copy: Bool
  }
  struct Reference: Decodable {
    var object: String
    var boundTo: String?
  }
  struct Conflict: Decodable {
    var symbol: String
    var crate: String?
    var benign: String?
    var winner: String?
    var definitions: [Definition]
    var references: [Reference]
  }
  struct Crate: Decodable {
    var crate: String
    var objects: [String]
    var symbols: Int
    var sameNamedFiles: Bool
  }
  var path: String
  var conflicts: [Conflict]
  var crates: [Crate]

  /// The one document per run.
  struct Document: Decodable { var results: [ConflictsJSON] }

  static func decode(_ output: String) throws -> [ConflictsJSON] {
    try JSONDecoder().decode(Document.self, from: Data(output.utf8)).results
  }
}

@Suite struct ConflictsTests {
  static let libraryA = "int shared_counter = 1;\nconst char *which(void) { return \"a\"; }\n"
  static let libraryB = """
    int shared_counter = 2;
    const char *which(void) { return "b"; }
    const char *b_which(void) { return which(); }
    int b_counter(void) { return shared_counter; }

    """
  static let program = """
    #include <stdio.h>
    extern int shared_counter;
    const char *which(void);
    const char *b_which(void);
    int b_counter(void);
    int main(void) {
      printf("which=%s counter=%d b_which=%s b_counter=%d\\n", which(), shared_counter, b_which(), b_counter());
      return 0;
    }

    """

  /// Two libraries export the same function and variable; the program links them in both orders.
  /// The winner elfdyn reports is the library whose function and value the program sees.
  @Test func winnerIsWhatTheProgramSees() throws {
    let dir = try temporaryDirectory("elfdyn-conflicts")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.libraryA.write(toFile: dir + "/a.c", atomically: true, encoding: .utf8)
    try Self.libraryB.write(toFile: dir + "/b.c", atomically: true, encoding: .utf8)
    try Self.program.write(toFile: dir + "/main.c", atomically: true, encoding: .utf8)
    for (library, source) in [("a", "a.c"), ("b", "b.c")] {
      let cc = try run("/usr/bin/gcc", ["-shared", "-fPIC", "-o", "\(dir)/lib\(library).so", "\(dir)/\(source)"])
      #expect(cc.status == 0, "\(cc.stderr)")
    }
    for (name, order, first) in [("ab", ["-la", "-lb"], "a"), ("ba", ["-lb", "-la"], "b")] {
      let program = "\(dir)/prog-\(name)"
      // --no-as-needed: the second library is kept even when the first satisfies everything.
      let cc = try run("/usr/bin/gcc", ["-o", program, dir + "/main.c", "-L", dir, "-Wl,--no-as-needed"] + order)
      #expect(cc.status == 0, "\(cc.stderr)")
      let ran = try run(program, [], environment: ["LD_LIBRARY_PATH": dir])
      #expect(ran.status == 0)
      // What the program sees: the function and the variable of the first library.
      let expectedCounter = first == "a" ? 1 : 2
      #expect(ran.stdout == "which=\(first) counter=\(expectedCounter) b_which=\(first) b_counter=\(expectedCounter)\n")

      let result = try elfdyn(["conflicts", "--format", "json", program], environment: ["LD_LIBRARY_PATH": dir])
      #expect(result.status == 1, "\(result.stderr)")
      let item = try #require(try ConflictsJSON.decode(result.stdout).first)
      let which = try #require(item.conflicts.first { $0.symbol == "which" })
      #expect(which.benign == nil)
      #expect(which.winner == "\(dir)/lib\(first).so")
      #expect(Set(which.definitions.map(\.library)) == ["\(dir)/liba.so", "\(dir)/libb.so"])
      #expect(which.definitions.allSatisfy { $0.function })
      // libb's own call to which() is interposed too.
      #expect(which.references.contains { $0.object == "\(dir)/libb.so" && $0.boundTo == "\(dir)/lib\(first).so" })
      let counter = try #require(item.conflicts.first { $0.symbol == "shared_counter" })
      #expect(counter.benign == nil)
      #expect(counter.winner == "\(dir)/lib\(first).so")
      #expect(counter.definitions.filter { !$0.copy }.count == 2)
      #expect(!counter.definitions.contains { $0.function })

      let text = try elfdyn(["conflicts", program], environment: ["LD_LIBRARY_PATH": dir])
      #expect(text.status == 1)
      #expect(text.stdout.contains("2 conflicts"))
      #expect(text.stdout.contains("the loader binds it to \(dir)/lib\(first).so"))
    }
  }

  /// A program with only glibc's own duplicates and COPY relocations: exit 0, and --all shows them.
  @Test func benignDuplicatesAreLeftOut() throws {
    let dir = try temporaryDirectory("elfdyn-conflicts")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "#include <stdio.h>\nint main(void) { fprintf(stderr, \"x\"); return 0; }\n".write(
      toFile: dir + "/ok.c", atomically: true, encoding: .utf8)
    let cc = try run("/usr/bin/gcc", ["-o", dir + "/ok", dir + "/ok.c", "-lm"])
    #expect(cc.status == 0)
    let clean = try elfdyn(["conflicts", dir + "/ok"])
    #expect(clean.status == 0, "\(clean.stdout)")
    #expect(clean.stdout.contains("ok, no symbol defined twice"))
    let all = try elfdyn(["conflicts", "--all", "--format", "json", dir + "/ok"])
    #expect(all.status == 0)
    let item = try #require(try ConflictsJSON.decode(all.stdout).first)
    #expect(item.conflicts.contains { $0.symbol.hasPrefix("_dl_") && $0.benign == "glibc" })
    #expect(item.conflicts.allSatisfy { conflict in conflict.benign != nil })
  }

  /// TestBinaries/cargo-diamond: logcore (an rlib) linked into libplugin_a.so and libplugin_b.so,
  /// both loaded by one program, which says which file's LEVEL each dylib's code uses.
  @Test func cargoCrateInTwoDylibs() throws {
    let cargo = try run("/usr/bin/env", ["cargo", "--version"])
    guard cargo.status == 0 else {
      print("skipped: cargo is not available")
      return
    }
    let dir = try temporaryDirectory("elfdyn-diamond")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let copy = try run("/bin/cp", ["-R", Fixtures.packageRoot + "/TestBinaries/cargo-diamond/.", dir])
    #expect(copy.status == 0)
    let build = try run(
      "/usr/bin/env", ["cargo", "build", "--offline"], environment: ["RUSTFLAGS": "-C prefer-dynamic"], cwd: dir,
      timeout: 600)
    try #require(build.status == 0, "\(build.stderr)")
    let rustLib = try run("/usr/bin/env", ["rustc", "--print", "target-libdir"], cwd: dir).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let deps = dir + "/target/debug/deps"
    let program = dir + "/target/debug/diamond"
    let ran = try run(program, [], environment: ["LD_LIBRARY_PATH": deps + ":" + rustLib])
    #expect(ran.status == 0, "\(ran.stderr)")
    let line = try #require(ran.stdout.split(separator: "\n").first { $0.hasPrefix("plugin_a uses LEVEL in ") })
    let used = URL(fileURLWithPath: String(line.dropFirst("plugin_a uses LEVEL in ".count))).resolvingSymlinksInPath()
      .path

    let result = try elfdyn(["conflicts", "-L", deps, "-L", rustLib, "--format", "json", program])
    #expect(result.status == 1)
    let item = try #require(try ConflictsJSON.decode(result.stdout).first)
    let crate = try #require(item.crates.first { $0.crate == "logcore" })
    #expect(Set(crate.objects.map { ($0 as NSString).lastPathComponent }) == ["libplugin_a.so", "libplugin_b.so"])
    #expect(crate.symbols >= 3)
    #expect(!crate.sameNamedFiles)
    let level = try #require(item.conflicts.first { $0.symbol.hasPrefix("_ZN7logcore5LEVEL") })
    #expect(level.crate == "logcore")
    let winner = try #require(level.winner)
    #expect(URL(fileURLWithPath: winner).resolvingSymlinksInPath().path == used)
    // Rust's own generic instances are not a crate loaded twice.
    #expect(!item.crates.contains { $0.crate == "core" })

    let text = try elfdyn(["conflicts", "-L", deps, "-L", rustLib, program])
    #expect(text.stdout.contains("crate logcore is loaded twice"))
  }
}
