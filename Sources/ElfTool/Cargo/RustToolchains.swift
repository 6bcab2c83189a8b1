/// The Rust toolchains installed here (rustup's and the rustc on PATH), their library directories
/// (where `libstd-<hash>.so` lives), and which one is active.
enum RustToolchains {
  /// libstd-<hash>.so, libtest-<hash>.so, librustc_driver-<hash>.so and the like.
  static func isRuntimeLibrary(_ name: String) -> Bool {
    for prefix in ["libstd-", "libtest-", "librustc_driver-", "libproc_macro-"] where name.hasPrefix(prefix) {
      return name.hasSuffix(".so")
    }
    return false
  }

  /// (toolchain name, library directory) for every rustup toolchain and the rustc on PATH.
  static func all(environment: [String: String]) -> [(toolchain: String, directory: String)] {
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

  /// The library directories of the installed toolchains, the active one first (RUSTUP_TOOLCHAIN,
  /// a rust-toolchain file, rustup's default).
  static func libraryDirectories(environment: [String: String], cwd: String) -> [String] {
    let all = all(environment: environment)
    guard let active = activeToolchain(environment: environment, cwd: cwd) else { return all.map(\.directory) }
    let preferred = all.filter { $0.toolchain == active || $0.toolchain.hasPrefix(active + "-") }.map(\.directory)
    return preferred + all.map(\.directory).filter { !preferred.contains($0) }
  }

  static func activeToolchain(environment: [String: String], cwd: String) -> String? {
    if let name = environment["RUSTUP_TOOLCHAIN"], !name.isEmpty { return name }
    var dir = cwd
    while true {
      for file in ["rust-toolchain.toml", "rust-toolchain"] {
        if let bytes = readWholeFile(Paths.join(dir, file), limit: 65536) {
          let text = String(decoding: bytes, as: UTF8.self)
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
    if let bytes = readWholeFile(Paths.join(rustupHome, "settings.toml"), limit: 65536) {
      return tomlString(String(decoding: bytes, as: UTF8.self), key: "default_toolchain")
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
}

extension String {
  func trimmingWhitespace() -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
    return String(self.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
  }
}
