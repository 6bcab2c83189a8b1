import Foundation
import Testing

@testable import ElfTool

/// `elfdyn bundle --format json`.
private struct BundleDocument: Decodable {
  struct File: Decodable {
    var path: String
    var source: String
    var role: String
    var size: Int
    var runpath: String
    var aliases: [String]
  }
  struct Host: Decodable {
    var name: String
    var path: String?
    var reason: String
  }
  struct Problem: Decodable {
    var kind: String
    var message: String
  }
  var directory: String
  var status: String
  var replaced: Bool
  var files: [File]
  var totalSize: Int
  var host: [Host]
  var glibc: String?
  var problems: [Problem]
}

private func decode<T: Decodable>(_ type: T.Type, _ result: RunResult) throws -> T {
  let line = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
  do {
    return try JSONDecoder().decode(type, from: Data(line.utf8))
  } catch {
    Issue.record("no JSON from elfdyn: \(result.stdout) \(result.stderr)")
    throw error
  }
}

/// Runs `command` in a private mount namespace (root only) where each of `hidden` is covered by an
/// empty tmpfs, with no LD_LIBRARY_PATH: as on a host that does not have those directories.
private func runHiding(_ hidden: [String], _ command: String) throws -> RunResult {
  let mounts = hidden.map { "mount -t tmpfs none '\($0)' && " }.joined()
  return try run("/usr/bin/unshare", ["-m", "/bin/sh", "-c", mounts + "exec " + command])
}

private var isRoot: Bool { getuid() == 0 }

/// Every file under `directory` (relative path → contents, mode and modification time).
private func snapshot(_ directory: String) throws -> [String: String] {
  var result: [String: String] = [:]
  let manager = FileManager.default
  for case let relative as String in manager.enumerator(atPath: directory) ?? FileManager.DirectoryEnumerator() {
    let path = directory + "/" + relative
    let attributes = try manager.attributesOfItem(atPath: path)
    if attributes[.type] as? FileAttributeType == .typeSymbolicLink {
      result[relative] = "-> " + (try manager.destinationOfSymbolicLink(atPath: path))
      continue
    }
    guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    let time = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    result[relative] = "\(data.hashValue) \(data.count) \(String(mode, radix: 8)) \(time)"
  }
  return result
}

/// Every loaded object of `program` is inside `directory` or is a library of the host's base system.
private func expectResolvedInside(_ program: String, _ directory: String) throws {
  let result = try elfdyn(["tree", "--format", "json", program])
  #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
  // One document per run ({"results": [...]}): the one input's part (Support.swift's TreeDocument).
  let tree = try #require(try decode(TreeDocument.self, result).results.first)
  #expect(tree.objects.count > 1)
  for object in tree.objects.dropFirst() {
    #expect(object.found, "\(object.name) not found for \(program)")
    let path = object.path ?? ""
    if path.hasPrefix(directory + "/") { continue }
    #expect(
      BaseSystem().reason(name: object.name, path: path) != nil,
      "\(program) loads \(object.name) from \(path), outside \(directory) and not a base library")
  }
}

/// Names of the temporary directories a bundle run may leave next to `directory`.
private func leftovers(in directory: String) -> [String] {
  ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains(".elfdyn-") }
}

@Suite struct BundleTests {
  // MARK: - Running bundled programs elsewhere

