import Foundation
import Testing

@testable import ElfTool

/// `elfdyn tree` agrees with `ldd` on real files of this machine: /usr/bin, /usr/lib and the Swift
/// toolchain in /opt/swift.
@Suite struct RealFilesTests {
  /// A deterministic sample of dynamic ELF files: every file of the listed directories whose first
  /// bytes are ELF, deduplicated by real path, at most `limit` per directory (evenly spaced).
  static func sample(_ directories: [String], limit: Int) -> [String] {
    var result: [String] = []
    var seen = Set<String>()
    for directory in directories {
      guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
      var files: [String] = []
      for name in names.sorted() {
        let path = directory + "/" + name
        guard let real = Paths.realPath(path), !seen.contains(real) else { continue }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: real, isDirectory: &isDir), !isDir.boolValue,
          let handle = FileHandle(forReadingAtPath: real)
        else { continue }
        let head = handle.readData(ofLength: 4)
        try? handle.close()
        guard head == Data([0x7f, 0x45, 0x4c, 0x46]) else { continue }
        seen.insert(real)
        files.append(real)
      }
      let step = max(1, files.count / limit)
      result += stride(from: 0, to: files.count, by: step).prefix(limit).map { files[$0] }
    }
    return result
  }

  /// Every dynamic ELF file of these directories (about 1,300 here): each one is compared.
  static let files = sample(
    [
      "/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu", "/opt/swift/usr/bin", "/opt/swift/usr/lib/swift/linux",
      "/usr/lib/python3.11/lib-dynload",
    ], limit: 100_000)

  @Test func sampleIsLargeEnough() {
    #expect(Self.files.count >= 500, "only \(Self.files.count) ELF files found to compare")
  }

  @Test(arguments: files)
  func agreesWithLdd(_ file: String) throws {
    let (expected, lddRun) = try ldd(file)
    // Static executables and files ldd cannot handle are out of scope here.
    guard lddRun.status == 0, !expected.isEmpty, !lddRun.stdout.contains("statically linked") else { return }
    let (tree, result) = try treeJSON(file)
    let interpreter = tree.interpreter ?? "/lib64/ld-linux-x86-64.so.2"
    func normal(_ entries: [LddEntry]) -> [LddEntry] {
      entries.filter { $0.path != interpreter && $0.name != interpreter }
    }
    #expect(normal(tree.entries) == normal(expected), "\(file)\nelfdyn: \(result.stdout)\nldd: \(lddRun.stdout)")
    let missing = expected.contains { $0.path == nil }
    #expect(result.status == (missing ? 1 : 0), "\(file): exit status \(result.status)")
  }
}
