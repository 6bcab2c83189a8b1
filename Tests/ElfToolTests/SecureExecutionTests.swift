import Foundation
import Testing

@testable import ElfTool

/// A set-user-ID program started by another user runs with AT_SECURE, and glibc's loader then
/// ignores LD_LIBRARY_PATH, uses `$ORIGIN` only at the start of a path element (and, in the
/// program's own paths, only into a system directory) and ignores preloads with a slash. elfdyn
/// run by that user resolves it so; run by the owner, as an ordinary program, as the loader does.
/// The oracle is the program itself, run as `nobody`: it prints AT_SECURE and the objects loaded.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: chmod u+s and runuser"))
struct SecureExecutionTests {
  /// A directory everyone may enter, with libs.so in `good/`, `shadow/` and `app/lib/`, and two
  /// set-user-ID root programs that need it: `app/abs` (DT_RUNPATH /…/good) and `app/origin`
  /// (DT_RUNPATH $ORIGIN/lib).
  static func scratch() throws -> String {
    let dir = try temporaryDirectory("elfdyn-secure")
    for sub in ["/good", "/shadow", "/app/lib"] {
      try FileManager.default.createDirectory(atPath: dir + sub, withIntermediateDirectories: true)
    }
    try "const char *which(void) { return WHICH; }\n".write(toFile: dir + "/s.c", atomically: true, encoding: .utf8)
    for (sub, which) in [("/good", "good"), ("/shadow", "shadow"), ("/app/lib", "origin")] {
      let cc = try run(
        "/usr/bin/gcc", ["-shared", "-fPIC", "-DWHICH=\"\(which)\"", "-o", dir + sub + "/libs.so", dir + "/s.c"])
      try #require(cc.status == 0, "\(cc.stderr)")
    }
    let program = """
      #define _GNU_SOURCE
      #include <link.h>
      #include <stdio.h>
      #include <sys/auxv.h>
      const char *which(void);
      static int each(struct dl_phdr_info *info, size_t size, void *data) {
        if (info->dlpi_name[0] == '/') printf("%s\\n", info->dlpi_name);
        return 0;
      }
      int main(void) {
        printf("secure=%lu %s\\n", getauxval(AT_SECURE), which());
        dl_iterate_phdr(each, 0);
        return 0;
      }
      """
    try program.write(toFile: dir + "/m.c", atomically: true, encoding: .utf8)
    for (name, runpath) in [("abs", dir + "/good"), ("origin", "$ORIGIN/lib")] {
      let cc = try run(
        "/usr/bin/gcc",
        [
          "-o", dir + "/app/" + name, dir + "/m.c", "-L", dir + "/good", "-ls",
          "-Wl,--enable-new-dtags,-rpath," + runpath,
        ])
      try #require(cc.status == 0, "\(cc.stderr)")
    }
    try #require(try run("/bin/chmod", ["-R", "a+rX", dir]).status == 0)
    try #require(try run("/bin/chmod", ["4755", dir + "/app/abs", dir + "/app/origin"]).status == 0)
    return dir
  }

  /// `command` run as `nobody` with LD_LIBRARY_PATH set to `libraryPath`.
  static func asNobody(_ command: [String], libraryPath: String) throws -> RunResult {
    try run("/usr/sbin/runuser", ["-u", "nobody", "--", "/usr/bin/env", "LD_LIBRARY_PATH=" + libraryPath] + command)
  }

  /// The libraries of elfdyn's --flat list, as paths ("not found" for a missing one).
  static func flatPaths(_ result: RunResult) -> [String] {
    result.stdout.split(separator: "\n").map { line in
      let text = line.trimmingCharacters(in: .whitespaces)
      if text.hasSuffix("=> not found") { return "not found" }
      return text.components(separatedBy: " => ").last ?? text
    }
  }

