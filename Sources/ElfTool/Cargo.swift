#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A Cargo build's output directory (`target/<profile>`), as `cargo run` would load its binaries:
/// with `deps/` and the active Rust toolchain's library directory on the library path.
public struct CargoTarget: Sendable {
  public var profileDirectory: String
  public var deps: String
  /// Every ELF executable and shared library of the profile directory, `deps/` and `examples/`.
  public var binaries: [String]
  public var rustLibraryDirectories: [String]

  /// Finds `./target/<profile>` (or `$CARGO_TARGET_DIR/<profile>`).
  public static func locate(profile: String, environment: [String: String] = currentEnvironment())
    throws(ElfError) -> CargoTarget
  {
    let target = environment["CARGO_TARGET_DIR"] ?? "target"
    let directory = Paths.join(target, profile)
    guard isDirectory(directory) else {
      throw ElfError(
        directory, .usage,
        "no Cargo target directory here (run `cargo build` first, or name the files to check)")
    }
    // Cargo hard-links each binary and dylib of deps/ into the profile directory: check each file
    // once, under its name in the profile directory (listed first).
    var binaries: [String] = []
    var seen = Set<FileID>()
    for sub in ["", "deps", "examples"] {
      for path in ElfFinder.binaries(in: sub.isEmpty ? directory : Paths.join(directory, sub)) {
        var st = stat()
        guard stat(path, &st) == 0 else { continue }
        let id = FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        if seen.insert(id).inserted { binaries.append(path) }
      }
    }
    return CargoTarget(
      profileDirectory: directory, deps: Paths.join(directory, "deps"), binaries: binaries,
      rustLibraryDirectories: rustTargetLibraryDirectory().map { [$0] } ?? [])
  }

  /// `rustc --print target-libdir` of the active toolchain, nil without rustc.
  public static func rustTargetLibraryDirectory() -> String? {
    guard let output = Subprocess.output(["rustc", "--print", "target-libdir"]) else { return nil }
    let line = output.split(separator: "\n").first.map(String.init) ?? ""
    return line.hasPrefix("/") && isDirectory(line) ? line : nil
  }
}

/// Finds ELF executables and shared libraries in a directory.
public enum ElfFinder {
  /// The dynamic ELF executables and shared libraries directly in `directory`, sorted by name
  /// (symbolic links to files in the same directory are left out: their targets are listed).
  public static func binaries(in directory: String) -> [String] {
    var result: [String] = []
    for name in listDirectory(directory).sorted() {
      let path = Paths.join(directory, name)
      var st = stat()
      guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size >= 64 else { continue }
      guard let head = readHead(path, 20), head.count == 20, head[0] == 0x7f, head[1] == 0x45, head[2] == 0x4c,
        head[3] == 0x46
      else { continue }
      let type = head[5] == 2 ? UInt16(head[16]) << 8 | UInt16(head[17]) : UInt16(head[16]) | UInt16(head[17]) << 8
      if type == 2 || type == 3 { result.append(path) }
    }
    return result
  }

  static func readHead(_ path: String, _ count: Int) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: count)
    let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, 0) }
    return n < 0 ? nil : Array(buffer.prefix(n))
  }
}

/// Whether the path names a directory (following symbolic links).
public func isDirectoryPath(_ path: String) -> Bool { isDirectory(path) }

/// The process environment as a dictionary.
public func currentEnvironment() -> [String: String] {
  var result: [String: String] = [:]
  var pointer = environ
  while let entry = pointer.pointee {
    let text = String(cString: entry)
    if let equals = text.firstIndex(of: "=") {
      result[String(text[..<equals])] = String(text[text.index(after: equals)...])
    }
    pointer += 1
  }
  return result
}

/// Runs a program found on PATH and captures its standard output.
enum Subprocess {
  static func output(_ arguments: [String]) -> String? {
    var pipe: [Int32] = [0, 0]
    guard Glibc.pipe(&pipe) == 0 else { return nil }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
    posix_spawn_file_actions_addclose(&actions, pipe[0])
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
    argv.append(nil)
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let status = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
    close(pipe[1])
    guard status == 0 else {
      close(pipe[0])
      return nil
    }
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = buffer.withUnsafeMutableBytes { read(pipe[0], $0.baseAddress, 4096) }
      if n <= 0 { break }
      output += buffer[0..<n]
      if output.count > 1 << 20 { break }
    }
    close(pipe[0])
    var exitStatus: Int32 = 0
    waitpid(pid, &exitStatus, 0)
    guard exitStatus == 0 else { return nil }
    return String(decoding: output, as: UTF8.self)
  }
}
