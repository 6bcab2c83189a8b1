import Foundation
import Testing

@testable import ElfTool

/// Malformed input in bulk: the committed regression corpus (Tests/Corpus, where `make fuzz`
/// writes what it finds) and generated mutations of real files. Every command ends by itself with
/// 0, 1 or 2, within a time bound and an address-space bound, and exit 2 comes with a one-line
/// message that names the file.
@Suite struct MutationTests {
  /// A deterministic generator (SplitMix64), so a failure can be reproduced.
  struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
  }

  /// Files to mutate: a small x86-64 program and libraries of other classes and byte orders.
  static func seeds() -> [String] {
    var seeds = ["/usr/bin/true"]
    if let dir = Fixtures.testBinaries {
      for candidate in [
        "/demo/project/target/debug/app", "/demo/project/target/debug/deps/libgreet.so",
        "/tree/cycle/lib/liba.so",
      ] where FileManager.default.fileExists(atPath: dir + candidate) {
        seeds.append(dir + candidate)
      }
      // Foreign files (other machines, 32-bit, big-endian) from the loader corpus.
      if let enumerator = FileManager.default.enumerator(atPath: dir + "/tree/wrong_class_machine") {
        for case let name as String in enumerator where name.hasSuffix(".so") {
          seeds.append(dir + "/tree/wrong_class_machine/" + name)
        }
      }
    }
    return seeds
  }

  /// Where the interesting structures are, read by hand for ELF64/ELF32 of either byte order.
  struct Layout {
    var bytes: [UInt8]
    var is64: Bool { bytes.count > 4 && bytes[4] == 2 }
    var big: Bool { bytes.count > 5 && bytes[5] == 2 }
    func read(_ at: Int, _ size: Int) -> Int {
      guard at >= 0, at + size <= bytes.count else { return 0 }
      var value: UInt64 = 0
      for i in 0..<size {
        let byte = UInt64(bytes[big ? at + i : at + size - 1 - i])
        value = value << 8 | byte
      }
      return Int(truncatingIfNeeded: value)
    }
    var phoff: Int { is64 ? read(0x20, 8) : read(0x1c, 4) }
    var phentsize: Int { is64 ? 56 : 32 }
    var phnum: Int { is64 ? read(0x38, 2) : read(0x2c, 2) }
    /// (offset, size) of PT_DYNAMIC's file image.
    var dynamic: (Int, Int)? {
      for i in 0..<min(phnum, 64) {
        let at = phoff + i * phentsize
        if read(at, 4) == 2 {
          return is64 ? (read(at + 8, 8), read(at + 32, 8)) : (read(at + 4, 4), read(at + 16, 4))
        }
      }
      return nil
    }
  }

  /// The mutations of one seed: truncations, random bytes in each structure, absurd values.
  static func mutations(of data: [UInt8], seed: UInt64) -> [(String, [UInt8])] {
    var random = Random(state: seed)
    var result: [(String, [UInt8])] = []
    let layout = Layout(bytes: data)
    for length in [0, 1, 3, 4, 5, 16, 51, 52, 63, 64, 65, 100, 200, 500, 1024, 4096]
      + (0..<8).map({ _ in random.below(data.count) })
    where length < data.count {
      result.append(("truncated-\(length)", Array(data.prefix(length))))
    }
    func scramble(_ label: String, _ range: Range<Int>, _ count: Int, _ times: Int) {
      guard !range.isEmpty, range.upperBound <= data.count else { return }
      for n in 0..<times {
        var copy = data
        for _ in 0..<count {
          copy[range.lowerBound + random.below(range.count)] = UInt8(truncatingIfNeeded: random.next())
        }
        result.append(("\(label)-\(n)", copy))
      }
    }
    scramble("header", 0..<min(64, data.count), 2, 16)
    let phEnd = min(data.count, layout.phoff + layout.phnum * layout.phentsize)
    if layout.phoff > 0 && layout.phoff < phEnd { scramble("phdrs", layout.phoff..<phEnd, 3, 24) }
    if let (offset, size) = layout.dynamic, offset > 0, offset + size <= data.count {
      scramble("dynamic", offset..<(offset + size), 2, 40)
      // Every dynamic entry's value set to an absurd one, one entry at a time.
      let entry = layout.is64 ? 16 : 8
      for (i, at) in stride(from: offset, to: offset + size, by: entry).enumerated() where i < 40 {
        var copy = data
        let valueAt = at + entry / 2
        for k in 0..<(entry / 2) { copy[valueAt + k] = k == 0 || k == entry / 2 - 1 ? 0x7f : 0xff }
        result.append(("dynamic-absurd-\(i)", copy))
      }
    }
    // Huge p_filesz and p_offset for every program header.
    for i in 0..<min(layout.phnum, 16) {
      let at = layout.phoff + i * layout.phentsize
      let field = layout.is64 ? at + 32 : at + 16
      let width = layout.is64 ? 8 : 4
      guard field + width <= data.count else { continue }
      var copy = data
      for k in 0..<width { copy[field + k] = 0xff }
      copy[layout.big ? field : field + width - 1] = 0x7f
      result.append(("filesz-\(i)", copy))
    }
    // p_offset and p_vaddr near 2^64 for every program header: sums with them must not overflow.
    for i in 0..<min(layout.phnum, 16) {
      let at = layout.phoff + i * layout.phentsize
      let width = layout.is64 ? 8 : 4
      for (label, field) in [("offset", layout.is64 ? at + 8 : at + 4), ("vaddr", layout.is64 ? at + 16 : at + 8)] {
        guard field + width <= data.count else { continue }
        var copy = data
        for k in 0..<width { copy[field + k] = 0xff }
        copy[layout.big ? field + width - 1 : field] = 0xf0
        result.append(("\(label)-\(i)", copy))
      }
    }
    // An absurd program header count.
    if data.count > 0x3a && layout.is64 {
      var copy = data
      copy[0x38] = 0xff
      copy[0x39] = 0xff
      result.append(("phnum", copy))
    }
    return result
  }

  /// Runs one command under a 1 GiB address-space limit and checks how it ended.
  static func expectWellBehaved(_ arguments: [String], file: String, label: String) throws {
    let result = try run("/usr/bin/prlimit", ["--as=1073741824", "--", Fixtures.elfdyn] + arguments, timeout: 20)
    #expect([0, 1, 2].contains(result.status), "\(label): \(arguments) ended with \(result.status): \(result.stderr)")
    if result.status == 2 {
      let lines = result.stderr.split(separator: "\n")
      #expect(!lines.isEmpty && lines.allSatisfy { $0.contains(file) }, "\(label): \(result.stderr)")
    }
  }

  @Test func regressionCorpus() throws {
    let dir = Fixtures.packageRoot + "/Tests/Corpus"
    let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0 != "README.md" }.sorted()
    let work = try temporaryDirectory("elfdyn-corpus")
    defer { try? FileManager.default.removeItem(atPath: work) }
    for name in names {
      let path = dir + "/" + name
      try Self.expectWellBehaved(["tree", "--format", "json", path], file: path, label: name)
      try Self.expectWellBehaved(["check-undefined", "--strict", path], file: path, label: name)
      // set-rpath on a copy: fixed and readable, or not changed at all.
      let copy = work + "/" + name
      try FileManager.default.copyItem(atPath: path, toPath: copy)
      let before = try #require(FileManager.default.contents(atPath: copy))
      try Self.expectWellBehaved(["set-rpath", "--rpath", SetRpathSafetyTests.value, copy], file: copy, label: name)
      let after = try #require(FileManager.default.contents(atPath: copy))
      if after != before {
        #expect(try elfdyn(["set-rpath", "--print", copy]).stdout.contains(SetRpathSafetyTests.value), "\(name)")
      }
    }
  }

  @Test(arguments: seeds())
  func mutationsOfRealFiles(_ seed: String) throws {
    let data = try #require(FileManager.default.contents(atPath: seed))
    let dir = try temporaryDirectory("elfdyn-mutations")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let mutations = Self.mutations(of: [UInt8](data), seed: UInt64(truncatingIfNeeded: seed.hashValue & 0xffff) | 1)
    #expect(mutations.count > 50)
    var paths: [String] = []
    for (label, bytes) in mutations {
      let path = dir + "/" + label
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      paths.append(path)
    }
    // Each file alone (so exit 2 names exactly it), in the three output formats of tree.
    for path in paths {
      let label = Paths.basename(seed) + "/" + Paths.basename(path)
      try Self.expectWellBehaved(["tree", path], file: path, label: label)
      try Self.expectWellBehaved(["check-undefined", "--strict", "--format", "json", path], file: path, label: label)
    }
    // All at once through one process: one bad file does not stop the others.
    let all = try run(
      "/usr/bin/prlimit", ["--as=1073741824", "--", Fixtures.elfdyn, "tree", "--format", "json"] + paths, timeout: 60)
    #expect([0, 1, 2].contains(all.status))
  }
}
