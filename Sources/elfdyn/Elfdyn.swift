import ArgumentParser
import ElfTool
import ElfdynOutput

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

@main
struct Elfdyn: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "elfdyn",
    abstract: "See which libraries an ELF program loads and why, find unresolved symbols, fix runpaths.",
    discussion: """
      elfdyn reads ELF files; it never runs them. It resolves libraries exactly as the program's own \
      loader would: glibc's (DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH, /etc/ld.so.cache, default \
      directories) or musl's (LD_LIBRARY_PATH, the runpaths of the loading chain, the path file), \
      chosen from PT_INTERP.

      Exit status: 0 everything found, 1 something not found or not loadable, 2 bad input or usage.
      """,
    version: "0.1.0",
    subcommands: [Tree.self, CheckUndefined.self, SetRpath.self, Bundle.self, Versions.self, Conflicts.self],
    defaultSubcommand: nil
  )

  /// Runs the command; usage errors exit with status 2 (not ArgumentParser's 64), like every other
  /// kind of bad input.
  static func main() {
    growHeapsInLargeSteps()
    let arguments = withDefaultSubcommand(CommandLine.arguments)
    // tree and check-undefined in their plain forms skip ArgumentParser (about 4 ms of start-up).
    FastPath.run(arguments)
    do {
      var command = try parseAsRoot(Array(arguments.dropFirst()))
      try command.run()
    } catch let error as ElfError {
      printError(error.description)
      Glibc.exit(2)
    } catch {
      let code = exitCode(for: error)
      if code.rawValue == 64 {
        printError(fullMessage(for: error))
        Glibc.exit(2)
      }
      exit(withError: error)
    }
  }
}

extension Elfdyn {
  /// The subcommands by name.
  static let subcommandNames = ["tree", "check-undefined", "set-rpath", "bundle", "versions", "conflicts", "help"]

  /// `elfdyn FILE...` and `elfdyn --flat FILE...` mean `elfdyn tree ...`, as `ldd FILE` does. A
  /// first argument that is neither a subcommand, an option of elfdyn itself nor a file, but close
  /// to a subcommand's name, is a usage error with a suggestion.
  static func withDefaultSubcommand(_ arguments: [String]) -> [String] {
    guard arguments.count >= 2 else { return arguments }
    let first = arguments[1]
    let own = ["-h", "--help", "--version", "--generate-completion-script", "--experimental-dump-help"]
    if subcommandNames.contains(first) || own.contains(where: { first == $0 || first.hasPrefix($0 + "=") }) {
      return arguments
    }
    if !first.hasPrefix("-") && access(first, F_OK) != 0 && !first.contains("/") {
      let near = subcommandNames.filter { editDistance(first, $0) <= 2 || $0.hasPrefix(first) }
      if !near.isEmpty {
        printError(
          "'\(first)' is not a subcommand; did you mean \(near.map { "'\($0)'" }.joined(separator: " or "))? "
            + "(see 'elfdyn --help')")
        Glibc.exit(2)
      }
    }
    return [arguments[0], "tree"] + arguments.dropFirst()
  }

  /// Levenshtein distance, for "did you mean".
  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8)
    let b = Array(b.utf8)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      var current = [i] + [Int](repeating: 0, count: b.count)
      for j in 1...max(b.count, 1) where !b.isEmpty {
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
  }
}

/// Writes one error line with the one prefix, `elfdyn: ` (ArgumentParser's "Error: " included).
func printError(_ message: String) {
  var text = message
  if text.hasPrefix("Error: ") { text = String(text.dropFirst("Error: ".count)) }
  if !text.hasPrefix("elfdyn:") && !text.hasPrefix("Usage:") { text = "elfdyn: " + text }
  if !text.hasSuffix("\n") { text += "\n" }
  writeAll(2, text)
}

/// The results of the inputs that could be read, in input order; each error is printed, and
/// `failed` says whether there was one (exit status 2).
func collect<T>(_ outcomes: [Result<T, ElfError>]) -> (results: [T], failed: Bool) {
  var results: [T] = []
  var failed = false
  for outcome in outcomes {
    switch outcome {
    case .success(let result): results.append(result)
    case .failure(let error):
      printError(error.description)
      failed = true
    }
  }
  return (results, failed)
}

/// Writes the one JSON document of a run, `{"results": [...]}`: the same shape for one input or
/// many.
func writeResultsDocument(_ results: [JSONValue]) {
  writeJSON(JSONValue.object([("results", .array(results))]))
}

/// Writes to standard output without Foundation, in as few calls as possible.
func write(_ text: String) { writeAll(1, text) }

/// Writes a JSON document and a newline to standard output.
func writeJSON(_ value: JSONValue) {
  var bytes = value.serializedBytes()
  bytes.append(10)
  writeBytes(bytes)
}