  @Test func cargoWorkspaceRunsFromTheBundleWithTheToolchainHidden() throws {
    guard let cargo = try CargoBuild.load() else { return }
    guard isRoot else {
      print("skipped: hiding the Rust toolchain needs root (unshare -m)")
      return
    }
    let scratch = try temporaryDirectory("elfdyn-bundle-cargo")
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let workspace = scratch + "/ws"
    #expect(try run("/bin/cp", ["-a", cargo.workspace, workspace]).status == 0)
    // bpftool reproduces an unresolved symbol on purpose (see the next test): bundle the rest.
    try FileManager.default.removeItem(atPath: workspace + "/target/debug/bpftool")

    let result = try elfdyn(["bundle", "--format", "json"], cwd: workspace)
    #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
    let bundle = try decode(BundleDocument.self, result)
    #expect(bundle.status == "written")
    let paths = Set(bundle.files.map(\.path))
    #expect(paths.isSuperset(of: ["bin/app", "lib/libgreet.so", "lib/libutil.so"]), "\(paths)")
    #expect(paths.contains { $0.hasPrefix("lib/libstd-") }, "\(paths)")
    #expect(!paths.contains { $0.contains("libc.so") || $0.contains("libgcc_s") }, "\(paths)")
    #expect(bundle.host.contains { $0.name == "libc.so.6" })
    #expect(bundle.totalSize == bundle.files.reduce(0) { $0 + $1.size })
    #expect(bundle.glibc != nil)

    // Moved elsewhere; the workspace renamed away; the toolchain's library directory hidden.
    let moved = scratch + "/elsewhere"
    try FileManager.default.moveItem(atPath: workspace + "/target/debug/bundle", toPath: moved)
    try FileManager.default.moveItem(atPath: workspace, toPath: scratch + "/ws-away")
    let sysrootLib = try #require(cargo.rustLibDir.range(of: "/rustlib/")).lowerBound
    let toolchainLib = String(cargo.rustLibDir[..<sysrootLib])
    let ran = try runHiding([toolchainLib], moved + "/bin/app")
    #expect(ran.status == 0, "\(ran.stderr)")
    #expect(ran.stdout == "app: hello, elfdyn / HELLO, ELFDYN / 84\n")
    // The control: the original program does not run there.
    let original = try runHiding([toolchainLib], scratch + "/ws-away/target/debug/app")
    #expect(original.status != 0)

    try expectResolvedInside(moved + "/bin/app", moved)
    let check = try elfdyn(["check-undefined", moved + "/bin", moved + "/lib"])
    #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
  }

  @Test func aProgramWithAnUnresolvedSymbolIsRefusedAndNothingIsWritten() throws {
    guard let cargo = try CargoBuild.load() else { return }
    let scratch = try temporaryDirectory("elfdyn-bundle-bpf")
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let workspace = scratch + "/ws"
    #expect(try run("/bin/cp", ["-a", cargo.workspace, workspace]).status == 0)
    let result = try elfdyn(["bundle"], cwd: workspace)
    #expect(result.status == 1)
    #expect(result.stderr.contains("undefined symbol vsnprintf_wrapper"), "\(result.stderr)")
    #expect(result.stderr.contains("bin/bpftool"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: workspace + "/target/debug/bundle"))
    #expect(leftovers(in: workspace + "/target/debug").isEmpty)
  }

