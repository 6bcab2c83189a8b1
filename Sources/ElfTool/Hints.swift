#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Where a library that the loader would not find actually is, and what to do about it: the Rust
/// toolchain's library directory for `libstd-<hash>.so`, a Cargo build's `target/<profile>/deps`,
/// or any directory next to the objects involved. A hint, never a found library.
public struct MissingLibraryHints {
  let environment: [String: String]
  let currentDirectory: String

  public init(environment: [String: String], currentDirectory: String) {
    self.environment = environment
    self.currentDirectory = currentDirectory
  }

  /// A sentence for the missing object at `index`, nil when elfdyn has nothing useful to say.
  public func hint(for index: Int, in graph: LoadGraph) -> String? {
    let object = graph.objects[index]
    guard object.via == .notFound else { return nil }
    let name = object.name
    guard !name.contains("/") else { return nil }
    if Self.isRustRuntime(name) {
      for (toolchain, dir) in rustLibraryDirectories() where exists(Paths.join(dir, name)) {
        return "\(name) is the Rust standard library of toolchain \(toolchain), in \(dir); "
          + "run `elfdyn set-rpath` to record its directory in the runpath, or set LD_LIBRARY_PATH=\(dir)"
      }
      return "\(name) is a Rust standard library that no installed toolchain has (rebuild with the "
        + "active toolchain, or install the one that built it)"
    }
    for dir in candidateDirectories(for: index, in: graph) where exists(Paths.join(dir, name)) {
      let cargo = dir.hasSuffix("/deps") ? " (a Cargo build's output)" : ""
      return "\(name) is in \(dir)\(cargo), which is not on the search path; "
        + "run `elfdyn set-rpath` to record it in the runpath, or set LD_LIBRARY_PATH=\(dir)"
    }
    return nil
  }

  /// libstd-<hash>.so, libtest-<hash>.so, librustc_driver-<hash>.so and the like.
  static func isRustRuntime(_ name: String) -> Bool {
    for prefix in ["libstd-", "libtest-", "librustc_driver-", "libproc_macro-"] where name.hasPrefix(prefix) {
      return name.hasSuffix(".so")
    }
    return false
  }

  /// Directories near the input and the needing objects, and the Cargo target directories.
  func candidateDirectories(for index: Int, in graph: LoadGraph) -> [String] {
    var dirs: [String] = []
    func add(_ dir: String) { if !dirs.contains(dir) { dirs.append(dir) } }
    let object = graph.objects[index]
    var owners = object.neededBy
    owners.append(0)
    for owner in owners {
      guard let path = graph.objects[owner].hostPath else { continue }
      let dir = Paths.directory(of: path, cwd: currentDirectory)
      // A Cargo target directory has every dylib in deps/ (and hard links of some beside the
      // binaries): deps/ is where rustc links from, so name it first.
      add(Paths.join(dir, "deps"))
      add(dir)
      if dir.hasSuffix("/deps") || dir.hasSuffix("/examples") {
        add(Paths.directory(of: dir, cwd: currentDirectory))
      }
    }
    let targetDir = environment["CARGO_TARGET_DIR"] ?? Paths.join(currentDirectory, "target")
    for profile in ["debug", "release"] {
      add(Paths.join(Paths.join(targetDir, profile), "deps"))
    }
    return dirs
  }

  /// (toolchain name, library directory) for every rustup toolchain and the rustc on PATH.
  func rustLibraryDirectories() -> [(String, String)] {
    var result: [(String, String)] = []
    let home = environment["HOME"] ?? "/root"
    let rustupHome = environment["RUSTUP_HOME"] ?? Paths.join(home, ".rustup")
    let toolchains = Paths.join(rustupHome, "toolchains")
    for toolchain in listDirectory(toolchains).sorted() {
      let rustlib = Paths.join(Paths.join(toolchains, toolchain), "lib/rustlib")
      for target in listDirectory(rustlib).sorted() where isDirectory(Paths.join(Paths.join(rustlib, target), "lib")) {
        result.append((toolchain, Paths.join(Paths.join(rustlib, target), "lib")))
      }
    }
    for dir in (environment["PATH"] ?? "").split(separator: ":").map(String.init) {
      let rustc = Paths.join(dir, "rustc")
      guard exists(rustc), let real = Paths.realPath(rustc) else { continue }
      let prefix = Paths.directory(of: Paths.directory(of: real, cwd: "/"), cwd: "/")
      let rustlib = Paths.join(prefix, "lib/rustlib")
      for target in listDirectory(rustlib).sorted() where isDirectory(Paths.join(Paths.join(rustlib, target), "lib")) {
        let dir = Paths.join(Paths.join(rustlib, target), "lib")
        if !result.contains(where: { $0.1 == dir }) { result.append((prefix, dir)) }
      }
      break
    }
    return result
  }
}

func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// The names in a directory, without "." and "..", empty when it cannot be read.
func listDirectory(_ path: String) -> [String] {
  guard let dir = opendir(path) else { return [] }
  defer { closedir(dir) }
  var names: [String] = []
  while let entry = readdir(dir) {
    // d_name is as long as the name, not sizeof(d_name): read it up to its NUL only (found by
    // AddressSanitizer through the fuzz target).
    let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
      pointer.withMemoryRebound(to: CChar.self, capacity: 1) { String(cString: $0) }
    }
    if name != "." && name != ".." { names.append(name) }
  }
  return names
}
