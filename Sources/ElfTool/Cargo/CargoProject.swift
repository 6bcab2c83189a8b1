// Everything elfdyn knows about Cargo projects: where `cargo build` puts its outputs, the one rule
// that maps a profile to its directory, and which archives build scripts leave.

/// A Cargo build's output directory (`target/<profile>`), as `cargo run` would load its binaries:
/// with `deps/` and the active Rust toolchain's library directory on the library path.
public struct CargoTarget: Sendable {
  /// `target/<profile directory>`.
  public var profileDirectory: String
  /// `target/<profile directory>/deps`.
  public var deps: String
  /// Every dynamic ELF executable and shared library of the profile directory, `deps/` and
  /// `examples/`, each file once (Cargo hard-links deps/ into the profile directory).
  public var binaries: [String]
  /// The active toolchain's library directory first, then the other installed toolchains'.
  public var rustLibraryDirectories: [String]

  /// Finds `./target/<profile>` (or `$CARGO_TARGET_DIR/<profile>`); `profile` is a Cargo profile
  /// name (dev, release, test, bench, or a custom one), nil for dev.
  public static func locate(profile: String?, environment: [String: String], currentDirectory: String)
    throws(ElfError) -> CargoTarget
  {
    let target = CargoProject.targetDirectory(environment: environment, cwd: currentDirectory)
    let directory = Paths.join(target, CargoProject.profileDirectoryName(profile))
    guard isDirectory(directory) else {
      throw ElfError(
        directory, .usage, "no Cargo build output here (run `cargo build` first, or name the files to use)")
    }
    // Each file once, under its name in the profile directory (listed first).
    var binaries: [String] = []
    var seen = Set<FileID>()
    for path in CargoProject.artifacts(in: directory) {
      guard let id = fileID(path) else { continue }
      if seen.insert(id).inserted { binaries.append(path) }
    }
    return CargoTarget(
      profileDirectory: directory, deps: Paths.join(directory, "deps"), binaries: binaries,
      rustLibraryDirectories: RustToolchains.libraryDirectories(environment: environment, cwd: currentDirectory))
  }
}

extension CargoTarget {
  /// The profile directory name (`debug`, `release`, ...) of the Cargo project in
  /// `currentDirectory` whose output `path` is (in it, or in its deps/ or examples/), nil when it
  /// is not an output of that project.
  public static func profileDirectoryName(
    containing path: String, environment: [String: String], currentDirectory: String
  ) -> String? {
    let target = CargoProject.targetDirectory(environment: environment, cwd: currentDirectory)
    guard let realTarget = Paths.realPath(target),
      let real = Paths.realPath(path.hasPrefix("/") ? path : Paths.join(currentDirectory, path)),
      real.hasPrefix(realTarget + "/")
    else { return nil }
    let rest = real.dropFirst(realTarget.count + 1).split(separator: "/")
    guard rest.count >= 2, rest.count <= 3 else { return nil }
    if rest.count == 3 && rest[1] != "deps" && rest[1] != "examples" { return nil }
    return String(rest[0])
  }
}

/// Where a Cargo build puts things.
enum CargoProject {
  /// CARGO_TARGET_DIR, else ./target.
  static func targetDirectory(environment: [String: String], cwd: String) -> String {
    if let dir = environment["CARGO_TARGET_DIR"], !dir.isEmpty {
      return dir.hasPrefix("/") ? dir : Paths.join(cwd, dir)
    }
    return Paths.join(cwd, "target")
  }

  /// The directory name of a profile, Cargo's rule: dev and test build into debug, release and
  /// bench into release, any other profile into its own name.
  static func profileDirectoryName(_ profile: String?) -> String {
    switch profile ?? "dev" {
    case "dev", "test": return "debug"
    case "bench": return "release"
    case let other: return other
    }
  }

  /// Every dynamically linked executable and shared library in `profileDir`, its `deps/` and
  /// `examples/`, by path (hard links appear under each name).
  static func artifacts(in profileDir: String) -> [String] {
    var result: [String] = []
    for dir in [profileDir, Paths.join(profileDir, "deps"), Paths.join(profileDir, "examples")] {
      result += ElfFinder.binaries(in: dir)
    }
    return result
  }