  /// The demo's C program: libgreet.so in target/debug/deps, libruntime.so.1 in ../toolchain/lib.
  @Test func aCProgramWithLibrariesInTwoDirectoriesRunsFromTheBundle() throws {
    let demo = try Fixtures.requireTestBinaries() + "/demo"
    let scratch = try temporaryDirectory("elfdyn-bundle-demo")
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    #expect(try run("/bin/cp", ["-a", demo, scratch + "/demo"]).status == 0)
    let project = scratch + "/demo/project"
    let out = scratch + "/out"
    let arguments = ["bundle", "target/debug/app", "-L", "target/debug/deps", "-L", "../toolchain/lib", "-o", out]
    let result = try elfdyn(arguments + ["--format", "json"], cwd: project)
    #expect(result.status == 0, "\(result.stderr)")
    let bundle = try decode(BundleDocument.self, result)
    #expect(bundle.files.map(\.path) == ["bin/app", "lib/libgreet.so", "lib/libruntime.so.1"])
    #expect(bundle.files.map(\.runpath) == ["$ORIGIN/../lib", "$ORIGIN", "$ORIGIN"])
    #expect(bundle.files.first?.role == "program")
    // The originals are not changed.
    let originalRunpath = try elfdyn(["set-rpath", "--print", project + "/target/debug/app"])
    #expect(originalRunpath.stdout.contains("(no runpath)"), "\(originalRunpath.stdout)")
    // Modes are kept.
    let mode = { (path: String) in
      (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }
    #expect(try mode(out + "/bin/app") == mode(project + "/target/debug/app"))

    // Again: the same bundle, replacing the earlier one.
    let before = try snapshot(out)
    let again = try elfdyn(arguments + ["--format", "json"], cwd: project)
    #expect(again.status == 0)
    #expect(try decode(BundleDocument.self, again).replaced)
    #expect(try snapshot(out) == before)
    #expect(leftovers(in: scratch).isEmpty)

    try FileManager.default.moveItem(atPath: scratch + "/demo", toPath: scratch + "/gone")
    let ran = try run(out + "/bin/app", [])
    #expect(ran.status == 0, "\(ran.stderr)")
    #expect(ran.stdout == "hello, elfdyn (runtime 1)\n")
    let original = try run(scratch + "/gone/project/target/debug/app", [])
    #expect(original.status != 0)
    try expectResolvedInside(out + "/bin/app", out)
    let check = try elfdyn(["check-undefined", out + "/bin", out + "/lib"])
    #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
  }

  @Test func aDlopenedPluginAddedWithItsClosureLoadsFromTheBundle() throws {
    let scratch = try temporaryDirectory("elfdyn-bundle-plugin")
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let source = scratch + "/src"
    try FileManager.default.createDirectory(atPath: source + "/a", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: source + "/b", withIntermediateDirectories: true)
    try "int helper_value(void) { return 41; }\n".write(toFile: source + "/helper.c", atomically: true, encoding: .utf8)
    try "int helper_value(void);\nint plugin_answer(void) { return helper_value() + 1; }\n".write(
      toFile: source + "/plugin.c", atomically: true, encoding: .utf8)
    try """
    #include <dlfcn.h>
    #include <stdio.h>
    int main(void) {
      void *h = dlopen("libplugin.so", RTLD_NOW);
      if (!h) { printf("dlopen failed\\n"); return 1; }
      int (*f)(void) = (int (*)(void))dlsym(h, "plugin_answer");
      printf("plugin says %d\\n", f ? f() : -1);
      return 0;
    }
    """.write(toFile: source + "/main.c", atomically: true, encoding: .utf8)
    for command in [
      ["-shared", "-fPIC", "-o", "a/libhelper.so", "-Wl,-soname,libhelper.so", "helper.c"],
      ["-shared", "-fPIC", "-o", "b/libplugin.so", "plugin.c", "-La", "-lhelper"],
      ["-o", "main", "main.c", "-ldl"],
    ] {
      let built = try run("/usr/bin/gcc", command, cwd: source)
      #expect(built.status == 0, "\(built.stderr)")
    }
    let out = scratch + "/out"
    let result = try elfdyn(
      ["bundle", "main", "--add", "libplugin.so", "-L", "b", "-L", "a", "-o", out, "--format", "json"], cwd: source)
    #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
    let bundle = try decode(BundleDocument.self, result)
    #expect(bundle.files.map(\.path) == ["bin/main", "lib/libhelper.so", "lib/libplugin.so"])
    #expect(bundle.files.dropFirst().allSatisfy { $0.role == "added" })
    // Without --add the plugin is not there: the control.
    let plain = scratch + "/plain"
    #expect(try elfdyn(["bundle", "main", "-o", plain], cwd: source).status == 0)

    try FileManager.default.moveItem(atPath: source, toPath: scratch + "/gone")
    let ran = try run(out + "/bin/main", [])
    #expect(ran.stdout == "plugin says 42\n", "\(ran.stdout) \(ran.stderr)")
    #expect(try run(plain + "/bin/main", []).stdout == "dlopen failed\n")
    let check = try elfdyn(["check-undefined", "--host", out + "/bin/main", out + "/lib/libplugin.so"])
    #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
  }

  // MARK: - Bad input

  @Test func aMissingLibraryIsNamedAndNothingIsWritten() throws {
    let demo = try Fixtures.requireTestBinaries() + "/demo/project"
    let scratch = try temporaryDirectory("elfdyn-bundle-missing")
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let out = scratch + "/out"
    let result = try elfdyn(["bundle", "target/debug/app", "-L", "target/debug/deps", "-o", out], cwd: demo)
    #expect(result.status == 1)
    #expect(result.stderr.contains("libruntime.so.1 not found"), "\(result.stderr)")
    #expect(!result.stderr.contains("libgreet.so not found"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out))
    #expect(leftovers(in: scratch).isEmpty)
    // A dry run says the same.
    let dry = try elfdyn(["bundle", "--dry-run", "target/debug/app", "-o", out], cwd: demo)
    #expect(dry.status == 1)
  }

  @Test func badInputsAndDirectoriesAreOneLineErrors() throws {
    let testBinaries = try Fixtures.requireTestBinaries()
    let app = testBinaries + "/demo/project/target/debug/app"
    let scratch = try temporaryDirectory("elfdyn-bundle-bad")
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let text = scratch + "/notes.txt"
    try String(repeating: "not ELF, only text\n", count: 8).write(toFile: text, atomically: true, encoding: .utf8)
    for (input, words) in [(text, "not an ELF file"), (scratch + "/absent", "No such file")] {
      let result = try elfdyn(["bundle", input, "-o", scratch + "/out"])
      #expect(result.status == 2)
      #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
      #expect(result.stderr.contains(input) && result.stderr.contains(words), "\(result.stderr)")
    }
    // A directory that is not a bundle is not touched.
    let other = scratch + "/precious"
    try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
    try "keep\n".write(toFile: other + "/file", atomically: true, encoding: .utf8)
    let search = ["-L", testBinaries + "/demo/project/target/debug/deps", "-L", testBinaries + "/demo/toolchain/lib"]
    let refused = try elfdyn(["bundle", app, "-o", other] + search)
    #expect(refused.status == 2)
    #expect(refused.stderr.contains("not a bundle"), "\(refused.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: other) == ["file"])
    #expect(leftovers(in: scratch).isEmpty)
    // No -o with files.
    #expect(try elfdyn(["bundle", app]).status == 2)
    // A dry run writes nothing.
    let dry = try elfdyn(["bundle", "--dry-run", "--format", "json", app, "-o", scratch + "/dry"] + search)
    #expect(dry.status == 0)
    #expect(try decode(BundleDocument.self, dry).status == "dry-run")
    #expect(!FileManager.default.fileExists(atPath: scratch + "/dry"))
  }

  @Test func aReadOnlyFileSystemLeavesNothingBehind() throws {
    let testBinaries = try Fixtures.requireTestBinaries()
    guard isRoot else {
      print("skipped: mounting a read-only file system needs root")
      return
    }
    let scratch = try temporaryDirectory("elfdyn-bundle-ro")
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let app = testBinaries + "/demo/project/target/debug/app"
    let search = "-L \(testBinaries)/demo/project/target/debug/deps -L \(testBinaries)/demo/toolchain/lib"
    let result = try run(
      "/usr/bin/unshare",
      [
        "-m", "/bin/sh", "-c",
        "mount -t tmpfs -o ro none '\(scratch)' && '\(Fixtures.elfdyn)' bundle '\(app)' \(search) -o '\(scratch)/out'; "
          + "status=$?; ls -A '\(scratch)'; exit $status",
      ])
    #expect(result.status == 2)
    #expect(result.stderr.contains("Read-only file system"), "\(result.stderr)")
    #expect(result.stdout.isEmpty, "left behind: \(result.stdout)")
  }

  // MARK: - The base system

  @Test func theBaseSystemKeepsTheCLibraryAndTheGccRuntimeAndCopiesLibstdcxx() {
    let base = BaseSystem()
    #expect(base.reason(name: "libc.so.6", path: "/lib/x86_64-linux-gnu/libc.so.6") == .cLibrary)
    #expect(base.reason(name: "ld-linux-x86-64.so.2", path: nil) == .cLibrary)
    #expect(base.reason(name: "libpthread.so.0", path: nil) == .cLibrary)
    #expect(base.reason(name: "libgcc_s.so.1", path: nil) == .runtime)
    #expect(base.reason(name: "libstdc++.so.6", path: nil) == nil)
    #expect(base.reason(name: "libz.so.1", path: "/lib/x86_64-linux-gnu/libz.so.1") == nil)
    let adjusted = BaseSystem(
      exclude: ["libstdc++.so.*", "libz*"], include: ["libgcc_s.so.1", "libc.so.6", "libz.so.1"])
    #expect(adjusted.reason(name: "libstdc++.so.6", path: nil) == .excluded)
    #expect(adjusted.reason(name: "libgcc_s.so.1", path: nil) == nil)
    #expect(adjusted.reason(name: "libz.so.1", path: nil) == nil)
    #expect(adjusted.reason(name: "libzstd.so.1", path: nil) == .excluded)
    // The C library is always the host's: it must match the loader PT_INTERP names.
    #expect(adjusted.reason(name: "libc.so.6", path: nil) == .cLibrary)
  }

  @Test func anExcludedLibraryTheHostDoesNotHaveFailsTheVerification() throws {
    let demo = try Fixtures.requireTestBinaries() + "/demo"
    let scratch = try temporaryDirectory("elfdyn-bundle-exclude")
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let search = ["-L", demo + "/project/target/debug/deps", "-L", demo + "/toolchain/lib"]
    let app = demo + "/project/target/debug/app"
    let refused = try elfdyn(["bundle", app, "--exclude", "libruntime.so.*", "-o", scratch + "/out"] + search)
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("libruntime.so.1, needed by"), "\(refused.stderr)")
    #expect(refused.stderr.contains("would not be found"), "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: scratch + "/out"))
    #expect(leftovers(in: scratch).isEmpty)
    // --include wins over --exclude.
    let included = try elfdyn(
      ["bundle", app, "--exclude", "lib*", "--include", "libruntime.so.1", "-o", scratch + "/in", "--format", "json"]
        + search)
    #expect(included.status == 1)
    #expect(try decode(BundleDocument.self, included).problems.allSatisfy { !$0.message.contains("libruntime") })
  }

