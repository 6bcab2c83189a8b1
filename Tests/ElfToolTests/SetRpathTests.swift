import Foundation
import Testing

@testable import ElfTool

/// `elfdyn set-rpath` on the TestBinaries patch matrix, real files and a Cargo workspace: every
/// result runs or loads as before, survives strip, reads back in readelf -d, and gets no
/// eu-elflint finding the original did not have.
@Suite(.serialized) struct SetRpathTests {
  /// One line of TestBinaries/out/patch/cases.tsv.
  struct Case: CustomStringConvertible, Sendable {
    var name, linker, kind, arch, initial, path: String
    var runnable: Bool
    var description: String { name }
    var isX86: Bool { arch == "x86_64" }
  }

  static let cases: [Case] = {
    guard let dir = Fixtures.testBinaries,
      let text = try? String(contentsOfFile: dir + "/patch/cases.tsv", encoding: .utf8)
    else { return [] }
    return text.split(separator: "\n").compactMap { line in
      let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard f.count == 7 else { return nil }
      return Case(name: f[0], linker: f[1], kind: f[2], arch: f[3], initial: f[5], path: f[6], runnable: f[4] == "yes")
    }
  }()

  static var patchDir: String? { Fixtures.testBinaries.map { $0 + "/patch" } }

  /// A value several hundred bytes longer than any old one; it finds libpdep.so in ../dep.
  static let longValue: String = {
    var value = "$ORIGIN/../dep"
    for i in 1...6 { value += ":/nonexistent/elfdyn-test/a-directory-that-makes-the-runpath-much-longer-\(i)" }
    return value
  }()

  /// A copy of the case's file in a fresh directory `work/case/`, with libpdep.so in `work/dep/`.
  static func stage(_ testCase: Case) throws -> (file: String, work: String) {
    let work = try temporaryDirectory("elfdyn-setrpath")
    let fm = FileManager.default
    try fm.createDirectory(atPath: work + "/case", withIntermediateDirectories: true)
    try fm.createDirectory(atPath: work + "/dep", withIntermediateDirectories: true)
    let patch = try #require(patchDir)
    try fm.copyItem(atPath: patch + "/dep/libpdep.so", toPath: work + "/dep/libpdep.so")
    let file = work + "/case/" + (testCase.path as NSString).lastPathComponent
    try fm.copyItem(atPath: testCase.path, toPath: file)
    return (file, work)
  }

  static func bytes(_ path: String) -> Data { FileManager.default.contents(atPath: path) ?? Data() }

  /// eu-elflint --gnu-ld findings, with the file name taken out.
  static func lint(_ path: String) throws -> Set<String> {
    let result = try run("/usr/bin/eu-elflint", ["--gnu-ld", path])
    let lines = (result.stdout + result.stderr).split(separator: "\n").map {
      $0.replacingOccurrences(of: path, with: "FILE")
    }
    return Set(lines.filter { !$0.hasPrefix("No errors") })
  }

