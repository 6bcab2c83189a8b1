import Foundation
import Testing

/// What users of ldd, lddtree, libtree and patchelf expect from the command line, and hints that
/// are never wrong: each run as a user would run it.
@Suite struct HabitsTests {
  /// Writes `source` to DIR/NAME.c and compiles it with gcc `arguments`.
  static func compile(_ dir: String, _ name: String, _ source: String, _ arguments: [String]) throws {
    try source.write(toFile: dir + "/" + name + ".c", atomically: true, encoding: .utf8)
    let result = try run("/usr/bin/gcc", [dir + "/" + name + ".c"] + arguments, cwd: dir)
    try #require(result.status == 0, "gcc \(name): \(result.stderr)")
  }

  @Test func aFileAloneMeansTree() throws {
    let plain = try elfdyn(["/usr/bin/true"])
    let tree = try elfdyn(["tree", "/usr/bin/true"])
    #expect(plain.status == 0)
    #expect(plain.stdout == tree.stdout)
    #expect(
      try elfdyn(["--flat", "/usr/bin/true"]).stdout == (try elfdyn(["tree", "--flat", "/usr/bin/true"])).stdout)
  }

  @Test func aMisspelledSubcommandGetsASuggestion() throws {
    let result = try elfdyn(["tre", "/usr/bin/true"])
    #expect(result.status == 2)
    #expect(result.stderr == "elfdyn: 'tre' is not a subcommand; did you mean 'tree'? (see 'elfdyn --help')\n")
    let check = try elfdyn(["check-undefind"])
    #expect(check.stderr.contains("did you mean 'check-undefined'"))
  }

  @Test func oneErrorPrefix() throws {
    let result = try elfdyn(["tree", "--bogus", "/usr/bin/true"])
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix("elfdyn: "), "\(result.stderr)")
  }

  @Test func scriptsAreNamedAndDirectoriesSkipThemAndStaticFiles() throws {
    let script = try elfdyn(["tree", "/usr/bin/ldd"])
    #expect(script.status == 2)
    #expect(script.stderr.contains("/usr/bin/ldd: invalid ELF header: a script (#!/bin/bash), not an ELF file"))
    guard Fixtures.elfdyn.contains("/release/") else { return }
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for (source, name) in [("/usr/bin/true", "true"), ("/usr/bin/ldd", "ldd"), (Fixtures.elfdyn, "static")] {
      try FileManager.default.copyItem(atPath: source, toPath: dir + "/" + name)
    }
    let tree = try elfdyn(["tree", dir])
    #expect(tree.status == 0, "\(tree.stdout) \(tree.stderr)")
    #expect(tree.stdout.contains(dir + "/true"))
    #expect(tree.stdout.contains(dir + "/static [statically linked"))
    #expect(!tree.stdout.contains(dir + "/ldd"))
    let check = try elfdyn(["check-undefined", dir])
    #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
    #expect(check.stdout.contains("2 files checked, 0 with problems"))
    let empty = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: empty) }
    let none = try elfdyn(["tree", empty])
    #expect(none.status == 2)
    #expect(none.stderr.contains("a directory with no ELF"))
  }

  @Test func depthZeroIsTheInputAlone() throws {
    let result = try elfdyn(["tree", "--depth", "0", "/usr/bin/true"])
    #expect(result.status == 0)
    #expect(result.stdout == "/usr/bin/true (1 direct dependency below --depth 0)\n")
  }

  @Test func aRootThatDoesNotExistIsUsage() throws {
    let result = try elfdyn(["tree", "--root", "/nonexistent-root", "/usr/bin/true"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("--root /nonexistent-root: no such directory"))
  }

  @Test func aWriteErrorOnStandardOutputIsExitTwo() throws {
    for arguments in [["tree", "/usr/bin/true"], ["tree", "--format", "json", "/usr/bin/true"]] {
      let result = try run(
        "/bin/sh", ["-c", "exec \"$0\" \"$@\" > /dev/full", Fixtures.elfdyn] + arguments)
      #expect(result.status == 2, "\(arguments)")
      #expect(result.stderr.contains("cannot write to standard output: No space left on device"))
    }
  }

  @Test func theDotInterpreterNodeNamesItsPathOnce() throws {
    let result = try elfdyn(["tree", "--format", "dot", "/usr/bin/true"])
    #expect(result.stdout.contains("[label=\"/lib64/ld-linux-x86-64.so.2\"]"), "\(result.stdout)")
  }

  /// A needed library next to the program but not on the search path: one finding, with where it
  /// is and a command that works; the symbols it would provide are counted under it, never said
  /// to be in "a library you do not depend on".
  @Test func aMissingLibraryIsOneFindingWithACommandThatWorks() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.compile(
      dir, "foo", "int foo(void){return 1;} int foo2(void){return 2;} int foo_data = 3;",
      ["-shared", "-fPIC", "-o", "libfoo.so"])
    try Self.compile(
      dir, "main", "int foo(void); int foo2(void); extern int foo_data; int main(void){return foo()+foo2()+foo_data;}",
      ["-o", "prog", "-L.", "-lfoo"])
    let prog = dir + "/prog"
    let text = try elfdyn(["check-undefined", prog])
    #expect(text.status == 1)
    #expect(
      text.stdout.contains("prog: 1 problem (3 unresolved symbols because of missing libraries)"), "\(text.stdout)")
    #expect(text.stdout.contains("library not found: libfoo.so"))
    #expect(text.stdout.contains("3 symbols ("))
    #expect(!text.stdout.contains("does not depend on"))
    #expect(!text.stdout.contains("undefined symbol: foo"))
    let command = "elfdyn set-rpath -L \(dir) \(prog)"
    #expect(text.stdout.contains("run `\(command)`"), "\(text.stdout)")
    let verbose = try elfdyn(["check-undefined", "--verbose", prog])
    #expect(verbose.stdout.contains("undefined symbol: foo2"))
    let json = try CheckDocument.decode(try elfdyn(["check-undefined", "--format", "json", prog]))
    let result = try #require(json.results.first)
    #expect(Set(result.undefined.map(\.missingLibrary)) == ["libfoo.so"])
    #expect(Set(result.missingLibraries.first?.wouldProvide ?? []) == ["foo", "foo2", "foo_data"])
    // tree gives the same command; it works: the program then runs.
    let tree = try elfdyn(["tree", prog])
    #expect(tree.stdout.contains("run `\(command)`"))
    let fix = try elfdyn(["set-rpath", "-L", dir, prog])
    #expect(fix.status == 0, "\(fix.stdout) \(fix.stderr)")
    #expect(try run(prog, []).status == 6)
    #expect(try elfdyn(["check-undefined", prog]).status == 0)
  }

  /// A library's missing dependency: the command needs --recursive, and works.
  @Test func aLibrarysMissingDependencyGetsARecursiveCommand() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir + "/a", withIntermediateDirectories: true)
    try Self.compile(dir, "bar", "int bar(void){return 4;}", ["-shared", "-fPIC", "-o", "libbar.so"])
    try Self.compile(
      dir, "foo", "int bar(void); int foo(void){return bar();}",
      ["-shared", "-fPIC", "-o", "a/libfoo.so", "-L.", "-lbar"])
    try Self.compile(
      dir, "main", "int foo(void); int main(void){return foo();}",
      ["-o", "app", "-La", "-lfoo", "-Wl,-rpath,\(dir)/a", "-Wl,--allow-shlib-undefined"])
    let tree = try elfdyn(["tree", dir + "/app"])
    let command = "elfdyn set-rpath --recursive -L \(dir) \(dir)/app"
    #expect(tree.stdout.contains("run `\(command)`"), "\(tree.stdout)")
    let fix = try elfdyn(["set-rpath", "--recursive", "-L", dir, dir + "/app"])
    #expect(fix.status == 0, "\(fix.stdout) \(fix.stderr)")
    #expect(try run(dir + "/app", []).status == 4)
  }

  /// A hidden definition in a library next to the program that it does not load is named first.
  @Test func aLocalDefinitionInALibraryNotLoadedIsNamed() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.compile(
      dir, "helper",
      "__attribute__((visibility(\"hidden\"))) int helper(void){return 1;} int other(void){return helper();}",
      ["-shared", "-fPIC", "-o", "libhelper.so"])
    // libuser.so calls it; the linker's --as-needed dropped libhelper.so from its DT_NEEDED.
    try Self.compile(
      dir, "user", "int helper(void); int user(void){return helper();}", ["-shared", "-fPIC", "-o", "libuser.so"])
    try Self.compile(
      dir, "main", "int user(void); int main(void){return user();}",
      ["-o", "prog", "-L.", "-luser", "-Wl,-rpath,\(dir)", "-Wl,--allow-shlib-undefined"])
    let result = try elfdyn(["check-undefined", dir + "/prog"])
    #expect(result.status == 1)
    #expect(
      result.stdout.contains(
        "helper is defined in libhelper.so in \(dir) as a local symbol, and libuser.so does not load libhelper.so"),
      "\(result.stdout)")
  }

  /// Problems of a library several inputs load are shown once, with the inputs that load it.
  @Test func aSharedLibrarysProblemsAreShownOnce() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.compile(
      dir, "broken", "int missing_one(void); int broken(void){return missing_one();}",
      ["-shared", "-fPIC", "-o", "libbroken.so"])
    for name in ["one", "two"] {
      try Self.compile(
        dir, name, "int broken(void); int main(void){return broken();}",
        ["-o", name, "-L.", "-lbroken", "-Wl,-rpath,\(dir)", "-Wl,--allow-shlib-undefined"])
    }
    let result = try elfdyn(["check-undefined", dir + "/one", dir + "/two"])
    #expect(result.status == 1)
    #expect(result.stdout.components(separatedBy: "undefined symbol: missing_one").count == 2, "\(result.stdout)")
    #expect(result.stdout.contains("libbroken.so (loaded by one, two)"))
    #expect(result.stdout.contains("(problems shown above, under \(dir)/one)"))
  }

  @Test func pythonModulesPointToTheInterpreter() throws {
    let module = "/usr/lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so"
    guard FileManager.default.fileExists(atPath: module) else {
      print("skipped: Debian's python3.11 is not installed")
      return
    }
    let result = try elfdyn(["check-undefined", module])
    #expect(result.status == 1)
    #expect(result.stdout.contains("Python C-API symbols"))
    #expect(result.stdout.contains("--host /usr/bin/python3.11 \(module)"))
    #expect(result.stdout.split(separator: "\n").count < 6)
  }

  /// `make install` puts cargo-elfdyn next to elfdyn: `cargo elfdyn ...` is then elfdyn.
  @Test func cargoSubcommand() throws {
    let cargo = ["/root/.cargo/bin/cargo", "/usr/bin/cargo"].first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let cargo else {
      print("skipped: no cargo")
      return
    }
    let bin = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: bin) }
    try FileManager.default.copyItem(
      atPath: Fixtures.packageRoot + "/scripts/cargo-elfdyn", toPath: bin + "/cargo-elfdyn")
    try FileManager.default.createSymbolicLink(atPath: bin + "/elfdyn", withDestinationPath: Fixtures.elfdyn)
    let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    let result = try run(cargo, ["elfdyn", "tree", "--flat", "/usr/bin/true"], environment: ["PATH": path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == (try elfdyn(["tree", "--flat", "/usr/bin/true"])).stdout)
  }

  /// A program in PREFIX/bin whose library is in PREFIX/lib: the hint finds it there.
  @Test func aLibraryInTheSiblingLibDirectoryIsFound() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for sub in ["bin", "lib"] {
      try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
    }
    try Self.compile(dir, "foo", "int foo(void){return 5;}", ["-shared", "-fPIC", "-o", "lib/libfoo.so"])
    try Self.compile(dir, "main", "int foo(void); int main(void){return foo();}", ["-o", "bin/prog", "-Llib", "-lfoo"])
    let tree = try elfdyn(["tree", dir + "/bin/prog"])
    #expect(tree.stdout.contains("hint: libfoo.so is in \(dir)/lib"), "\(tree.stdout)")
    let fix = try elfdyn(["set-rpath", "-L", dir + "/lib", dir + "/bin/prog"])
    #expect(fix.status == 0)
    #expect(try run(dir + "/bin/prog", []).status == 5)
  }

  @Test func cargoModeSaysSo() throws {
    guard let cargo = try CargoBuild.load() else { return }
    // The same Cargo mode in every command, said first.
    for arguments in [["tree"], ["check-undefined"], ["set-rpath", "--dry-run"]] {
      let result = try elfdyn(arguments, cwd: cargo.workspace)
      #expect(
        result.stdout.hasPrefix("Cargo build: the outputs of \(cargo.targetDir)"), "\(arguments): \(result.stdout)")
    }
    // An explicit file is resolved as the loader sees it: no Cargo directories.
    let explicit = try elfdyn(["tree", cargo.app], cwd: cargo.workspace)
    #expect(!explicit.stdout.contains("Cargo build:"))
    #expect(explicit.stdout.contains("libutil.so not found"))
  }
}
