import Foundation
import Testing

@testable import ElfTool

/// set-rpath can never lose a file: malformed input is either fixed (and reads back) or left
/// byte-for-byte unchanged; a process killed at any moment leaves the old file or the new one;
/// two runs at once both finish and leave one of the two results.
@Suite(.serialized) struct SetRpathSafetyTests {
  static let value = "$ORIGIN/" + String(repeating: "a-rather-long-directory-name/", count: 12) + "lib"

  /// set-rpath on a copy of every mutation of every seed: success reads back, failure changes nothing.
  @Test(arguments: MutationTests.seeds())
  func malformedFilesAreFixedOrUntouched(_ seed: String) throws {
    let data = try #require(FileManager.default.contents(atPath: seed))
    let dir = try temporaryDirectory("elfdyn-setrpath-mutations")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let mutations = MutationTests.mutations(of: [UInt8](data), seed: 7)
    for (label, bytes) in mutations {
      let path = dir + "/" + label
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      let result = try run(
        "/usr/bin/prlimit", ["--as=1073741824", "--", Fixtures.elfdyn, "set-rpath", "--rpath", Self.value, path],
        timeout: 20)
      #expect([0, 1, 2].contains(result.status), "\(label): ended with \(result.status): \(result.stderr)")
      let after = try #require(FileManager.default.contents(atPath: path), "\(label): the file is gone")
      if result.status == 0 {
        let printed = try elfdyn(["set-rpath", "--print", path])
        #expect(printed.stdout.contains(Self.value), "\(label): the new value does not read back: \(printed.stdout)")
      } else {
        #expect(after == Data(bytes), "\(label): a failed edit changed the file (status \(result.status))")
        if result.status == 2 { #expect(result.stderr.contains(path), "\(label): \(result.stderr)") }
      }
      let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter {
        !mutations.map(\.0).contains($0)
      }
      #expect(leftovers.isEmpty, "\(label): temporary files left behind: \(leftovers)")
    }
  }

  /// A shared library of about 64 MiB, built once.
  static func bigLibrary(in dir: String) throws -> String {
    let source = dir + "/big.c"
    try "char big[64 << 20] = {1};\nint answer(void) { return big[0]; }\n".write(
      toFile: source, atomically: true, encoding: .utf8)
    let output = dir + "/libbig.so"
    let cc = try run("/usr/bin/gcc", ["-shared", "-fPIC", "-o", output, source], timeout: 120)
    try #require(cc.status == 0, "\(cc.stderr)")
    return output
  }

  @Test func killedAtAnyMomentLeavesTheOldOrTheNewFile() throws {
    let dir = try temporaryDirectory("elfdyn-setrpath-kill")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let original = try Self.bigLibrary(in: dir)
    let before = try #require(FileManager.default.contents(atPath: original))
    // The result of an edit that is not interrupted.
    let reference = dir + "/reference.so"
    try FileManager.default.copyItem(atPath: original, toPath: reference)
    let done = try elfdyn(["set-rpath", "--rpath", Self.value, reference])
    try #require(done.status == 0, "\(done.stderr)")
    let after = try #require(FileManager.default.contents(atPath: reference))
    #expect(after != before)
    var outcomes: [String: Int] = [:]
    for attempt in 0..<12 {
      let target = dir + "/victim.so"
      try? FileManager.default.removeItem(atPath: target)
      try FileManager.default.copyItem(atPath: original, toPath: target)
      let process = Process()
      process.executableURL = URL(fileURLWithPath: Fixtures.elfdyn)
      process.arguments = ["set-rpath", "--rpath", Self.value] + (attempt % 2 == 1 ? ["--in-place"] : []) + [target]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      usleep(UInt32(1000 + attempt * 4000))
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      let now = try #require(FileManager.default.contents(atPath: target), "attempt \(attempt): the file is gone")
      let state = now == before ? "old" : now == after ? "new" : "MIXED"
      outcomes[state, default: 0] += 1
      // --in-place cannot be atomic against SIGKILL (the help says so); the default mode must be.
      if attempt % 2 == 0 {
        #expect(
          state != "MIXED", "attempt \(attempt): killed mid-write left a file that is neither the old nor the new one")
      }
      // Whatever happened, the next run finishes the job.
      let again = try elfdyn(["set-rpath", "--rpath", Self.value, target])
      #expect(again.status == 0, "\(again.stderr)")
      #expect(try FileManager.default.contents(atPath: target) == after)
      for name in try FileManager.default.contentsOfDirectory(atPath: dir)
      where name.hasPrefix(".") || name.contains(".elfdyn") {
        try? FileManager.default.removeItem(atPath: dir + "/" + name)
      }
    }
    print("kill test outcomes: \(outcomes)")
  }

