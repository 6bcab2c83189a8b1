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

  /// glibc's loaders by every name they have on Debian's architectures, and musl's, are loaders
  /// elfdyn has rules for; Android's, uClibc's and FreeBSD's are not.
  @Test func interpretersAreKnownByTheirNames() {
    let known = [
      "/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux.so.2", "/libx32/ld-linux-x32.so.2", "/lib/ld-linux-aarch64.so.1",
      "/lib/ld-linux-armhf.so.3", "/lib/ld-linux.so.3", "/lib/ld-linux-riscv64-lp64d.so.1", "/lib64/ld64.so.2",
      "/lib64/ld64.so.1", "/lib/ld.so.1", "/lib/ld-linux-loongarch-lp64d.so.1", "/lib/ld-musl-x86_64.so.1",
      "/nix/store/0123-glibc-2.40/lib/ld-linux-x86-64.so.2",
    ]
    for path in known { #expect(LoaderModel.isKnownInterpreter(path), "\(path)") }
    for path in ["/system/bin/linker64", "/system/bin/linker", "/lib/ld-uClibc.so.0", "/libexec/ld-elf.so.1"] {
      #expect(!LoaderModel.isKnownInterpreter(path), "\(path)")
    }
  }

  /// A program whose interpreter is no loader elfdyn has rules for (here Android's, in a sysroot):
  /// tree resolves it with glibc's rules and says so (on stderr, and in JSON); check-undefined
  /// does not check it (exit status 1) unless --loader chooses the rules.
  @Test func aProgramOfAnUnknownLoaderIsResolvedWithAWarningAndNotChecked() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let root = dir + "/root"
    for sub in ["/system/bin", "/bin"] {
      try FileManager.default.createDirectory(atPath: root + sub, withIntermediateDirectories: true)
    }
    // A stand-in for Android's linker (a file, not the system's symbolic link).
    let loader = URL(fileURLWithPath: "/lib64/ld-linux-x86-64.so.2").resolvingSymlinksInPath().path
    try FileManager.default.copyItem(atPath: loader, toPath: root + "/system/bin/linker64")
    try "int main(void) { return 0; }\n".write(toFile: dir + "/main.c", atomically: true, encoding: .utf8)
    let app = root + "/bin/app"
    try #require(try run("/usr/bin/gcc", ["-nostdlib", "-o", app, dir + "/main.c"]).status == 0)
    try #require(try run("/usr/bin/patchelf", ["--set-interpreter", "/system/bin/linker64", app]).status == 0)
    let warning = "its interpreter /system/bin/linker64 is neither glibc's nor musl's loader"
    let tree = try elfdyn(["tree", "--root", root, app])
    #expect(tree.status == 0, "\(tree.stdout)\(tree.stderr)")
    #expect(tree.stderr.contains("warning: \(app): \(warning)"), "\(tree.stderr)")
    let (json, _) = try treeJSON(app, arguments: ["--root", root])
    #expect(json.warning?.hasPrefix(warning) == true, "\(json)")
    let check = try elfdyn(["check-undefined", "--root", root, "--format", "json", app])
    #expect(check.status == 1, "\(check.stdout)")
    let unchecked = try CheckDocument.decode(check).results.first?.unchecked ?? []
    #expect(unchecked.count == 1 && unchecked.first?.reason.hasPrefix(warning) == true, "\(check.stdout)")
    // Chosen rules: no warning, and checked.
    let chosen = try elfdyn(["check-undefined", "--root", root, "--loader", "glibc", app])
    #expect(chosen.status == 0 && chosen.stderr.isEmpty, "\(chosen.stdout)\(chosen.stderr)")
    let chosenTree = try elfdyn(["tree", "--root", root, "--loader", "glibc", app])
    #expect(chosenTree.status == 0 && chosenTree.stderr.isEmpty, "\(chosenTree.stderr)")
  }

  /// `$ORIGIN` in glibc's secure-execution mode (_dl_dst_substitute): only at the start of an
  /// element and followed by a slash or nothing; in the program's own paths (object 0) only where
  /// it leads into a default directory once `.` and `..` are resolved; a library's anywhere.
  @Test func originInSecureExecutionModeFollowsGlibcsRules() throws {
    let file = try ElfFile(path: "/bin/true")
    let model = LoaderModel(root: "", identity: file.identity, interpreter: file.interpreter, kind: .glibc)
    #expect(model.defaultDirectories.contains("/usr/lib/x86_64-linux-gnu"))
    var secure = ResolveState(options: ResolveOptions(), system: model, secure: true)
    var ordinary = ResolveState(options: ResolveOptions(), system: model)
    for index in [0, 1] {
      let origin = index == 0 ? "/usr/lib/x86_64-linux-gnu/app" : "/opt/app/lib"
      secure.setOrigin(origin, index)
      ordinary.setOrigin(origin, index)
    }
    let program: [(String, String?)] = [
      ("$ORIGIN", "/usr/lib/x86_64-linux-gnu/app"),
      ("$ORIGIN/plugins", "/usr/lib/x86_64-linux-gnu/app/plugins"),
      ("${ORIGIN}/plugins", "/usr/lib/x86_64-linux-gnu/app/plugins"),
      ("$ORIGIN/..", "/usr/lib/x86_64-linux-gnu/app/.."),
      ("$ORIGIN/../../../opt", nil),  // /usr/opt
      ("/usr/lib/$ORIGIN", nil),  // not at the start
      ("/opt/lib", "/opt/lib"),  // no $ORIGIN: not checked
    ]
    for (element, expected) in program {
      #expect(secure.expandTokens(element, owner: 0) == expected, "\(element)")
    }
    #expect(secure.expandTokens("$ORIGIN/../../elsewhere", owner: 1) == "/opt/app/lib/../../elsewhere")
    #expect(secure.expandTokens("lib:$ORIGIN", owner: 1) == nil)
    #expect(secure.expandTokens("$ORIGINAL/x", owner: 1) == "$ORIGINAL/x")  // not the token
    // Outside secure-execution mode, every one of them expands.
    #expect(ordinary.expandTokens("$ORIGIN/../../../opt", owner: 0) == "/usr/lib/x86_64-linux-gnu/app/../../../opt")
    #expect(ordinary.expandTokens("/usr/lib/$ORIGIN", owner: 0) == "/usr/lib//usr/lib/x86_64-linux-gnu/app")
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
