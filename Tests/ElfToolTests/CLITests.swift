import Foundation
import Testing

@testable import ElfTool

/// The command line: formats, options, exit statuses, messages.
@Suite struct CLITests {
  static func demo() throws -> (app: String, deps: String, toolchain: String, project: String) {
    let out = try Fixtures.requireTestBinaries() + "/demo"
    return (
      out + "/project/target/debug/app", out + "/project/target/debug/deps", out + "/toolchain/lib", out + "/project"
    )
  }

  @Test func exitStatusIsZeroWhenEverythingIsFound() throws {
    let demo = try Self.demo()
    let result = try elfdyn(["tree", "-L", demo.deps, "-L", demo.toolchain, demo.app])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("libgreet.so => \(demo.deps)/libgreet.so [-L]"))
    // The environment's LD_LIBRARY_PATH has its own tag.
    let environment = try elfdyn(
      ["tree", "-L", demo.toolchain, demo.app], environment: ["LD_LIBRARY_PATH": demo.deps])
    #expect(environment.stdout.contains("libgreet.so => \(demo.deps)/libgreet.so [LD_LIBRARY_PATH]"))
    #expect(result.stderr.isEmpty)
  }

  @Test func missingLibrariesExitOneWithTriedDirectoriesAndHint() throws {
    let demo = try Self.demo()
    let result = try elfdyn(["tree", demo.app])
    #expect(result.status == 1)
    #expect(result.stdout.contains("libgreet.so not found"))
    #expect(result.stdout.contains("tried: ld.so.cache, default path /lib/x86_64-linux-gnu"))
    #expect(result.stdout.contains("hint: libgreet.so is in \(demo.deps)"))
  }

  @Test func flatOutputIsLddsFormat() throws {
    let demo = try Self.demo()
    let result = try elfdyn(["tree", "--flat", "-L", demo.deps, "-L", demo.toolchain, demo.app])
    #expect(
      result.stdout == """
        \tlibgreet.so => \(demo.deps)/libgreet.so
        \tlibruntime.so.1 => \(demo.toolchain)/libruntime.so.1
        \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6
        \t/lib64/ld-linux-x86-64.so.2

        """)
    let missing = try elfdyn(["tree", "--flat", demo.app])
    #expect(missing.stdout.contains("\tlibgreet.so => not found\n"))
  }

  /// JSON output escapes what a path may hold: every control character, quotes, backslashes, DEL
  /// and non-ASCII text come back exactly from a JSON parser, in the short forms where JSON has them.
  @Test func jsonEscapesEveryCharacterAPathMayHold() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    var name = "q\"b\\d\u{7f}é𝄞"
    for code in 1..<0x20 { name.unicodeScalars.append(Unicode.Scalar(UInt8(code))) }
    let directory = root + "/" + name
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let program = directory + "/prog"
    try FileManager.default.copyItem(atPath: "/bin/true", toPath: program)
    let (tree, run) = try treeJSON(program)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(tree.path == program)
    #expect(run.stdout.contains(#"q\"b\\d"#))
    #expect(run.stdout.contains(#"\u0001\u0002"#))
    #expect(run.stdout.contains(#"\t\n\u000b\u000c\r"#))
    #expect(run.stdout.contains(#"\u001f"#))
    let check = try CheckDocument.decode(try elfdyn(["check-undefined", "--format", "json", program]))
    #expect(check.results.first?.path == program)
  }

  @Test func jsonFollowsTheContract() throws {
    let demo = try Self.demo()
    let (tree, _) = try treeJSON(demo.app, arguments: ["-L", demo.deps])
    #expect(tree.path == demo.app)
    #expect(tree.interpreter == "/lib64/ld-linux-x86-64.so.2")
    let first = try #require(tree.objects.first)
    #expect(first.name == demo.app)
    #expect(first.via == "input")
    #expect(first.needed == ["libgreet.so", "libruntime.so.1", "libc.so.6"])
    let greet = try #require(tree.object(named: "libgreet.so"))
    #expect(greet.found == true)
    #expect(greet.via == "-L")
    #expect(greet.neededBy == [demo.app])
    #expect(greet.error == nil)
    let runtime = try #require(tree.object(named: "libruntime.so.1"))
    #expect(runtime.found == false)
    #expect(runtime.path == nil)
    #expect(runtime.via == "not found")
    #expect(
      Set(runtime.neededBy) == [demo.app, "libgreet.so"]
        || runtime.neededBy == [demo.app])
    // Every object once (found ones), the input first.
    let names = tree.objects.filter { $0.found == true }.compactMap { $0.path }
    #expect(Set(names).count == names.count)
  }

  @Test func dotIsAGraph() throws {
    let demo = try Self.demo()
    let result = try elfdyn(["tree", "--format", "dot", "-L", demo.deps, demo.app])
    #expect(result.stdout.hasPrefix("digraph "))
    #expect(result.stdout.contains("n0 -> n1;"))
    #expect(result.stdout.contains("color=red"), "the missing library is red")
    #expect(result.stdout.hasSuffix("}\n"))
  }

  @Test func depthLimitsTheTree() throws {
    let demo = try Self.demo()
    let full = try elfdyn(["tree", "-L", demo.deps, "-L", demo.toolchain, demo.app])
    let shallow = try elfdyn(["tree", "--depth", "1", "-L", demo.deps, "-L", demo.toolchain, demo.app])
    #expect(full.stdout.contains("    └── ld-linux-x86-64.so.2"))
    #expect(!shallow.stdout.contains("    └── ld-linux-x86-64.so.2"))
    #expect(shallow.stdout.contains("more below --depth 1"))
  }

  /// By default each object is shown once, where the walk first meets it (libc.so.6 is never
  /// marked as seen before it is shown); --all expands every occurrence.
  @Test func eachObjectOnceUnlessAll() throws {
    let plain = try elfdyn(["tree", "/usr/bin/ls"])
    let all = try elfdyn(["tree", "--all", "/usr/bin/ls"])
    #expect(!plain.stdout.contains("(already loaded)"))
    let libc = plain.stdout.split(separator: "\n").filter { $0.contains("libc.so.6") }
    #expect(libc.count == 1)
    #expect(libc.first?.contains("[ld.so.cache]") == true)
    #expect(plain.stdout.contains("more reference"))
    #expect(!all.stdout.contains("(already loaded)"))
    #expect(all.stdout.split(separator: "\n").filter { $0.contains("libc.so.6") }.count > 1)
    // Every line but the first is drawn under a branch: no row is cut off by a wrong last marker.
    for line in plain.stdout.split(separator: "\n").dropFirst() where !line.hasPrefix("(") {
      #expect(line.hasPrefix("├── ") || line.hasPrefix("└── ") || line.hasPrefix("│   ") || line.hasPrefix("    "))
    }
    #expect(plain.stdout.split(separator: "\n").dropFirst().first { $0.hasPrefix("└── ") } != nil)
  }

  @Test func colourOnlyWhenAsked() throws {
    let never = try elfdyn(["tree", "/usr/bin/true"])
    #expect(!never.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
    let always = try elfdyn(["tree", "--color", "always", "/usr/bin/true"])
    #expect(always.stdout.contains("\u{1B}[1m"))
    let noColor = try elfdyn(["tree", "--color", "auto", "/usr/bin/true"], environment: ["NO_COLOR": "1"])
    #expect(!noColor.stdout.contains("\u{1B}["))
  }

  @Test func usageErrorsExitTwo() throws {
    for arguments in [
      ["tree"], ["tree", "--depth", "-3", "/bin/true"], ["tree", "--format", "yaml", "/bin/true"],
      ["no-such-command"], ["tree", "--flat", "--format", "json", "/bin/true"],
    ] {
      let result = try elfdyn(arguments)
      #expect(result.status == 2, "\(arguments): \(result.status) \(result.stderr)")
      #expect(!result.stderr.isEmpty)
    }
  }

  @Test func helpAndCompletions() throws {
    let help = try elfdyn(["tree", "--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("--library-path"))
    #expect(help.stdout.contains("Example"))
    for shell in ["bash", "zsh", "fish"] {
      let script = try elfdyn(["--generate-completion-script", shell])
      #expect(script.status == 0 && script.stdout.contains("tree"), "\(shell)")
    }
  }

  @Test func severalInputsAndOneBad() throws {
    let result = try elfdyn(["tree", "--format", "json", "/usr/bin/true", "/nonexistent", "/usr/bin/ls"])
    #expect(result.status == 2)
    // One document for the run, one result per good input, in input order.
    let document = try JSONDecoder().decode(TreeDocument.self, from: Data(result.stdout.utf8))
    #expect(document.results.map(\.path) == ["/usr/bin/true", "/usr/bin/ls"])
    let one = try elfdyn(["tree", "--format", "json", "/usr/bin/true"])
    #expect(try JSONDecoder().decode(TreeDocument.self, from: Data(one.stdout.utf8)).results.count == 1)
    #expect(result.stderr.contains("/nonexistent"))
  }

  /// A static executable loads nothing: exit 0 and say so (ldd says "not a dynamic executable"),
  /// so that a run over a directory is not failed by one.
  @Test func staticExecutableIsSaidToBeStatic() throws {
    // The release elfdyn is itself fully static.
    guard Fixtures.elfdyn.contains("/release/") else { return }
    let result = try elfdyn(["tree", Fixtures.elfdyn])
    #expect(result.status == 0)
    #expect(result.stdout.contains("statically linked"))
    let flat = try elfdyn(["tree", "--flat", Fixtures.elfdyn])
    #expect(flat.stdout == "\tstatically linked\n")
    let check = try elfdyn(["check-undefined", Fixtures.elfdyn])
    #expect(check.status == 0)
    #expect(check.stdout.contains("ok, statically linked"))
    let json = try JSONDecoder().decode(
      TreeDocument.self, from: Data(try elfdyn(["tree", "--format", "json", Fixtures.elfdyn]).stdout.utf8))
    #expect(json.results.first?.objects.count == 1)
  }

  static let pythonModule = "/usr/lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so"

  /// `tree` and `check-undefined` in their plain forms skip ArgumentParser (FastPath.swift); each
  /// must print exactly what the parsed form does. `--` before the files sends the same request
  /// through the parser (the hand parse leaves `--` to it).
  static func expectFastPathMatchesParser(_ command: String, _ options: [String], _ files: [String]) throws {
    let fast = try elfdyn([command] + options + files)
    let parsed = try elfdyn([command] + options + ["--"] + files)
    let call = ([command] + options + files).joined(separator: " ")
    #expect(fast.stdout == parsed.stdout, "\(call)")
    #expect(fast.stderr == parsed.stderr, "\(call)")
    #expect(fast.status == parsed.status, "\(call)")
  }

  @Test(arguments: [
    ([], ["/usr/bin/ls"]), (["--flat"], ["/usr/bin/ls"]), (["--format", "json"], ["/usr/bin/ls"]),
    (["--format=dot"], ["/usr/bin/ls"]), (["--all"], ["/usr/bin/ls", "/usr/bin/true"]),
    (["--all", "--flat"], ["/nonexistent"]), (["--depth", "1", "--color", "always"], ["/usr/bin/ls"]),
    (["-L", "/tmp", "--library-path=/usr/lib", "--preload", "libm.so.6"], ["/usr/bin/ls"]),
    (["--root", "/", "--loader", "glibc", "--format", "text"], ["/usr/bin/ls"]),
    (["--no-dlopen", "--profile", "release"], []), ([], []),
  ])
  func treeFastPathMatchesParsedForm(_ options: [String], _ files: [String]) throws {
    try Self.expectFastPathMatchesParser("tree", options, files)
  }

  @Test(arguments: [
    ([], ["/usr/bin/ls"]), (["--format", "json"], [pythonModule]), (["--strict", "--unused", "-v"], [pythonModule]),
    (["--host", "/usr/bin/python3.11", "--format=json"], [pythonModule]),
    (["--archives", "/usr/lib/x86_64-linux-gnu", "--archives", "/tmp"], ["/usr/bin/ls"]),
    (["--color", "always", "--verbose"], ["/usr/bin/ls", pythonModule]),
    (["-L", "/tmp", "--root", "/"], ["/usr/bin/ls"]),
    (["--profile", "debug"], []),
  ])
  func checkUndefinedFastPathMatchesParsedForm(_ options: [String], _ files: [String]) throws {
    try Self.expectFastPathMatchesParser("check-undefined", options, files)
  }

  /// What the hand parse does not take goes to ArgumentParser, which reports the usage error.
  @Test func fastPathLeavesUsageErrorsToTheParser() throws {
    for arguments in [
      ["tree", "--flat", "--format", "json", "/bin/true"], ["tree", "--format", "yaml", "/bin/true"],
      ["tree", "--format"], ["tree", "--depth", "-1", "/bin/true"], ["tree", "--depth", "x", "/bin/true"],
      ["tree", "--root", "/nonexistent", "/bin/true"], ["tree", "--loader", "bionic", "/bin/true"],
      ["tree", "--frobnicate", "/bin/true"], ["check-undefined", "--format", "yaml", "/bin/true"],
      ["check-undefined", "--color", "sometimes", "/bin/true"], ["check-undefined", "--host"],
    ] {
      let result = try elfdyn(arguments)
      #expect(result.status == 2, "\(arguments): \(result.stderr)")
      #expect(!result.stderr.isEmpty, "\(arguments)")
    }
  }

  /// --root: a sysroot's cache, default directories and absolute runpaths; the environment's
  /// LD_LIBRARY_PATH does not apply there.
  @Test func rootIgnoresTheHostEnvironment() throws {
    let rows = LoaderCase.load().filter { $0.root != nil }
    let row = try #require(rows.first, "no --root case in TestBinaries")
    let root = try #require(row.root)
    let with = try elfdyn(
      ["tree", "--format", "json", "--root", root, row.exe], environment: ["LD_LIBRARY_PATH": "/usr/lib"])
    let without = try elfdyn(["tree", "--format", "json", "--root", root, row.exe])
    #expect(with.stdout == without.stdout)
  }
}
