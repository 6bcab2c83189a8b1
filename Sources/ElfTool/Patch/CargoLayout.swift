#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Where a Cargo build puts things: `target/<profile>`, its `deps/` and `examples/`, and the active
/// Rust toolchain's library directory (libstd-<hash>.so).
enum CargoLayout {
  /// CARGO_TARGET_DIR, else ./target.
  static func targetDirectory(environment: [String: String], cwd: String) -> String {
    if let dir = environment["CARGO_TARGET_DIR"], !dir.isEmpty {
      return dir.hasPrefix("/") ? dir : Paths.join(cwd, dir)
    }
    return Paths.join(cwd, "target")
  }

  /// The directory name of a profile: dev and test build into debug, release and bench into release.
  static func profileDirectory(_ profile: String?) -> String {
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
      for name in listDirectory(dir).sorted() {
        let path = Paths.join(dir, name)
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
        guard isDynamicELF(path) else { continue }
        result.append(path)
      }
    }
    return result
  }

  private static func isDynamicELF(_ path: String) -> Bool {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    var magic = [UInt8](repeating: 0, count: 4)
    let n = magic.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4) }
    close(fd)
    guard n == 4, magic == [0x7f, 0x45, 0x4c, 0x46] else { return false }
    guard let file = try? ElfFile(path: path), file.dynamic != nil else { return false }
    switch file.identity.type {
    case .executable, .shared: return true
    default: return false
    }
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

  /// The library directories of the installed Rust toolchains, the active one first (RUSTUP_TOOLCHAIN,
  /// a rust-toolchain file, rustup's default).
  static func rustLibraryDirectories(environment: [String: String], cwd: String) -> [String] {
    let hints = MissingLibraryHints(environment: environment, currentDirectory: cwd)
    let all = hints.rustLibraryDirectories()
    let host = "x86_64-unknown-linux-gnu"
    guard let active = activeToolchain(environment: environment, cwd: cwd) else { return all.map(\.1) }
    let preferred = all.filter { $0.0 == active || $0.0.hasPrefix(active + "-") }.map(\.1)
    _ = host
    return preferred + all.map(\.1).filter { !preferred.contains($0) }
  }

  static func activeToolchain(environment: [String: String], cwd: String) -> String? {
    if let name = environment["RUSTUP_TOOLCHAIN"], !name.isEmpty { return name }
    var dir = cwd
    while true {
      for file in ["rust-toolchain.toml", "rust-toolchain"] {
        if let text = readSmallFile(Paths.join(dir, file)) {
          if let channel = tomlString(text, key: "channel") { return channel }
          let line = text.split(separator: "\n").first.map(String.init) ?? ""
          if !line.contains("=") && !line.isEmpty { return line.trimmingWhitespace() }
        }
      }
      if dir == "/" || dir.isEmpty { break }
      dir = Paths.directory(of: dir, cwd: "/")
    }
    let home = environment["HOME"] ?? "/root"
    let rustupHome = environment["RUSTUP_HOME"] ?? Paths.join(home, ".rustup")
    if let text = readSmallFile(Paths.join(rustupHome, "settings.toml")) {
      return tomlString(text, key: "default_toolchain")
    }
    return nil
  }

  /// The quoted value of `key = "value"` in a small TOML text.
  static func tomlString(_ text: String, key: String) -> String? {
    for line in text.split(separator: "\n") {
      let trimmed = String(line).trimmingWhitespace()
      guard trimmed.hasPrefix(key) else { continue }
      let rest = trimmed.dropFirst(key.count).drop(while: { $0 == " " })
      guard rest.hasPrefix("=") else { continue }
      let value = rest.dropFirst().drop(while: { $0 == " " })
      guard value.hasPrefix("\"") else { continue }
      let inner = value.dropFirst()
      if let end = inner.firstIndex(of: "\"") { return String(inner[..<end]) }
    }
    return nil
  }

  static func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 65536)
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard n >= 0 else { return nil }
    return String(decoding: buffer[..<n], as: UTF8.self)
  }
}

extension String {
  func trimmingWhitespace() -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
    return String(self.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
  }
}
