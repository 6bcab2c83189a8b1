import Foundation
import Testing

@testable import ElfTool

/// `set-rpath` is safe by default (elfdyn issue 10): it edits only files the caller may write and
/// keeps their owner, group and extended attributes; a computed value keeps entries nothing needs;
/// an explicit value needs explicit files and says what it breaks; JSON is one document per run;
/// and moving .dynamic out of lld 21's PT_GNU_RELRO segment leaves no writable segment empty.
@Suite(.serialized) struct SetRpathDefaultsTests {
  typealias Outcome = SetRpathTests.Outcome

  /// A scratch directory everyone may enter, with `sub/` owned by `nobody` (who may create and
  /// rename files there), and libpdep.so in `dep/`.
  static func scratch() throws -> (root: String, sub: String) {
    let root = try temporaryDirectory("elfdyn-setrpath-safe")
    let patch = try #require(SetRpathTests.patchDir)
    try FileManager.default.createDirectory(atPath: root + "/dep", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: patch + "/dep/libpdep.so", toPath: root + "/dep/libpdep.so")
    let sub = root + "/sub"
    try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
    #expect(try run("/bin/chmod", ["0755", root, root + "/dep"]).status == 0)
    #expect(try run("/bin/chown", ["nobody", sub]).status == 0)
    return (root, sub)
  }

  /// elfdyn run as the unprivileged user `nobody`.
  static func asNobody(_ arguments: [String]) throws -> RunResult {
    try run("/usr/sbin/runuser", ["-u", "nobody", "--", Fixtures.elfdyn] + arguments)
  }