  /// `target/<profile>/deps` when `directory` is a Cargo profile directory, its deps/ or examples/.
  static func depsDirectory(containing directory: String) -> String? {
    var profile = directory
    let base = Paths.basename(directory)
    if base == "deps" || base == "examples" { profile = Paths.directory(of: directory, cwd: "/") }
    let target = Paths.directory(of: profile, cwd: "/")
    let deps = Paths.join(profile, "deps")
    guard isDirectory(deps),
      exists(Paths.join(target, "CACHEDIR.TAG")) || exists(Paths.join(target, ".rustc_info.json"))
    else { return nil }
    return deps
  }

  /// The Cargo profile directory (one that has `deps/` and `build/`) holding `input`, if any.
  static func profileDirectory(containing input: String, cwd: String) -> String? {
    var dir = Paths.directory(of: Paths.realPath(input) ?? input, cwd: cwd)
    for _ in 0..<4 {
      if isDirectory(Paths.join(dir, "deps")) && isDirectory(Paths.join(dir, "build")) { return dir }
      let parent = Paths.directory(of: dir, cwd: "/")
      if parent == dir { break }
      dir = parent
    }
    return nil
  }

  /// The static archives build scripts left: `build/<crate>-<hash>/out/*.a`.
  static func buildScriptArchives(profileDirectory: String) -> [String] {
    var archives: [String] = []
    let build = Paths.join(profileDirectory, "build")
    for package in listDirectory(build).sorted() {
      let out = Paths.join(Paths.join(build, package), "out")
      archives += listDirectory(out).sorted().filter { $0.hasSuffix(".a") }.map { Paths.join(out, $0) }
    }
    return archives
  }

  /// The Cargo package whose build script made `path` (a file under
  /// `target/<profile>/build/<package>-<hash>/`), nil when the path is not under such a directory.
  public static func buildScriptPackage(of path: String) -> String? {
    let parts = path.split(separator: "/")
    guard let build = parts.lastIndex(of: "build"), build + 1 < parts.count - 1 else { return nil }
    let directory = parts[build + 1]
    guard let dash = directory.lastIndex(of: "-") else { return nil }
    let hash = directory[directory.index(after: dash)...]
    guard hash.count >= 8, hash.allSatisfy(\.isHexDigit) else { return nil }
    return String(directory[..<dash])
  }
}

/// Finds ELF executables and shared libraries in a directory.
public enum ElfFinder {
  /// The dynamic ELF executables and shared libraries directly in `directory`, sorted by name
  /// (symbolic links are left out: their targets are listed where they are).
  public static func binaries(in directory: String) -> [String] {
    var result: [String] = []
    for name in listDirectory(directory).sorted() {
      let path = Paths.join(directory, name)
      guard isRegularFile(path, minimumSize: 64), let identity = ElfFile.probe(path) else { continue }
      if identity.type == .executable || identity.type == .shared { result.append(path) }
    }
    return result
  }
}

/// The files a command works on, as a user names them: files, directories of them, or nothing in
/// a Cargo project (then the profile directory's outputs, with `deps/` and the toolchain's library
/// directory on the library path, as `cargo run` loads them).
public enum Inputs {
  /// The inputs for `files`; adds Cargo's directories to `options.libraryPath` in Cargo mode.
  public static func expand(
    _ files: [String], profile: String?, environment: @autoclosure () -> [String: String],
    options: inout ResolveOptions
  ) throws(ElfError) -> [String] {
    if files.isEmpty {
      let environment = environment()
      let cargo = try CargoTarget.locate(
        profile: profile, environment: environment, currentDirectory: options.currentDirectory)
      options.libraryPath = [cargo.deps] + cargo.rustLibraryDirectories + options.libraryPath
      return cargo.binaries
    }
    var expanded: [String] = []
    for file in files {
      guard isDirectory(file) else {
        expanded.append(file)
        continue
      }
      let found = ElfFinder.binaries(in: file)
      if found.isEmpty {
        throw ElfError(file, .usage, "a directory with no ELF executable or shared library directly in it")
      }
      expanded += found
    }
    return expanded
  }
}

extension ResolveOptions {
  /// The options the loader takes from the environment (`variable` gives a variable's value, nil
  /// when unset): LD_LIBRARY_PATH, and LD_PRELOAD split at spaces and colons as rtld.c splits it.
  public static func fromEnvironment(_ variable: (String) -> String? = environmentVariable) -> ResolveOptions {
    var options = ResolveOptions()
    options.environmentLibraryPath = variable("LD_LIBRARY_PATH")
    if let value = variable("LD_PRELOAD") {
      options.preload = value.split(whereSeparator: { $0 == " " || $0 == ":" }).map(String.init)
    }
    return options
  }
}
