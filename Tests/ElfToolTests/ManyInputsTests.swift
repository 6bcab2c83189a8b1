import Foundation
import Testing

@testable import ElfTool

/// Many inputs in one run: every file is read once and shared between inputs, inputs are resolved
/// on every core, and the output is what one run per input would print, in input order.
@Suite struct ManyInputsTests {
  /// Dynamically linked programs of /usr/bin (evenly spaced), enough to share many libraries.
  static let programs: [String] = RealFilesTests.sample(["/usr/bin"], limit: 60).filter {
    (try? ElfFile(path: $0))?.interpreter != nil
  }

  /// One line per object of a result: what the tree says about it.
  static func summary(_ tree: TreeJSON) -> [String] {
    [tree.path] + tree.objects.map { "\($0.name) => \($0.path ?? "-") [\($0.via)] needed by \($0.neededBy)" }
  }

  @Test func manyInputsGiveWhatEachInputGivesAlone() throws {
    try #require(Self.programs.count >= 20, "only \(Self.programs.count) programs in /usr/bin")
    // One input twice, and one that cannot be read in the middle: it is named on stderr, and the
    // others keep their order.
    let inputs = Self.programs + [Self.programs[0], "/nonexistent/elfdyn-input"] + Self.programs.prefix(3)
    let together = try elfdyn(["tree", "--format", "json"] + inputs)
    #expect(together.status == 2, "\(together.stderr)")
    #expect(together.stderr.contains("/nonexistent/elfdyn-input"))
    let document = try JSONDecoder().decode(TreeDocument.self, from: Data(together.stdout.utf8))
    let readable = inputs.filter { $0 != "/nonexistent/elfdyn-input" }
    try #require(document.results.count == readable.count)
    for (input, result) in zip(readable, document.results) {
      let (alone, _) = try treeJSON(input)
      #expect(Self.summary(result) == Self.summary(alone), "\(input)")
    }
  }

  /// The trees with nothing missing are rendered on every core, those with a missing library (and
  /// its hint) in order afterwards: the text is still each input's own, in input order.
  @Test func textOfManyInputsIsTheTextOfEachInOrder() throws {
    try #require(Self.programs.count >= 20)
    let dir = try temporaryDirectory("elfdyn-many-text")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let missing = dir + "/needs-absent"
    try FileManager.default.copyItem(atPath: "/usr/bin/true", toPath: missing)
    let patched = try run("/usr/bin/patchelf", ["--add-needed", "libelfdyn-absent.so.7", missing])
    try #require(patched.status == 0, "\(patched.stderr)")
    let inputs = Array(Self.programs.prefix(10)) + [missing] + Array(Self.programs.dropFirst(10).prefix(10))
    let together = try elfdyn(["tree"] + inputs)
    #expect(together.status == 1)
    var expected: [String] = []
    for input in inputs { expected.append(try elfdyn(["tree", input]).stdout) }
    #expect(expected[10].contains("libelfdyn-absent.so.7"))
    #expect(together.stdout == expected.joined(separator: "\n"))
    // ldd's list of each, after the input's name, missing library included.
    let list = try elfdyn(["tree", "--flat"] + inputs)
    #expect(list.status == 1)
    var lists = ""
    for input in inputs { lists += input + ":\n" + (try elfdyn(["tree", "--flat", input]).stdout) }
    #expect(lists.contains("libelfdyn-absent.so.7 => not found"))
    #expect(list.stdout == lists)
  }

  /// A file reached by two paths (a symbolic link) is decoded once, and each input keeps the path
  /// it was given.
  @Test func aLinkToAnInputKeepsItsOwnPath() throws {
    let directory = NSTemporaryDirectory() + "elfdyn-many-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let target = try #require(Self.programs.first)
    let link = directory + "/link-to-program"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
    let result = try elfdyn(["tree", "--format", "json", target, link])
    let document = try JSONDecoder().decode(TreeDocument.self, from: Data(result.stdout.utf8))
    try #require(document.results.count == 2, "\(result.stderr)")
    #expect(document.results[0].path == target)
    #expect(document.results[1].path == link)
    #expect(document.results[1].objects.first?.path == link)
    // The same libraries from the same places (the needing object's name aside).
    func libraries(_ tree: TreeJSON) -> [String] {
      tree.objects.dropFirst().map { "\($0.name) => \($0.path ?? "-") [\($0.via)]" }
    }
    #expect(libraries(document.results[0]) == libraries(document.results[1]))
    #expect(libraries(document.results[0]).count > 1)
  }