/// Writes UTF-8 bytes to standard output.
func writeBytes(_ bytes: [UInt8]) { bytes.withUnsafeBytes { writeRaw(1, $0) } }

/// Standard output gathered into writes of 64 KiB, for a loop over many inputs (two writes per
/// input had been 1,800 system calls for /usr/bin). `flush` before anything goes to standard error,
/// so that the two streams keep their order on a terminal, and before the process exits.
struct BufferedOutput {
  private var pending: [UInt8] = []

  mutating func write(_ text: String) {
    pending.append(contentsOf: text.utf8)
    flushIfLarge()
  }

  mutating func write(bytes: [UInt8]) {
    pending.append(contentsOf: bytes)
    flushIfLarge()
  }

  mutating func flush() {
    guard !pending.isEmpty else { return }
    writeBytes(pending)
    pending.removeAll(keepingCapacity: true)
  }

  private mutating func flushIfLarge() {
    if pending.count >= 1 << 16 { flush() }
  }
}

func writeAll(_ fd: Int32, _ text: String) {
  var text = text
  text.withUTF8 { writeRaw(fd, UnsafeRawBufferPointer($0)) }
}

/// Writes all of `buffer`; a failed write to standard output (a full disk, `> /dev/full`, a closed
/// pipe) ends the process with status 2, since the output the user asked for is lost.
private func writeRaw(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) {
  var offset = 0
  while offset < buffer.count {
    let n = Glibc.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
    if n < 0 && errno == EINTR { continue }
    if n <= 0 {
      guard fd == 1 else { return }
      let reason = n < 0 ? String(cString: strerror(errno)) : "nothing written"
      let message = Array("elfdyn: cannot write to standard output: \(reason)\n".utf8)
      _ = message.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
      Glibc.exit(2)
    }
    offset += n
  }
}

extension LoaderModel.Kind: ExpressibleByArgument {}

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
  case auto, always, never

  /// Colour on a terminal unless NO_COLOR is set; `always` and `never` override both.
  func enabled() -> Bool {
    switch self {
    case .always: return true
    case .never: return false
    case .auto:
      if let noColor = getenv("NO_COLOR"), noColor.pointee != 0 { return false }
      return isatty(1) != 0
    }
  }
}

/// Options shared by every command that resolves libraries.
struct SearchOptions: ParsableArguments {
  @Option(
    name: [.customShort("L"), .customLong("library-path")],
    help: ArgumentHelp(
      "Search DIR like an LD_LIBRARY_PATH entry, before LD_LIBRARY_PATH (repeatable). Example: -L target/debug/deps",
      valueName: "dir"))
  var libraryPath: [String] = []

  @Option(
    help: ArgumentHelp(
      "Load LIB right after the program, as LD_PRELOAD does (repeatable). Example: --preload libasan.so.8",
      valueName: "lib"))
  var preload: [String] = []

  @Option(
    help: ArgumentHelp(
      "Resolve inside the sysroot DIR: its ld.so.cache, default directories and absolute runpaths. "
        + "LD_LIBRARY_PATH from the environment is ignored. Example: --root /srv/aarch64-rootfs",
      valueName: "dir"))
  var root: String?

  @Option(
    help: ArgumentHelp(
      "Apply this loader's rules: glibc or musl (default: the one the program's PT_INTERP names; for a library, "
        + "the C library it needs). Example: --loader musl",
      valueName: "loader"))
  var loader: LoaderModel.Kind?

  func validate() throws {
    if let root, !Self.isDirectory(root) { throw ValidationError("--root \(root): no such directory") }
  }

  /// stat(2) says `path` is a directory (what --root must name).
  static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// The environment's LD_LIBRARY_PATH and LD_PRELOAD apply to this machine only: under --root
  /// just the options count.
  func resolveOptions() -> ResolveOptions {
    Self.resolveOptions(libraryPath: libraryPath, preload: preload, root: root, loader: loader)
  }

  /// The resolution options these values ask for; the fast path (FastPath.swift) builds them
  /// through here too.
  static func resolveOptions(libraryPath: [String], preload: [String], root: String?, loader: LoaderModel.Kind?)
    -> ResolveOptions
  {
    var options = root == nil ? defaultResolveOptions() : ResolveOptions()
    options.libraryPath = libraryPath
    options.preload += preload
    if let root { options.root = root }
    options.loader = loader
    return options
  }

  /// No options given: the environment's LD_LIBRARY_PATH and LD_PRELOAD, as the loader takes them.
  static func defaultResolveOptions() -> ResolveOptions { .fromEnvironment() }
}

/// Exits with `status` while `values` are still alive: the process ends without spending time on
/// freeing them (every object, every mapping).
func exit(_ status: Int32, keeping values: Any) -> Never {
  withExtendedLifetime(values) { Glibc.exit(status) }
}