  @Test func glibcVersionsOrderNumerically() throws {
    let v = { (name: String) in GlibcVersion(versionName: name) }
    #expect(try #require(v("GLIBC_2.34")) > #require(v("GLIBC_2.4")))
    #expect(try #require(v("GLIBC_2.2.5")) < #require(v("GLIBC_2.3")))
    #expect(v("GLIBC_PRIVATE") == nil)
    #expect(v("GLIBCXX_3.4.30") == nil)
    #expect(v("GLIBC_2.") == nil)
  }

  @Test func theGlibcRequirementIsTheHighestOverTheBundle() throws {
    let demo = try Fixtures.requireTestBinaries() + "/demo"
    let result = try elfdyn(
      [
        "bundle", "--dry-run", "--format", "json", demo + "/project/target/debug/app", "-L",
        demo + "/project/target/debug/deps", "-L", demo + "/toolchain/lib", "-o", "/nonexistent/out",
      ])
    #expect(result.status == 0, "\(result.stderr)")
    let bundle = try decode(BundleDocument.self, result)
    // readelf's view of the same files: the highest GLIBC_ version any of them needs.
    var highest: GlibcVersion?
    for file in bundle.files {
      let readelf = try run("/usr/bin/readelf", ["-V", "-W", file.source])
      for word in readelf.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
        if let version = GlibcVersion(versionName: String(word)), highest.map({ $0 < version }) ?? true {
          highest = version
        }
      }
    }
    #expect(bundle.glibc == highest?.description)
    #expect(bundle.glibc != nil)
  }
}
