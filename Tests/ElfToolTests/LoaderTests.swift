import Foundation
import Testing

@testable import ElfTool

/// The loader a file is resolved with: chosen from PT_INTERP, from the C library a library needs,
/// or by `--loader`; and the musl rules that differ from glibc's.
@Suite struct LoaderTests {
  static func musl() throws -> String { try Fixtures.requireTestBinaries() + "/musl" }

  @Test func aLibraryThatNeedsMuslsLibcIsResolvedWithMuslsRules() throws {
    let lib = try Self.musl() + "/library_input/lib/libtop.so"
    let musl = try elfdyn(["tree", "--flat", lib])
    #expect(musl.status == 0, "\(musl.stdout)\(musl.stderr)")
    #expect(musl.stdout.contains("\tlibc.so => /lib/ld-musl-x86_64.so.1\n"))
    // glibc's rules find glibc's libc.so, a linker script.
    let glibc = try elfdyn(["tree", "--loader", "glibc", lib])
    #expect(glibc.status == 1)
    #expect(glibc.stdout.contains("libc.so => /lib/x86_64-linux-gnu/libc.so cannot be loaded"))
    let bad = try elfdyn(["tree", "--loader", "bionic", lib])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("'glibc'") && bad.stderr.contains("'musl'"))
  }

  @Test func muslReplacesAnyCLibraryByItself() throws {
    let app = try Self.musl() + "/glibc_libc_by_path/app"
    let result = try elfdyn(["tree", app])
    #expect(result.status == 0, "\(result.stdout)")
    #expect(result.stdout.contains("/lib/x86_64-linux-gnu/libc.so.6 => /lib/ld-musl-x86_64.so.1"))
    #expect(!result.stdout.contains("ld-linux-x86-64"))
  }

  @Test func muslLoadsALibraryOfAnotherMachineAndElfdynSaysItWillFail() throws {
    let dir = try Self.musl() + "/wrong_arch_aarch64"
    let tree = try elfdyn(["tree", dir + "/app"])
    #expect(tree.stdout.contains("libw.so => \(dir)/a/libw.so [runpath]"))
    #expect(tree.stdout.contains("warning: built for AArch64, not x86-64: musl maps it"))
    // With relocations, musl applies x86-64's relocation types to them: not checked, exit 1.
    let check = try elfdyn(["check-undefined", "--format", "json", dir + "/app_r"])
    #expect(check.status == 1)
    let unchecked = try CheckDocument.decode(check).results.first?.unchecked ?? []
    #expect(unchecked.map(\.path) == [dir + "/r/libw.so"])
  }

  @Test func muslIgnoresIndirectFunctionDefinitions() throws {
    let app = try Self.musl() + "/ifunc/app"
    let check = try elfdyn(["check-undefined", "--format", "json", app])
    #expect(check.status == 1)
    let undefined = try CheckDocument.decode(check).results.first?.undefined ?? []
    #expect(undefined.map(\.symbol) == ["ifn"])
    // glibc's rules accept an STT_GNU_IFUNC definition.
    let glibc = try elfdyn(["check-undefined", "--loader", "glibc", "--format", "json", app])
    #expect(try CheckDocument.decode(glibc).results.first?.undefined.map(\.symbol).contains("ifn") == false)
  }

  /// The kernel does not start a program whose PT_INTERP it cannot load: tree and check-undefined
  /// report the interpreter (exit status 1) even when no DT_NEEDED names it, as a missing file and
  /// as a file that is not ELF; the same program with the system's interpreter is clean.
  @Test func aProgramWhoseInterpreterCannotBeLoadedIsReported() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "int main(void) { return 0; }\n".write(toFile: dir + "/main.c", atomically: true, encoding: .utf8)
    let good = dir + "/good"
    try #require(try run("/usr/bin/gcc", ["-o", good, dir + "/main.c"]).status == 0)
    try "not a loader\n".write(toFile: dir + "/text-loader", atomically: true, encoding: .utf8)
    let cases = [
      ("missing", dir + "/no/such/ld.so", "program interpreter: No such file or directory"),
      ("text", dir + "/text-loader", "program interpreter: file too short"),
    ]
    for (label, interpreter, reason) in cases {
      let app = dir + "/" + label
      try FileManager.default.copyItem(atPath: good, toPath: app)
      let patched = try run("/usr/bin/patchelf", ["--set-interpreter", interpreter, app])
      try #require(patched.status == 0, "\(patched.stderr)")
      // The oracle: the kernel refuses to start it.
      let ran = try run("/bin/bash", ["-c", "exec \"$0\"", app])
      #expect(ran.status == 126 || ran.status == 127, "\(label): \(ran.status) \(ran.stderr)")
      let tree = try elfdyn(["tree", app])
      #expect(tree.status == 1, "\(label): \(tree.stdout)\(tree.stderr)")
      #expect(tree.stdout.contains("[interpreter \(interpreter) missing]"), "\(label): \(tree.stdout)")
      let flat = try elfdyn(["tree", "--flat", app])
      #expect(flat.status == 1)
      #expect(flat.stdout.contains("\t\(interpreter) => \(interpreter) (cannot be loaded: \(reason)"), "\(flat.stdout)")
      let (json, jsonRun) = try treeJSON(app)
      #expect(jsonRun.status == 1)
      let entry = json.objects.first { $0.path == interpreter }
      #expect(entry?.found == false && entry?.error?.hasPrefix(reason) == true, "\(label): \(jsonRun.stdout)")
      let check = try elfdyn(["check-undefined", app])
      #expect(check.status == 1, "\(label): \(check.stdout)")
      #expect(check.stdout.contains("library not found: \(interpreter) (\(reason)"), "\(label): \(check.stdout)")
    }
    let clean = try elfdyn(["tree", good])
    #expect(clean.status == 0 && !clean.stdout.contains("missing"), "\(clean.stdout)")
    // A musl program in a sysroot without musl: its interpreter also stands for libc.so, and that
    // row says it cannot be loaded rather than showing it as found.
    let root = dir + "/root"
    try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: try Self.musl() + "/ifunc/app", toPath: root + "/bin/app")
    let musl = try elfdyn(["tree", "--root", root, root + "/bin/app"])
    #expect(musl.status == 1)
    #expect(musl.stdout.contains("[interpreter /lib/ld-musl-x86_64.so.1 missing]"), "\(musl.stdout)")
    #expect(
      musl.stdout.contains(
        "libc.so => /lib/ld-musl-x86_64.so.1 cannot be loaded: program interpreter: No such file or directory"),
      "\(musl.stdout)")
  }

  /// A library whose dynamic symbol table cannot be read (here: DT_GNU_HASH points outside every
  /// segment) is reported as not checked, with exit status 1, never passed as clean.
  @Test func anObjectWhoseSymbolTableCannotBeReadIsReportedNotPassed() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "int lib_value(void) { return 7; }\n".write(toFile: dir + "/lib.c", atomically: true, encoding: .utf8)
    try "int lib_value(void); int main(void) { return lib_value(); }\n".write(
      toFile: dir + "/main.c", atomically: true, encoding: .utf8)
    let lib = dir + "/libbroken.so"
    #expect(
      try run("/usr/bin/gcc", ["-shared", "-fPIC", "-Wl,--hash-style=gnu", "-o", lib, dir + "/lib.c"]).status == 0)
    let app = dir + "/app"
    let link = try run("/usr/bin/gcc", ["-o", app, dir + "/main.c", "-L", dir, "-lbroken", "-Wl,-rpath,\(dir)"])
    #expect(link.status == 0, "\(link.stderr)")
    #expect(try elfdyn(["check-undefined", app]).status == 0)

    // Point DT_GNU_HASH far outside the file.
    let file = try ElfFile(path: lib)
    let dynamic = try #require(file.programHeaders.first { $0.type == .dynamic })
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: lib)))
    var patched = false
    var at = Int(dynamic.offset)
    while at + 16 <= Int(dynamic.offset + dynamic.filesz) {
      let tag = bytes[at..<at + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      if tag == 0x6fff_fef5 {
        for k in 0..<8 { bytes[at + 8 + k] = k < 6 ? 0x7f : 0 }
        patched = true
      }
      at += 16
    }
    #expect(patched)
    try Data(bytes).write(to: URL(fileURLWithPath: lib))

    let text = try elfdyn(["check-undefined", app])
    #expect(text.status == 1, "\(text.stdout)")
    #expect(text.stdout.contains("not checked:"))
    #expect(text.stdout.contains(lib))
    let json = try CheckDocument.decode(try elfdyn(["check-undefined", "--format", "json", app]))
    #expect(json.results.first?.unchecked?.map(\.path) == [lib])
  }
}