  /// The DT_RUNPATH / DT_RPATH value readelf -d prints, nil when none.
  static func readelfRunpath(_ path: String) throws -> String? {
    let result = try run("/usr/bin/readelf", ["-dW", path])
    for line in result.stdout.split(separator: "\n") where line.contains("(RUNPATH)") || line.contains("(RPATH)") {
      if let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") {
        return String(line[line.index(after: open)..<close])
      }
    }
    return nil
  }

  /// Runs a program with --version, or loads a library with dlopen-check; true when it works.
  static func works(_ file: String, kind: String) throws -> Bool {
    if kind == "shared" {
      let patch = try #require(patchDir)
      return try run(patch + "/bin/dlopen-check", [file]).status == 0
    }
    let result = try run(file, ["--version"])
    return result.status == 0 && result.stdout.contains("patchtest 1.0 (dep 42)")
  }

  /// One file of `set-rpath --format json`.
  struct Outcome: Decodable, CustomStringConvertible {
    struct Entry: Decodable {
      var library, path, entry: String
    }
    var file, status: String
    var fromClosure: Bool
    var before, beforeTag, after, tag, strategy: String?
    var originalSize, newSize, bytesAdded: Int
    var details: [String]
    var entries: [Entry]
    var missing, kept, broken: [String]
    var error: String?
    var description: String { "\(file): \(status) \(strategy ?? "-") \(details) \(error ?? "")" }
  }

  /// The one JSON document of a run.
  struct Document: Decodable {
    var results: [Outcome]
  }

  /// `set-rpath --format json ARGS`: the status and the outcome of each file, from the run's one
  /// JSON document.
  static func setRpath(_ arguments: [String], cwd: String? = nil, environment: [String: String] = [:]) throws
    -> (RunResult, [Outcome])
  {
    let result = try elfdyn(["set-rpath", "--format", "json"] + arguments, environment: environment, cwd: cwd)
    let document = try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8))
    return (result, document.results)
  }

  @Test func matrixWasBuilt() throws {
    _ = try Fixtures.requireTestBinaries()
    #expect(Self.cases.count >= 50, "only \(Self.cases.count) cases in patch/cases.tsv")
    for linker in ["bfd", "gold", "lld", "mold", "lld21"] {
      #expect(Self.cases.contains { $0.linker == linker }, "no \(linker) case")
    }
    for arch in ["aarch64", "s390x", "powerpc64", "powerpc64le", "i686", "riscv64", "armv7"] {
      #expect(Self.cases.contains { $0.arch == arch }, "no \(arch) case")
    }
  }

  /// The bar: a long runpath, then run, strip, readelf, eu-elflint; then idempotence and a repeated edit.
  @Test(arguments: cases)
  func longRunpathKeepsTheFileWorking(_ testCase: Case) throws {
    let (file, work) = try Self.stage(testCase)
    defer { try? FileManager.default.removeItem(atPath: work) }
    let before = try Self.lint(file)
    let originalSize = Self.bytes(file).count
    if testCase.isX86 { #expect(try !Self.works(file, kind: testCase.kind), "\(testCase) runs before the edit") }

    let (result, outcomes) = try Self.setRpath(["--rpath", Self.longValue, file])
    #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
    let outcome = try #require(outcomes.first)
    #expect(outcome.status == "written")
    let added = outcome.bytesAdded
    #expect(added == Self.bytes(file).count - originalSize)
    // Never a page of padding: the string, a copy of .dynstr (and .dynamic), a few headers.
    #expect(added < 4096, "\(testCase): \(added) bytes added")
    #expect(try Self.readelfRunpath(file) == Self.longValue)
    let after = try Self.lint(file)
    #expect(after.subtracting(before).isEmpty, "\(testCase): new eu-elflint findings \(after.subtracting(before))")
    if testCase.isX86 { #expect(try Self.works(file, kind: testCase.kind), "\(testCase) does not run after the edit") }

    // strip afterwards (GNU strip for x86-64, llvm-objcopy for the other machines).
    let stripped = file + ".stripped"
    try FileManager.default.copyItem(atPath: file, toPath: stripped)
    let strip =
      testCase.isX86
      ? try run("/usr/bin/strip", [stripped])
      : try run("/opt/swift/usr/bin/llvm-objcopy", ["--strip-all", stripped])
    #expect(strip.status == 0, "strip: \(strip.stderr)")
    #expect(try Self.readelfRunpath(stripped) == Self.longValue)
    if testCase.isX86 {
      #expect(try Self.works(stripped, kind: testCase.kind), "\(testCase) does not run after strip")
      #expect(strip.stderr.isEmpty, "strip complained: \(strip.stderr)")
    }

    // Idempotence: the same value again changes no byte.
    let snapshot = Self.bytes(file)
    let (again, second) = try Self.setRpath(["--rpath", Self.longValue, file])
    #expect(again.status == 0)
    #expect(second.first?.status == "unchanged")
    #expect(Self.bytes(file) == snapshot)

    // A repeated, longer edit reuses the segment the first one added.
    let longer = Self.longValue + ":/nonexistent/one-more"
    let (third, outcomes3) = try Self.setRpath(["--rpath", longer, file])
    #expect(third.status == 0, "\(third.stderr)")
    let grown = Self.bytes(file).count - snapshot.count
    #expect(
      grown <= ":/nonexistent/one-more".utf8.count + 8,
      "\(testCase): the second edit added \(grown) bytes (\(outcomes3))")
    #expect(try Self.readelfRunpath(file) == longer)
    #expect(try Self.lint(file).subtracting(before).isEmpty)
    if testCase.isX86 { #expect(try Self.works(file, kind: testCase.kind)) }
  }

  func matrixCase(_ name: String) throws -> Case {
    _ = try Fixtures.requireTestBinaries()
    return try #require(Self.cases.first { $0.name == name }, "no case \(name)")
  }

  // MARK: - Each strategy on its own

  @Test func inPlaceWhenTheStringFits() throws {
    let testCase = try matrixCase("bfd-pie-runpath")  // DT_RUNPATH /opt/old/lib (12 bytes)
    let (file, work) = try Self.stage(testCase)
    defer { try? FileManager.default.removeItem(atPath: work) }
    try FileManager.default.createSymbolicLink(atPath: work + "/case/d", withDestinationPath: "../dep")
    let size = Self.bytes(file).count
    let (result, outcomes) = try Self.setRpath(["--rpath", "$ORIGIN/d", file])
    #expect(result.status == 0)
    #expect(outcomes.first?.strategy == "in-place")
    #expect(outcomes.first?.bytesAdded == 0)
    #expect(Self.bytes(file).count == size)
    #expect(try Self.readelfRunpath(file) == "$ORIGIN/d")
    #expect(try Self.works(file, kind: "pie"))
  }

  @Test func spareSlotWhenThereIsNoRunpath() throws {
    let (file, work) = try Self.stage(try matrixCase("bfd-pie"))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let (result, outcomes) = try Self.setRpath(["--rpath", "$ORIGIN/../dep", file])
    #expect(result.status == 0)
    let outcome = try #require(outcomes.first)
    #expect(outcome.strategy == "spare-slot")
    let details = outcome.details
    #expect(details.contains { $0.contains("spare DT_NULL slot") })
    #expect(!details.contains { $0.contains(".dynamic and .dynstr") }, ".dynamic should stay where it is")
    #expect(try Self.works(file, kind: "pie"))
  }

  @Test func newSegmentMovesDynamicWhenThereIsNoSpareSlot() throws {
    let (file, work) = try Self.stage(try matrixCase("lld-pie"))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let (result, outcomes) = try Self.setRpath(["--rpath", "$ORIGIN/../dep", file])
    #expect(result.status == 0)
    let outcome = try #require(outcomes.first)
    #expect(outcome.strategy == "new-segment")
    let details = outcome.details
    #expect(details.contains { $0.contains(".dynamic and .dynstr were copied to a new RW PT_LOAD") }, "\(details)")
    #expect(try Self.works(file, kind: "pie"))
    // PT_DYNAMIC points at the moved copy, which a writable PT_LOAD maps; _DYNAMIC follows it.
    let headers = try run("/usr/bin/readelf", ["-lW", "-sW", file]).stdout
    let dynamicLine = try #require(
      headers.split(separator: "\n").first { $0.contains("DYNAMIC ") && !$0.contains("_DYNAMIC") })
    let fields = dynamicLine.split(separator: " ")
    let address = try #require(UInt64(fields[2].dropFirst(2), radix: 16))
    let symbol = try #require(headers.split(separator: "\n").first { $0.hasSuffix(" _DYNAMIC") })
    #expect(UInt64(symbol.split(separator: " ")[1], radix: 16) == address)
  }

  @Test func growSegmentOnASecondEdit() throws {
    let (file, work) = try Self.stage(try matrixCase("lld-shared"))
    defer { try? FileManager.default.removeItem(atPath: work) }
    _ = try Self.setRpath(["--rpath", "$ORIGIN/../dep:/first", file])
    let size = Self.bytes(file).count
    let (result, outcomes) = try Self.setRpath(["--rpath", "$ORIGIN/../dep:/second/longer/value", file])
    #expect(result.status == 0)
    #expect(outcomes.first?.strategy == "grow-segment")
    // The old string was the segment's last: the new one replaced it.
    #expect(Self.bytes(file).count - size == "/second/longer/value".utf8.count - "/first".utf8.count)
    #expect(try Self.works(file, kind: "shared"))
    // Shorter (in place), then longer again: the string goes over the old one, the file does not grow.
    let grownSize = Self.bytes(file).count
    let (shorter, shorterOutcome) = try Self.setRpath(["--rpath", "$ORIGIN/../dep", file])
    #expect(shorter.status == 0)
    #expect(shorterOutcome.first?.strategy == "in-place")
    let (longer, _) = try Self.setRpath(["--rpath", "$ORIGIN/../dep:/second/longer/value", file])
    #expect(longer.status == 0)
    #expect(Self.bytes(file).count == grownSize)
    #expect(try Self.works(file, kind: "shared"))
  }

  @Test func removeAndUnchanged() throws {
    let (file, work) = try Self.stage(try matrixCase("gold-shared-runpath"))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let (result, outcomes) = try Self.setRpath(["--remove", file])
    #expect(result.status == 0)
    #expect(outcomes.first?.strategy == "in-place")
    #expect(try Self.readelfRunpath(file) == nil)
    #expect(try Self.lint(file).subtracting(try Self.lint(try matrixCase("gold-shared-runpath").path)).isEmpty)
    let snapshot = Self.bytes(file)
    let (again, second) = try Self.setRpath(["--remove", file])
    #expect(again.status == 0)
    #expect(second.first?.status == "unchanged")
    #expect(Self.bytes(file) == snapshot)
  }

  @Test func tagRpathAndBack() throws {
    let (file, work) = try Self.stage(try matrixCase("bfd-shared-runpath"))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let (result, _) = try Self.setRpath(["--tag", "rpath", "--rpath", "/opt/old/lib", file])
    #expect(result.status == 0)
    let dynamic = try run("/usr/bin/readelf", ["-dW", file]).stdout
    #expect(dynamic.contains("(RPATH)") && !dynamic.contains("(RUNPATH)"), "\(dynamic)")
    let (printed, lines) = try Self.setRpath(["--print", file])
    #expect(printed.status == 0)
    #expect(lines.first?.beforeTag == "DT_RPATH")
  }

  @Test func addShrinkPrintDryRun() throws {
    let (file, work) = try Self.stage(try matrixCase("bfd-pie-runpath"))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let original = Self.bytes(file)
    let (dry, plan) = try Self.setRpath(["--dry-run", "--add", "$ORIGIN/../dep", file])
    #expect(dry.status == 0)
    #expect(plan.first?.status == "dry-run")
    #expect(plan.first?.after == "/opt/old/lib:$ORIGIN/../dep")
    #expect(Self.bytes(file) == original, "--dry-run changed the file")
    _ = try Self.setRpath(["--add", "$ORIGIN/../dep", file])
    #expect(try Self.readelfRunpath(file) == "/opt/old/lib:$ORIGIN/../dep")
    let (shrunk, _) = try Self.setRpath(["--shrink", file])
    #expect(shrunk.status == 0)
    #expect(try Self.readelfRunpath(file) == "$ORIGIN/../dep")
    #expect(try Self.works(file, kind: "pie"))
    let text = try elfdyn(["set-rpath", "--print", file])
    #expect(text.stdout == "\(file): DT_RUNPATH $ORIGIN/../dep\n")
  }

  // MARK: - Computing the value

  @Test func computesOriginRelativeEntries() throws {
    let (file, work) = try Self.stage(try matrixCase("bfd-pie"))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let (result, outcomes) = try Self.setRpath([file, "-L", work + "/dep"], cwd: work)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(outcomes.first?.after == "$ORIGIN/../dep")
    let entries = outcomes.first?.entries ?? []
    #expect(entries.first?.library == "libpdep.so")
    #expect(try Self.works(file, kind: "pie"))
    // Outside the project tree: an absolute directory, unless --relative-all.
    let (file2, work2) = try Self.stage(try matrixCase("gold-pie"))
    defer { try? FileManager.default.removeItem(atPath: work2) }
    let (_, outside) = try Self.setRpath([file2, "-L", work2 + "/dep", "--relative-to", work2 + "/case"], cwd: work2)
    let realDep = try #require(Paths.realPath(work2 + "/dep"))
    #expect(outside.first?.after == realDep)
  }

  @Test func missingLibraryIsExitOneAndChangesNothing() throws {
    let (file, work) = try Self.stage(try matrixCase("lld-pie"))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let original = Self.bytes(file)
    let result = try elfdyn(["set-rpath", file], cwd: work)
    #expect(result.status == 1)
    #expect(result.stdout.contains("libpdep.so"), "\(result.stdout)")
    #expect(Self.bytes(file) == original)
    let (allowed, outcomes) = try Self.setRpath(["--allow-missing", file], cwd: work)
    #expect(allowed.status == 0)
    #expect(outcomes.first?.missing == ["libpdep.so"])
  }

  /// --recursive gives the libraries of the closure their own runpath (DT_RUNPATH is not inherited).
  @Test func recursiveGivesLibrariesTheirOwnRunpath() throws {
    let out = try Fixtures.requireTestBinaries()
    let work = try temporaryDirectory("elfdyn-setrpath-demo")
    defer { try? FileManager.default.removeItem(atPath: work) }
    #expect(try run("/bin/cp", ["-a", out + "/demo/project", out + "/demo/toolchain", work]).status == 0)
    let project = work + "/project"
    let (result, outcomes) = try Self.setRpath(
      ["--recursive", "target/debug/app", "-L", "target/debug/deps", "-L", "../toolchain/lib"], cwd: project)
    #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
    let toolchain = try #require(Paths.realPath(work + "/toolchain/lib"))
    #expect(outcomes.first?.after == "$ORIGIN/deps:" + toolchain)
    let greet = try #require(outcomes.first { $0.file.hasSuffix("libgreet.so") == true })
    #expect(greet.fromClosure == true)
    #expect(greet.after == toolchain)
    #expect(try Self.readelfRunpath(project + "/target/debug/deps/libgreet.so") == toolchain)
    #expect(try run(project + "/target/debug/app", []).status == 0)
    // --relative-all: the toolchain directory too is $ORIGIN-relative.
    let (_, relative) = try Self.setRpath(
      ["--relative-all", "--dry-run", "target/debug/app", "-L", "target/debug/deps", "-L", "../toolchain/lib"],
      cwd: project)
    #expect(relative.first?.after == "$ORIGIN/deps:$ORIGIN/../../../toolchain/lib")
  }

  @Test func usageErrorsAreExitTwo() throws {
    for arguments in [
      ["--rpath", "/a", "--remove", "x"], ["--recursive", "--print", "x"], ["--tag", "neither", "x"],
    ] {
      let result = try elfdyn(["set-rpath"] + arguments)
      #expect(result.status == 2, "\(arguments): \(result.stderr)")
    }
    let work = try temporaryDirectory("elfdyn-setrpath-nocargo")
    defer { try? FileManager.default.removeItem(atPath: work) }
    let none = try elfdyn(["set-rpath"], cwd: work)
    #expect(none.status == 2)
    #expect(none.stderr.contains("Cargo"), "\(none.stderr)")
  }

  // MARK: - Files and their metadata

  @Test func readOnlyFileKeepsModeOwnerAndTimes() throws {
    let (file, work) = try Self.stage(try matrixCase("bfd-shared"))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let fm = FileManager.default
    let old = Date(timeIntervalSince1970: 1_600_000_000)
    try fm.setAttributes([.posixPermissions: 0o444, .modificationDate: old], ofItemAtPath: file)
    let (result, _) = try Self.setRpath(["--rpath", Self.longValue, file])
    #expect(result.status == 0, "\(result.stderr)")
    let attributes = try fm.attributesOfItem(atPath: file)
    #expect(attributes[.posixPermissions] as? Int == 0o444)
    #expect((attributes[.modificationDate] as? Date).map { abs($0.timeIntervalSince(old)) < 1 } == true)
    #expect(try Self.works(file, kind: "shared"))
    let leftovers = try fm.contentsOfDirectory(atPath: work + "/case").filter { $0.contains("elfdyn-") }
    #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
  }

  @Test func notElfIsExitTwo() throws {
    let patch = try #require(Self.patchDir)
    let work = try temporaryDirectory("elfdyn-setrpath")
    defer { try? FileManager.default.removeItem(atPath: work) }
    let file = work + "/not-elf"
    try FileManager.default.copyItem(atPath: patch + "/not-elf", toPath: file)
    let original = Self.bytes(file)
    let result = try elfdyn(["set-rpath", "--rpath", "/x", file])
    #expect(result.status == 2)
    #expect(result.stderr.contains(file) && result.stderr.contains("ELF"), "\(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(Self.bytes(file) == original)
    let missing = try elfdyn(["set-rpath", "--rpath", "/x", work + "/nothing-here"])
    #expect(missing.status == 2)
  }

  /// Truncated and corrupted copies of files of each linker: exit status 0, 1 or 2, never a trap.
  @Test(arguments: ["lld-pie", "bfd-pie-runpath", "mold-shared", "lld-shared-s390x-none"])
  func corruptedInputNeverTraps(_ name: String) throws {
    let testCase = try matrixCase(name)
    let work = try temporaryDirectory("elfdyn-setrpath-fuzz")
    defer { try? FileManager.default.removeItem(atPath: work) }
    let original = [UInt8](Self.bytes(testCase.path))
    var seed: UInt64 = 0x9e37_79b9_7f4a_7c15 &+ UInt64(name.utf8.count)
    func next(_ bound: Int) -> Int {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((seed >> 33) % UInt64(max(bound, 1)))
    }
    for round in 0..<40 {
      var bytes = original
      if round % 3 == 0 {
        bytes = Array(bytes.prefix(next(bytes.count)))
      } else {
        for _ in 0...next(8) { bytes[next(min(bytes.count, 0x3000))] = UInt8(next(256)) }
      }
      let file = work + "/f\(round)"
      try Data(bytes).write(to: URL(fileURLWithPath: file))
      let result = try elfdyn(["set-rpath", "--rpath", Self.longValue, file])
      #expect((0...2).contains(result.status), "round \(round): status \(result.status) \(result.stderr)")
      if result.status == 2 {
        #expect(Self.bytes(file) == Data(bytes), "round \(round): a failed edit changed the file")
      }
    }
  }

  /// A write that fails half-way (the file size limit) leaves the file byte for byte as it was, in
  /// both write modes; --in-place rolls back what it wrote.
  @Test(arguments: [false, true])
  func failedEditLeavesTheFileUntouched(inPlace: Bool) throws {
    let (file, work) = try Self.stage(try matrixCase("lld-pie"))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let original = Self.bytes(file)
    let blocks = original.count / 1024
    let command =
      "trap '' XFSZ; ulimit -f \(blocks); exec \"$0\" set-rpath \(inPlace ? "--in-place " : "")--rpath \"$1\" \"$2\""
    let result = try run("/bin/bash", ["-c", command, Fixtures.elfdyn, Self.longValue, file])
    #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
    #expect(result.stderr.contains(file), "\(result.stderr)")
    #expect(Self.bytes(file) == original, "the file changed after a failed edit")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: work + "/case").filter {
      $0.contains("elfdyn-")
    }
    #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
  }

  @Test func inPlaceKeepsHardLinks() throws {
    let (file, work) = try Self.stage(try matrixCase("mold-shared"))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let link = work + "/case/link.so"
    try FileManager.default.linkItem(atPath: file, toPath: link)
    let (result, _) = try Self.setRpath(["--in-place", "--rpath", Self.longValue, file])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(Self.bytes(link) == Self.bytes(file))
    #expect(try Self.works(link, kind: "shared"))
    // Without --in-place the other name keeps the old content.
    let (replaced, _) = try Self.setRpath(["--rpath", Self.longValue + ":/more", file])
    #expect(replaced.status == 0)
    #expect(try Self.readelfRunpath(link) == Self.longValue)
  }

  // MARK: - Real files of this machine

  static let realFiles: [String] = {
    var files = [
      "/usr/bin/ls", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/opt/swift/usr/lib/swift/linux/libBlocksRuntime.so",
    ]
    let toolchains =
      (try? FileManager.default.contentsOfDirectory(atPath: NSHomeDirectory() + "/.rustup/toolchains")) ?? []
    if let stable = toolchains.sorted().first(where: { $0.hasPrefix("stable") }) {
      files.append(NSHomeDirectory() + "/.rustup/toolchains/\(stable)/bin/rustc")
    }
    return files.filter { FileManager.default.fileExists(atPath: $0) }
  }()

  @Test(arguments: realFiles)
  func realFile(_ path: String) throws {
    let work = try temporaryDirectory("elfdyn-setrpath-real")
    defer { try? FileManager.default.removeItem(atPath: work) }
    let file = work + "/" + (path as NSString).lastPathComponent
    // Copy the file itself, not a symbolic link to it (set-rpath edits a link's target).
    try FileManager.default.copyItem(atPath: try #require(Paths.realPath(path)), toPath: file)
    // Keep the old entries working from the copy's directory, then make it several hundred bytes longer.
    let directory = (Paths.realPath(path).map { ($0 as NSString).deletingLastPathComponent } ?? "/")
    let old = (try Self.readelfRunpath(path) ?? "/nonexistent").replacingOccurrences(of: "$ORIGIN", with: directory)
    let value = old + Self.longValue.dropFirst("$ORIGIN/../dep".count)
    let before = try Self.lint(file)
    let (result, outcomes) = try Self.setRpath(["--rpath", value, file])
    #expect(result.status == 0, "\(result.stderr)")
    #expect((outcomes.first?.bytesAdded ?? 99999) < 4096)
    #expect(try Self.readelfRunpath(file) == value)
    #expect(try Self.lint(file).subtracting(before).isEmpty)
    let isLibrary = path.contains(".so")
    if isLibrary {
      let patch = try #require(Self.patchDir)
      #expect(try run(patch + "/bin/dlopen-check", [file]).status == 0)
    } else {
      let expected = try run(path, ["--version"])
      let got = try run(file, ["--version"])
      #expect(got.status == expected.status && got.stdout == expected.stdout)
    }
    try FileManager.default.copyItem(atPath: file, toPath: file + ".stripped")
    #expect(try run("/usr/bin/strip", [file + ".stripped"]).status == 0)
    if !isLibrary { #expect(try run(file + ".stripped", ["--version"]).status == 0) }
  }

  // MARK: - End to end: a Cargo workspace of dylibs

  @Test func cargoWorkspaceRunsWithoutLibraryPathAndAfterAMove() throws {
    let out = try Fixtures.requireTestBinaries()
    let envFile = out + "/cargo/env"
    guard let env = try? String(contentsOfFile: envFile, encoding: .utf8) else {
      let reason = (try? String(contentsOfFile: out + "/cargo/SKIPPED", encoding: .utf8)) ?? "cargo/env missing"
      Issue.record("the Cargo workspace was not built: \(reason)")
      return
    }
    var values: [String: String] = [:]
    for line in env.split(separator: "\n") {
      let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
      if parts.count == 2 { values[parts[0]] = parts[1].replacingOccurrences(of: "'", with: "") }
    }
    let workspace = try #require(values["WORKSPACE"])
    let parent = try temporaryDirectory("elfdyn-cargo")
    defer { try? FileManager.default.removeItem(atPath: parent) }
    let copy = parent + "/ws"
    #expect(try run("/bin/cp", ["-a", workspace, copy]).status == 0)
    let app = copy + "/target/debug/app"
    #expect(try run(app, []).status != 0, "the app runs before set-rpath")
    let (result, outcomes) = try Self.setRpath([], cwd: copy)
    #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
    #expect(
      outcomes.contains {
        $0.file.hasSuffix("target/debug/app") == true && $0.status == "written"
      })
    let first = try run(app, [])
    #expect(first.status == 0, "\(first.stderr)")
    let moved = parent + "/moved-elsewhere"
    try FileManager.default.moveItem(atPath: copy, toPath: moved)
    let second = try run(moved + "/target/debug/app", [])
    #expect(second.status == 0, "after the move: \(second.stderr)")
    #expect(second.stdout == first.stdout)
    // Running it again in the moved tree changes nothing.
    let (again, outcomes2) = try Self.setRpath([], cwd: moved)
    #expect(again.status == 0)
    #expect(outcomes2.allSatisfy { $0.status == "unchanged" }, "\(outcomes2.map(\.status))")
  }
}