  /// The C library, which every program loads, is opened once for all of them (counted with
  /// strace), not once per input; its `.note.dlopen` entries are read with its headers, so the
  /// dlopen pass (left out with `--no-dlopen`) does not open it again.
  @Test func eachLibraryIsOpenedOnce() throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") else {
      print("skipped: strace is not installed")
      return
    }
    try #require(Self.programs.count >= 20)
    func libcOpens(_ options: [String]) throws -> Int {
      // One log per thread (-ff): with one shared log, strace splits a call that another thread
      // interrupts into "<unfinished ...>" and "<... resumed>" lines, and a failed open would
      // look like a successful one.
      let dir = try temporaryDirectory("elfdyn-strace")
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let traced = try run(
        "/usr/bin/strace",
        ["-ff", "-e", "trace=open,openat", "-o", dir + "/log", Fixtures.elfdyn, "tree"] + options + Self.programs)
      #expect(traced.status <= 1, "\(traced.stderr)")
      var lines: [Substring] = []
      for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
        lines += try String(contentsOfFile: dir + "/" + name, encoding: .utf8).split(separator: "\n")
      }
      return lines.filter { $0.contains("/libc.so.6\"") && !$0.contains("ENOENT") }.count
    }
    #expect(try libcOpens(["--no-dlopen"]) == 1, "for \(Self.programs.count) inputs")
    #expect(try libcOpens([]) == 1, "for \(Self.programs.count) inputs")
  }

  /// check-undefined over many inputs reports what it reports for each alone.
  @Test func checkUndefinedOfManyInputs() throws {
    try #require(Self.programs.count >= 20)
    let inputs = Array(Self.programs.prefix(15))
    let together = try elfdyn(["check-undefined", "--format", "json"] + inputs)
    let document = try JSONDecoder().decode(CheckDocument.self, from: Data(together.stdout.utf8))
    try #require(document.results.count == inputs.count, "\(together.stderr)")
    for (input, result) in zip(inputs, document.results) {
      let alone = try elfdyn(["check-undefined", "--format", "json", input])
      let single = try JSONDecoder().decode(CheckDocument.self, from: Data(alone.stdout.utf8))
      #expect(single.results.count == 1)
      #expect(result.path == input)
      #expect(result.undefined.map(\.symbol) == single.results.first?.undefined.map(\.symbol), "\(input)")
    }
  }

  /// $ORIGIN of a program is the directory of its real path. With many inputs, the links of each
  /// program's own name are followed one by one and the directories resolved once for all of them:
  /// a relative link, an absolute one through a linked directory and a link whose ".." crosses a
  /// linked directory find the library the program finds when it runs, as each input alone does.
  @Test func originThroughLinksIsTheSameWithManyInputs() throws {
    let dir = try temporaryDirectory("elfdyn-many-origin")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let fm = FileManager.default
    for sub in ["real/bin", "real/lib", "x", "deep/a"] {
      try fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
    }
    try "int f(void) { return 7; }\n".write(toFile: dir + "/f.c", atomically: true, encoding: .utf8)
    try "int f(void);\nint main(void) { return f(); }\n".write(toFile: dir + "/m.c", atomically: true, encoding: .utf8)
    let lib = try run("/usr/bin/gcc", ["-shared", "-fPIC", "-o", dir + "/real/lib/libf.so", dir + "/f.c"])
    try #require(lib.status == 0, "\(lib.stderr)")
    let app = try run(
      "/usr/bin/gcc",
      ["-o", dir + "/real/bin/app", dir + "/m.c", "-L" + dir + "/real/lib", "-lf", "-Wl,-rpath,$ORIGIN/../lib"])
    try #require(app.status == 0, "\(app.stderr)")
    try fm.createSymbolicLink(atPath: dir + "/link", withDestinationPath: "real")
    try fm.createSymbolicLink(atPath: dir + "/x/app-rel", withDestinationPath: "../real/bin/app")
    try fm.createSymbolicLink(atPath: dir + "/x/app-abs", withDestinationPath: dir + "/link/bin/app")
    try fm.createSymbolicLink(atPath: dir + "/deep/a/binlink", withDestinationPath: "../../link/bin")
    try fm.createSymbolicLink(atPath: dir + "/deep/a/app2", withDestinationPath: "binlink/app")
    let inputs = ["real/bin/app", "link/bin/app", "x/app-rel", "x/app-abs", "deep/a/app2", "deep/a/binlink/app"].map {
      dir + "/" + $0
    }
    var alone: [String] = []
    for input in inputs {
      // The loader agrees: the program runs and returns f()'s 7.
      #expect(try run(input, []).status == 7, "\(input)")
      let single = try elfdyn(["tree", "--flat", input])
      #expect(single.status == 0, "\(single.stderr)")
      #expect(single.stdout.contains("libf.so => " + dir + "/real/bin/../lib/libf.so"), "\(input): \(single.stdout)")
      alone.append(input + ":\n" + single.stdout)
    }
    let together = try elfdyn(["tree", "--flat"] + inputs)
    #expect(together.status == 0, "\(together.stderr)")
    #expect(together.stdout == alone.joined())
  }
}