  @Test func aSetUserIDProgramIsResolvedAsItsLoaderDoesForWhoeverStartsIt() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let shadow = dir + "/shadow"
    // The oracle: as nobody, AT_SECURE is set, LD_LIBRARY_PATH is not read, and $ORIGIN/lib in a
    // directory that is not a system one is not searched.
    let ran = try Self.asNobody([dir + "/app/abs"], libraryPath: shadow)
    #expect(ran.status == 0 && ran.stdout.hasPrefix("secure=1 good\n"), "\(ran.stdout)\(ran.stderr)")
    let loaded = ran.stdout.split(separator: "\n").dropFirst().map(String.init)
    let failed = try Self.asNobody([dir + "/app/origin"], libraryPath: shadow)
    #expect(failed.status == 127 && failed.stderr.contains("libs.so: cannot open shared object file"))
    // elfdyn as nobody: the same objects, in the same order, and the same failure.
    let tree = try Self.asNobody([Fixtures.elfdyn, "tree", "--flat", dir + "/app/abs"], libraryPath: shadow)
    #expect(tree.status == 0, "\(tree.stdout)\(tree.stderr)")
    #expect(Self.flatPaths(tree) == loaded, "\(tree.stdout) against \(loaded)")
    let text = try Self.asNobody([Fixtures.elfdyn, "tree", dir + "/app/abs"], libraryPath: shadow)
    #expect(text.stdout.contains("[secure-execution mode: set-user-ID or set-group-ID]"), "\(text.stdout)")
    let missing = try Self.asNobody([Fixtures.elfdyn, "tree", "--flat", dir + "/app/origin"], libraryPath: shadow)
    #expect(missing.status == 1 && missing.stdout.contains("libs.so => not found"), "\(missing.stdout)")
    let check = try Self.asNobody([Fixtures.elfdyn, "check-undefined", dir + "/app/origin"], libraryPath: shadow)
    #expect(check.status == 1 && check.stdout.contains("library not found: libs.so"), "\(check.stdout)")
    // Started by its owner (root), the program is not secure: LD_LIBRARY_PATH and $ORIGIN count,
    // for the loader and for elfdyn.
    let asOwner = try run(dir + "/app/origin", [], environment: ["LD_LIBRARY_PATH": shadow])
    #expect(asOwner.stdout.hasPrefix("secure=0 shadow\n"), "\(asOwner.stdout)\(asOwner.stderr)")
    let (json, ownerRun) = try treeJSON(dir + "/app/origin", environment: ["LD_LIBRARY_PATH": shadow])
    #expect(ownerRun.status == 0 && json.object(named: "libs.so")?.path == shadow + "/libs.so", "\(ownerRun.stdout)")
    #expect(!ownerRun.stdout.contains("\"secure\""))
  }

  /// On a filesystem mounted nosuid the kernel ignores the set-ID bits: no AT_SECURE, and elfdyn
  /// (run as nobody, in the same mount namespace) uses LD_LIBRARY_PATH as the loader does.
  @Test func aSetUserIDProgramOnANosuidMountIsOrdinary() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let mount = dir + "/nosuid"
    try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
    let script = """
      set -e
      mount -t tmpfs -o nosuid,mode=0755 tmpfs "$1"
      cp -p "$2" "$1/abs"
      chmod 4755 "$1/abs"
      echo "== program"
      runuser -u nobody -- env LD_LIBRARY_PATH="$3" "$1/abs"
      echo "== elfdyn"
      runuser -u nobody -- env LD_LIBRARY_PATH="$3" "$4" tree --flat "$1/abs"
      """
    let result = try run(
      "/usr/bin/unshare",
      ["-m", "/bin/sh", "-c", script, "sh", mount, dir + "/app/abs", dir + "/shadow", Fixtures.elfdyn])
    try #require(result.status == 0, "\(result.stdout)\(result.stderr)")
    let parts = result.stdout.components(separatedBy: "== elfdyn\n")
    try #require(parts.count == 2, "\(result.stdout)")
    #expect(parts[0].contains("secure=0 shadow\n"), "\(parts[0])")
    #expect(parts[1].contains("libs.so => \(dir)/shadow/libs.so"), "\(parts[1])")
  }

  /// A set-group-ID program runs with AT_SECURE even for root when the group is not root's own
  /// (as Debian's chage and ssh-agent are): the loader and elfdyn ignore LD_LIBRARY_PATH.
  @Test func aSetGroupIDProgramIsSecureForRootToo() throws {
    let dir = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let app = dir + "/app/abs"
    try #require(try run("/bin/chmod", ["0755", app]).status == 0)
    try #require(try run("/bin/chgrp", ["nogroup", app]).status == 0)
    try #require(try run("/bin/chmod", ["2755", app]).status == 0)
    let shadow = dir + "/shadow"
    let ran = try run(app, [], environment: ["LD_LIBRARY_PATH": shadow])
    #expect(ran.stdout.hasPrefix("secure=1 good\n"), "\(ran.stdout)\(ran.stderr)")
    let (json, result) = try treeJSON(app, environment: ["LD_LIBRARY_PATH": shadow])
    #expect(result.status == 0 && json.object(named: "libs.so")?.path == dir + "/good/libs.so", "\(result.stdout)")
    #expect(result.stdout.contains("\"secure\":true"), "\(result.stdout)")
  }
}