  /// "uid:gid mode" of a file, from stat(1).
  static func ownerAndMode(_ path: String) throws -> String {
    try run("/usr/bin/stat", ["-c", "%u:%g %a", path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  static func matrixFile(_ name: String) throws -> String {
    _ = try Fixtures.requireTestBinaries()
    return try #require(SetRpathTests.cases.first { $0.name == name }, "no case \(name)").path
  }

  // MARK: - Never edit a file the user may not write

  /// As `nobody` in a directory it owns: a root-owned 0644 file and its own 0444 file are refused
  /// in both write modes (as patchelf and chrpath refuse), byte for byte and owner unchanged.
  @Test(arguments: [false, true])
  func refusesFilesTheCallerMayNotWrite(inPlace: Bool) throws {
    let (root, sub) = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let original = try Self.matrixFile("bfd-shared")
    let rootOwned = sub + "/root644.so"
    try FileManager.default.copyItem(atPath: original, toPath: rootOwned)
    #expect(try run("/bin/chmod", ["0644", rootOwned]).status == 0)
    let readOnly = sub + "/mine444.so"
    try FileManager.default.copyItem(atPath: original, toPath: readOnly)
    #expect(try run("/bin/chown", ["nobody:nogroup", readOnly]).status == 0)
    #expect(try run("/bin/chmod", ["0444", readOnly]).status == 0)
    for file in [rootOwned, readOnly] {
      let before = SetRpathTests.bytes(file)
      let metadata = try Self.ownerAndMode(file)
      let result = try Self.asNobody(
        ["set-rpath"] + (inPlace ? ["--in-place"] : []) + ["--rpath", "$ORIGIN/../dep", file])
      #expect(result.status == 2, "\(file): \(result.stdout) \(result.stderr)")
      #expect(result.stderr.contains(file) && result.stderr.contains("Permission denied"), "\(result.stderr)")
      #expect(SetRpathTests.bytes(file) == before, "\(file) changed")
      #expect(try Self.ownerAndMode(file) == metadata)
    }
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: sub).filter { $0.contains("elfdyn-") }
    #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
  }

  /// A root-owned 0666 file that `nobody` may write: replacing it would make it nobody's, so the
  /// default mode refuses; --in-place writes into it and it stays root's.
  @Test func ownerThatCannotBeKeptIsRefused() throws {
    let (root, sub) = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let file = sub + "/root666.so"
    try FileManager.default.copyItem(atPath: try Self.matrixFile("bfd-shared"), toPath: file)
    #expect(try run("/bin/chmod", ["0666", file]).status == 0)
    let before = SetRpathTests.bytes(file)
    let refused = try Self.asNobody(["set-rpath", "--rpath", "$ORIGIN/../dep", file])
    #expect(refused.status == 2, "\(refused.stdout) \(refused.stderr)")
    #expect(refused.stderr.contains("owner") && refused.stderr.contains("--in-place"), "\(refused.stderr)")
    #expect(SetRpathTests.bytes(file) == before)
    #expect(try Self.ownerAndMode(file) == "0:0 666")
    let inPlace = try Self.asNobody(["set-rpath", "--in-place", "--rpath", "$ORIGIN/../dep", file])
    #expect(inPlace.status == 0, "\(inPlace.stdout) \(inPlace.stderr)")
    #expect(try Self.ownerAndMode(file) == "0:0 666")
    #expect(try SetRpathTests.readelfRunpath(file) == "$ORIGIN/../dep")
    #expect(try SetRpathTests.works(file, kind: "shared"))
  }

  // MARK: - Extended attributes

  static func capabilities(_ path: String) throws -> String {
    try run("/usr/sbin/getcap", [path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// setcap's security.capability (which the kernel drops on any write) and a user attribute survive
  /// an edit in both write modes.
  @Test(arguments: [false, true])
  func extendedAttributesAreKept(inPlace: Bool) throws {
    let (file, work) = try SetRpathTests.stage(try #require(SetRpathTests.cases.first { $0.name == "bfd-pie" }))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let setcap = try run("/usr/sbin/setcap", ["cap_net_raw+ep", file])
    try #require(setcap.status == 0, "setcap: \(setcap.stderr)")
    let xattr = try run(
      "/usr/bin/python3", ["-c", "import os,sys; os.setxattr(sys.argv[1], 'user.elfdyn', b'kept')", file])
    try #require(xattr.status == 0, "\(xattr.stderr)")
    #expect(try Self.capabilities(file) == "\(file) cap_net_raw=ep")
    let mode = inPlace ? ["--in-place"] : []
    let (result, outcomes) = try SetRpathTests.setRpath(mode + ["--rpath", SetRpathTests.longValue, file])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(outcomes.first?.status == "written")
    #expect(try Self.capabilities(file) == "\(file) cap_net_raw=ep", "the file capability was lost")
    let user = try run(
      "/usr/bin/python3", ["-c", "import os,sys; print(os.getxattr(sys.argv[1], 'user.elfdyn'))", file])
    #expect(user.stdout == "b'kept'\n", "\(user.stdout) \(user.stderr)")
    #expect(try SetRpathTests.works(file, kind: "pie"))
    // A second edit that grows the segment the first one added.
    let (again, _) = try SetRpathTests.setRpath(mode + ["--rpath", SetRpathTests.longValue + ":/more", file])
    #expect(again.status == 0)
    #expect(try Self.capabilities(file) == "\(file) cap_net_raw=ep")
  }

  /// `nobody` may write its own file but not set file capabilities: a capability it could not put
  /// back refuses the edit (in place, where the write would drop it) before anything is written.
  @Test(arguments: [false, true])
  func capabilityThatCannotBePutBackIsRefused(inPlace: Bool) throws {
    let (root, sub) = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let file = sub + "/app"
    try FileManager.default.copyItem(atPath: try Self.matrixFile("bfd-pie"), toPath: file)
    #expect(try run("/bin/chown", ["nobody:nogroup", file]).status == 0)
    try #require(try run("/usr/sbin/setcap", ["cap_net_raw+ep", file]).status == 0)
    let before = SetRpathTests.bytes(file)
    let result = try Self.asNobody(
      ["set-rpath"] + (inPlace ? ["--in-place"] : []) + ["--rpath", "$ORIGIN/../dep", file])
    #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
    #expect(result.stderr.contains("security.capability"), "\(result.stderr)")
    #expect(SetRpathTests.bytes(file) == before)
    #expect(try Self.capabilities(file) == "\(file) cap_net_raw=ep")
  }

  // MARK: - Keep what still serves a purpose

  /// The case: `/opt/plugins:<dir of libpdep.so>`; the computed value replaces the entry that
  /// finds libpdep.so and keeps /opt/plugins where it was, naming it; --shrink drops it.
  @Test func computedValueKeepsEntriesNoNeededLibraryUses() throws {
    let (file, work) = try SetRpathTests.stage(try #require(SetRpathTests.cases.first { $0.name == "bfd-pie" }))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let dep = try #require(Paths.realPath(work + "/dep"))
    #expect(try elfdyn(["set-rpath", "--rpath", "/opt/plugins:" + dep, file]).status == 0)
    let (result, outcomes) = try SetRpathTests.setRpath([file], cwd: work)
    #expect(result.status == 0, "\(result.stderr)")
    let outcome = try #require(outcomes.first)
    #expect(outcome.after == "/opt/plugins:$ORIGIN/../dep", "\(outcome)")
    #expect(outcome.kept == ["/opt/plugins"])
    #expect(try SetRpathTests.readelfRunpath(file) == "/opt/plugins:$ORIGIN/../dep")
    #expect(try SetRpathTests.works(file, kind: "pie"))
    let text = try elfdyn(["set-rpath", "--dry-run", file], cwd: work)
    #expect(text.stdout.contains("/opt/plugins kept"), "\(text.stdout)")
    let (shrunk, _) = try SetRpathTests.setRpath(["--shrink", file])
    #expect(shrunk.status == 0)
    #expect(try SetRpathTests.readelfRunpath(file) == "$ORIGIN/../dep")
  }

  // MARK: - No file, no explicit value

  /// In a Cargo project, an explicit value with no file is a usage error and changes nothing.
  @Test(arguments: [["--rpath", "/x"], ["--add", "/x"], ["--remove"], ["--tag", "rpath"]])
  func explicitValueNeedsFiles(_ arguments: [String]) throws {
    let out = try Fixtures.requireTestBinaries()
    let work = try temporaryDirectory("elfdyn-setrpath-nofile")
    defer { try? FileManager.default.removeItem(atPath: work) }
    #expect(try run("/bin/cp", ["-a", out + "/demo/project", work]).status == 0)
    let project = work + "/project"
    let app = project + "/target/debug/app"
    let before = SetRpathTests.bytes(app)
    let result = try elfdyn(["set-rpath"] + arguments, cwd: project)
    #expect(result.status == 2, "\(arguments): \(result.stdout) \(result.stderr)")
    #expect(result.stderr.contains("need the files"), "\(result.stderr)")
    #expect(SetRpathTests.bytes(app) == before)
  }

  // MARK: - Say when the new value breaks something

  /// A wrong directory: libpdep.so resolved before and not after. The file is written as asked,
  /// with a warning and exit status 1; --dry-run and --remove say the same.
  @Test func explicitValueThatBreaksALibraryWarns() throws {
    let (file, work) = try SetRpathTests.stage(try #require(SetRpathTests.cases.first { $0.name == "bfd-pie" }))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let (good, goodOutcomes) = try SetRpathTests.setRpath(["--rpath", "$ORIGIN/../dep", file])
    #expect(good.status == 0)
    #expect(goodOutcomes.first?.broken == [])
    let unchanged = SetRpathTests.bytes(file)
    let (dry, dryOutcomes) = try SetRpathTests.setRpath(["--dry-run", "--rpath", "$ORIGIN/lib", file])
    #expect(dry.status == 1)
    #expect(dryOutcomes.first?.broken == ["libpdep.so"])
    #expect(SetRpathTests.bytes(file) == unchanged)
    let (removed, removedOutcomes) = try SetRpathTests.setRpath(["--dry-run", "--remove", file])
    #expect(removed.status == 1)
    #expect(removedOutcomes.first?.broken == ["libpdep.so"])
    let text = try elfdyn(["set-rpath", "--rpath", "$ORIGIN/lib", file])
    #expect(text.status == 1, "\(text.stdout) \(text.stderr)")
    #expect(
      text.stdout.contains("warning: ") && text.stdout.contains("libpdep.so is no longer found"), "\(text.stdout)")
    #expect(try SetRpathTests.readelfRunpath(file) == "$ORIGIN/lib")
    #expect(try !SetRpathTests.works(file, kind: "pie"))
    // Setting it back repairs it: nothing is broken, exit status 0.
    let (back, backOutcomes) = try SetRpathTests.setRpath(["--rpath", "$ORIGIN/../dep", file])
    #expect(back.status == 0)
    #expect(backOutcomes.first?.broken == [])
  }

  // MARK: - Output

  /// One JSON document per run, the same shape for one input or several; a text line for an
  /// unchanged file without a runpath has no stray comma.
  @Test func jsonIsOneDocumentAndTextHasNoStrayComma() throws {
    let (file, work) = try SetRpathTests.stage(try #require(SetRpathTests.cases.first { $0.name == "bfd-pie" }))
    defer { try? FileManager.default.removeItem(atPath: work) }
    let other = work + "/case/other"
    try FileManager.default.copyItem(atPath: file, toPath: other)
    let (one, single) = try SetRpathTests.setRpath(["--print", file])
    #expect(one.status == 0)
    #expect(single.count == 1)
    let (many, several) = try SetRpathTests.setRpath(["--dry-run", "--rpath", "$ORIGIN/../dep", file, other])
    #expect(many.status == 0)
    #expect(several.map(\.file) == [file, other])
    #expect(many.stdout.split(separator: "\n").count == 1, "not one document: \(many.stdout)")
    let text = try elfdyn(["set-rpath", "--remove", file])
    #expect(text.status == 0)
    #expect(
      text.stdout == "\(file): unchanged (no runpath)\n  - the file has no DT_RUNPATH or DT_RPATH\n", "\(text.stdout)")
  }

  // MARK: - lld 21's PT_GNU_RELRO

  /// lld 21 libraries whose PT_GNU_RELRO segment holds only .dynamic and .relro_padding: after
  /// .dynamic moves, that segment is read-only and PT_GNU_RELRO covers the new segment (padded to a
  /// page), so no writable segment is left without a writable section; the x86-64 one loads.
  @Test(arguments: ["x86_64", "aarch64", "i686", "riscv64", "armv7"])
  func lld21RelroFollowsDynamic(_ arch: String) throws {
    let testCase = try #require(SetRpathTests.cases.first { $0.name == "lld21-shared-\(arch)-none" })
    let (file, work) = try SetRpathTests.stage(testCase)
    defer { try? FileManager.default.removeItem(atPath: work) }
    let before = try SetRpathTests.lint(file)
    let (result, outcomes) = try SetRpathTests.setRpath(["--rpath", SetRpathTests.longValue, file])
    #expect(result.status == 0, "\(result.stderr)")
    let details = outcomes.first?.details ?? []
    #expect(details.contains { $0.contains("is read-only now") }, "\(details)")
    #expect(details.contains { $0.contains("PT_GNU_RELRO moved with .dynamic") }, "\(details)")
    let after = try SetRpathTests.lint(file)
    #expect(after.subtracting(before).isEmpty, "new eu-elflint findings: \(after.subtracting(before))")
    // The new PT_LOAD is the last one; GNU_RELRO starts where it starts and ends where it ends.
    let lines = try run("/usr/bin/readelf", ["-lW", file]).stdout.split(separator: "\n")
    let loads = lines.filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("LOAD") }
    let relro = try #require(lines.first { $0.contains("GNU_RELRO") }).split(separator: " ")
    let last = try #require(loads.last).split(separator: " ")
    #expect(relro[1...5] == last[1...5], "GNU_RELRO \(relro) is not the new segment \(last)")
    #expect(loads.filter { $0.contains("RW") }.count == 2, "\(loads)")
    if arch == "x86_64" { #expect(try SetRpathTests.works(file, kind: "shared")) }
  }
}
