import Foundation
import Testing

@testable import ElfTool

/// Symbolic links in inputs and search paths, loops, odd search directories, files replaced while
/// being read.
@Suite struct SymlinkTests {
  @Test func inputSymlinkLoopIsBadInput() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createSymbolicLink(atPath: dir + "/a", withDestinationPath: dir + "/b")
    try FileManager.default.createSymbolicLink(atPath: dir + "/b", withDestinationPath: dir + "/a")
    for command in [["tree"], ["check-undefined"]] {
      let result = try elfdyn(command + [dir + "/a"])
      #expect(result.status == 2)
      #expect(result.stderr.contains(dir + "/a") && result.stderr.contains("symbolic links"), "\(result.stderr)")
    }
  }

  @Test func symlinkedInputResolvesLikeItsTarget() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createSymbolicLink(atPath: dir + "/ls", withDestinationPath: "/usr/bin/ls")
    let (viaLink, _) = try treeJSON(dir + "/ls")
    let (direct, _) = try treeJSON("/usr/bin/ls")
    #expect(viaLink.entries == direct.entries)
  }

  /// A candidate that is a symbolic link loop cannot be opened: the loader goes on searching, and
  /// so does elfdyn (compared with ldd).
  @Test func loopInSearchDirectoryIsSkipped() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createSymbolicLink(atPath: dir + "/libc.so.6", withDestinationPath: dir + "/libc.so.6")
    let environment = ["LD_LIBRARY_PATH": dir]
    let (expected, _) = try ldd("/usr/bin/true", environment: environment)
    let (tree, result) = try treeJSON("/usr/bin/true", environment: environment)
    #expect(result.status == 0)
    #expect(tree.entries.filter { $0.name == "libc.so.6" } == expected.filter { $0.name == "libc.so.6" })
    #expect(tree.object(named: "libc.so.6")?.path == "/lib/x86_64-linux-gnu/libc.so.6")
  }

  @Test func symlinkedSearchDirectoryKeepsTheLinkInTheOrigin() throws {
    // The loader's $ORIGIN of a library is the directory of the path it opened: through the link.
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createSymbolicLink(atPath: dir + "/lib", withDestinationPath: "/lib/x86_64-linux-gnu")
    let (tree, _) = try treeJSON("/usr/bin/true", environment: ["LD_LIBRARY_PATH": dir + "/lib"])
    #expect(tree.object(named: "libc.so.6")?.path == dir + "/lib/libc.so.6")
    let (expected, _) = try ldd("/usr/bin/true", environment: ["LD_LIBRARY_PATH": dir + "/lib"])
    #expect(expected.contains { $0.path == dir + "/lib/libc.so.6" })
  }

  @Test func unreadableSearchDirectory() throws {
    guard getuid() != 0 else {
      print("skipped: running as root, which reads every directory; an unreadable one cannot be made")
      return
    }
    let dir = try temporaryDirectory()
    defer {
      chmod(dir, 0o755)
      try? FileManager.default.removeItem(atPath: dir)
    }
    chmod(dir, 0)
    let (tree, result) = try treeJSON("/usr/bin/true", environment: ["LD_LIBRARY_PATH": dir])
    #expect(result.status == 0)
    #expect(tree.object(named: "libc.so.6")?.found == true)
  }

  /// --root keeps absolute symbolic links inside the sysroot, and survives a loop there.
  @Test func rootResolvesLinksInsideTheRoot() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.createDirectory(atPath: root + "/usr/lib", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: root + "/lib", withDestinationPath: "/usr/lib")
    try "x".write(toFile: root + "/usr/lib/libx.so", atomically: true, encoding: .utf8)
    #expect(Paths.insideRoot(root, "/lib/libx.so") == root + "/usr/lib/libx.so")
    try FileManager.default.createSymbolicLink(atPath: root + "/loop", withDestinationPath: "/loop")
    #expect(Paths.insideRoot(root, "/loop/libx.so").hasPrefix(root + "/"))
    try FileManager.default.createSymbolicLink(atPath: root + "/up", withDestinationPath: "../../../../etc")
    #expect(Paths.insideRoot(root, "/up/passwd") == root + "/etc/passwd", "'..' cannot leave the root")
  }

  /// A file replaced between the first read and the symbol tables' read is noticed, not mixed up.
  @Test func fileReplacedWhileBeingRead() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/prog"
    try FileManager.default.copyItem(atPath: "/usr/bin/true", toPath: path)
    let file = try ElfFile(path: path)
    try FileManager.default.removeItem(atPath: path)
    try FileManager.default.copyItem(atPath: "/usr/bin/ls", toPath: path)
    #expect(throws: ElfError.self) { _ = try SymbolTable(file: file) }
    do {
      _ = try SymbolTable(file: file)
    } catch {
      #expect(error.description.contains("replaced"))
    }
  }
}

/// /etc/ld.so.preload: parsed as glibc's rtld.c does, loaded after LD_PRELOAD.
@Suite struct PreloadFileTests {
  @Test func parsesNamesSeparatorsAndComments() {
    let text = "/lib/liba.so libb.so:libc.so\t# a comment: /lib/not.so\n\n/lib/libd.so #\n"
    #expect(LoaderModel.preloadList(Array(text.utf8)) == ["/lib/liba.so", "libb.so", "libc.so", "/lib/libd.so"])
    #expect(LoaderModel.preloadList([]) == [])
  }

  @Test func rootPreloadFileIsLoadedAfterTheProgram() throws {
    let root = try temporaryDirectory("elfdyn-preload-root")
    defer { try? FileManager.default.removeItem(atPath: root) }
    for dir in ["/etc", "/lib", "/bin"] {
      try FileManager.default.createDirectory(atPath: root + dir, withIntermediateDirectories: true)
    }
    try "int pre(void) { return 1; }\n".write(toFile: root + "/pre.c", atomically: true, encoding: .utf8)
    let cc = try run("/usr/bin/gcc", ["-shared", "-fPIC", "-nostdlib", "-o", root + "/lib/libpre.so", root + "/pre.c"])
    try #require(cc.status == 0, "\(cc.stderr)")
    try FileManager.default.copyItem(atPath: "/usr/bin/true", toPath: root + "/bin/app")
    try "# preloaded everywhere\n/lib/libpre.so\n".write(
      toFile: root + "/etc/ld.so.preload", atomically: true, encoding: .utf8)
    let (tree, _) = try treeJSON(root + "/bin/app", arguments: ["--root", root, "--preload", "/lib/libnone.so"])
    let names = tree.objects.dropFirst().prefix(2).compactMap { $0.name }
    #expect(names == ["/lib/libnone.so", "/lib/libpre.so"], "LD_PRELOAD first, then /etc/ld.so.preload: \(names)")
    #expect(tree.object(named: "/lib/libpre.so")?.found == true)
  }
}
