/// Where a library that the loader would not find actually is: the Rust toolchain's library
/// directory for `libstd-<hash>.so`, a Cargo build's `target/<profile>/deps`, or a directory next
/// to the objects involved. A fact for a hint, never a found library.
public enum LibraryLocation: Sendable, Equatable {
  /// A Rust standard library of the toolchain `toolchain`, in `directory`.
  case rustToolchain(toolchain: String, directory: String)
  /// A Rust standard library that no installed toolchain has.
  case rustToolchainMissing
  /// In `directory`, which is not on the search path; `cargoDeps`: a Cargo build's deps/.
  case directory(String, cargoDeps: Bool)
}

extension LibraryLocation {
  /// The file `name` is at this location, nil when no installed toolchain has it.
  public func path(of name: String) -> String? {
    switch self {
    case .rustToolchain(_, let directory), .directory(let directory, _): return Paths.join(directory, name)
    case .rustToolchainMissing: return nil
    }
  }
}

/// Finds where missing libraries are.
public struct MissingLibraryFinder: Sendable {
  let environment: [String: String]
  let currentDirectory: String

  /// A finder that reads Cargo and rustup settings from `environment`.
  public init(environment: [String: String], currentDirectory: String) {
    self.environment = environment
    self.currentDirectory = currentDirectory
  }

  /// Where the missing object at `index` of `graph` is, nil when elfdyn does not know.
  public func location(of index: Int, in graph: LoadGraph) -> LibraryLocation? {
    let object = graph.objects[index]
    guard object.via == .notFound else { return nil }
    let name = object.name
    guard !name.contains("/") else { return nil }
    if RustToolchains.isRuntimeLibrary(name) {
      for (toolchain, dir) in RustToolchains.all(environment: environment) where exists(Paths.join(dir, name)) {
        return .rustToolchain(toolchain: toolchain, directory: dir)
      }
      return .rustToolchainMissing
    }
    for dir in candidateDirectories(for: index, in: graph) where exists(Paths.join(dir, name)) {
      return .directory(dir, cargoDeps: dir.hasSuffix("/deps"))
    }
    return nil
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
      // An installation prefix: PREFIX/bin/prog with its libraries in PREFIX/lib (or lib64).
      let parent = Paths.directory(of: dir, cwd: currentDirectory)
      for sibling in ["lib", "lib64"] where parent != dir { add(Paths.join(parent, sibling)) }
    }
    let targetDir = CargoProject.targetDirectory(environment: environment, cwd: currentDirectory)
    for profile in ["dev", "release"] {
      add(Paths.join(Paths.join(targetDir, CargoProject.profileDirectoryName(profile)), "deps"))
    }
    return dirs
  }
}