  /// The unchanged bytes are copied in 64 MiB pieces, each handed to the disk as it is copied: a
  /// file longer than one piece comes out whole (only the edited ranges differ from the original,
  /// the bytes around the piece boundary do not), and the same on tmpfs, where there is no disk
  /// to hand pages to, as on the test directory's filesystem.
  @Test func aFileLongerThanOneCopyPieceIsCopiedWholeOnEveryFilesystem() throws {
    let dir = try temporaryDirectory("elfdyn-setrpath-pieces")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let original = try Self.bigLibrary(in: dir)
    let piece = 64 << 20
    // The library's .data is zeros, which a piece left out would read as too (a hole): bytes that
    // are not zeros go around the piece boundary, inside .data, where no edit writes.
    let sections = try run("/usr/bin/readelf", ["-SW", original])
    let data = try #require(
      sections.stdout.split(separator: "\n").first { $0.contains(" .data ") }?.split(separator: " "),
      "\(sections.stdout)")
    let dataIndex = try #require(data.firstIndex(of: ".data"))
    let dataStart = try #require(Int(data[dataIndex + 3], radix: 16))
    let dataSize = try #require(Int(data[dataIndex + 4], radix: 16))
    let marked = max(dataStart, piece - 65536)..<min(dataStart + dataSize, piece + 65536)
    try #require(marked.contains(piece - 1) && marked.contains(piece), ".data does not cross 64 MiB: \(data)")
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: original))
    try handle.seek(toOffset: UInt64(marked.lowerBound))
    try handle.write(contentsOf: Data(marked.map { UInt8(truncatingIfNeeded: $0 % 251 + 1) }))
    try handle.close()
    let before = [UInt8](try #require(FileManager.default.contents(atPath: original)))
    try #require(before.count > piece, "the library is \(before.count) bytes, not more than one piece")
    var places = [dir]
    let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
    let shmIsTmpfs = mounts.split(separator: "\n").contains {
      $0.split(separator: " ").dropFirst().prefix(2) == ["/dev/shm", "tmpfs"]
    }
    if shmIsTmpfs, access("/dev/shm", W_OK) == 0 {
      let tmpfs = "/dev/shm/elfdyn-setrpath-pieces-" + UUID().uuidString
      try FileManager.default.createDirectory(atPath: tmpfs, withIntermediateDirectories: true)
      places.append(tmpfs)
    }
    defer { for place in places.dropFirst() { try? FileManager.default.removeItem(atPath: place) } }
    var results: [Data] = []
    for place in places {
      let target = place + "/edited.so"
      try? FileManager.default.removeItem(atPath: target)
      try FileManager.default.copyItem(atPath: original, toPath: target)
      let done = try elfdyn(["set-rpath", "--rpath", Self.value, target])
      try #require(done.status == 0, "\(place): \(done.stderr)")
      let printed = try elfdyn(["set-rpath", "--print", target])
      #expect(printed.stdout.contains(Self.value), "\(place): \(printed.stdout)")
      let after = [UInt8](try #require(FileManager.default.contents(atPath: target)))
      try #require(after.count > before.count, "\(place): the file did not grow")
      #expect(
        Data(after[marked]) == Data(before[marked]),
        "\(place): the bytes around the 64 MiB piece boundary changed")
      // 4 KiB blocks of the original that differ (memcmp: a debug build compares 64 MiB slowly).
      let block = 4096
      let changed = before.withUnsafeBytes { old in
        after.withUnsafeBytes { new in
          stride(from: 0, to: before.count, by: block).filter { start in
            guard let a = old.baseAddress, let b = new.baseAddress else { return true }
            return memcmp(a + start, b + start, min(block, before.count - start)) != 0
          }.count
        }
      }
      #expect(changed <= 8, "\(place): \(changed) blocks of 4 KiB of the original changed")
      let leftovers = try FileManager.default.contentsOfDirectory(atPath: place).filter {
        $0 != "edited.so" && $0 != "big.c" && $0 != "libbig.so"
      }
      #expect(leftovers.isEmpty, "\(place): temporary files left behind: \(leftovers)")
      results.append(Data(after))
    }
    if results.count == 2 { #expect(results[0] == results[1], "tmpfs and \(dir) give different files") }
  }

  @Test func twoRunsAtOnceLeaveOneOfTheResults() throws {
    let dir = try temporaryDirectory("elfdyn-setrpath-race")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let original = try Self.bigLibrary(in: dir)
    let values = [Self.value, "$ORIGIN/" + String(repeating: "other/", count: 40) + "lib"]
    // The runs take a lock, so one goes first and the other edits its result: the file ends as
    // either edit alone (the other found nothing to do) or one after the other, never a mix.
    var results: [Data] = []
    for (i, value) in values.enumerated() {
      let copy = dir + "/expected-\(i).so"
      try FileManager.default.copyItem(atPath: original, toPath: copy)
      #expect(try elfdyn(["set-rpath", "--rpath", value, copy]).status == 0)
      results.append(try #require(FileManager.default.contents(atPath: copy)))
      let then = dir + "/expected-\(i)-then.so"
      try FileManager.default.copyItem(atPath: copy, toPath: then)
      #expect(try elfdyn(["set-rpath", "--rpath", values[1 - i], then]).status == 0)
      results.append(try #require(FileManager.default.contents(atPath: then)))
    }
    for round in 0..<3 {
      let target = dir + "/shared.so"
      try? FileManager.default.removeItem(atPath: target)
      try FileManager.default.copyItem(atPath: original, toPath: target)
      let processes = try values.enumerated().map { (i, value) -> (Process, String) in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Fixtures.elfdyn)
        process.arguments = ["set-rpath", "--rpath", value] + (round == 2 ? ["--in-place"] : []) + [target]
        process.standardOutput = FileHandle.nullDevice
        let log = dir + "/stderr-\(round)-\(i)"
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        return (process, log)
      }
      for (process, _) in processes { try process.run() }
      for (process, log) in processes {
        process.waitUntilExit()
        let stderr = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "round \(round): a concurrent run failed: \(stderr)")
      }
      let final = try #require(FileManager.default.contents(atPath: target))
      #expect(results.contains(final), "round \(round): the file is not the result of the two edits in some order")
    }
  }

  /// A run that edits a file in place holds its lock while the file is half-written: another run
  /// waits for it instead of reading the half-written file (which it would report as malformed),
  /// whether it writes in place or by replacing the file.
  @Test(arguments: [false, true])
  func aFileBeingEditedInPlaceIsReadOnlyWhenTheEditIsDone(inPlace: Bool) throws {
    let dir = try temporaryDirectory("elfdyn-setrpath-locked")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let source = dir + "/small.c"
    try "int answer(void) { return 42; }\n".write(toFile: source, atomically: true, encoding: .utf8)
    let target = dir + "/libsmall.so"
    let cc = try run("/usr/bin/gcc", ["-shared", "-fPIC", "-o", target, source], timeout: 120)
    try #require(cc.status == 0, "\(cc.stderr)")
    let original = try #require(FileManager.default.contents(atPath: target))
    // As an in-place edit in progress: locked, with its ELF header not (yet) written.
    let fd = open(target, O_RDWR)
    try #require(fd >= 0)
    defer { close(fd) }
    try #require(flock(fd, LOCK_EX) == 0)
    let garbage = [UInt8](repeating: 0xAA, count: 64)
    try #require(pwrite(fd, garbage, garbage.count, 0) == garbage.count)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Fixtures.elfdyn)
    process.arguments = ["set-rpath", "--rpath", Self.value] + (inPlace ? ["--in-place"] : []) + [target]
    let errors = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errors
    try process.run()
    usleep(300_000)
    #expect(process.isRunning, "set-rpath did not wait for the lock")
    // The edit in progress ends: the header is back, the lock released.
    original.prefix(64).withUnsafeBytes { header in _ = pwrite(fd, header.baseAddress, 64, 0) }
    flock(fd, LOCK_UN)
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(stderr)")
    let printed = try elfdyn(["set-rpath", "--print", target])
    #expect(printed.stdout.contains(Self.value), "\(printed.stdout)")
  }
}
