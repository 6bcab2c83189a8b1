import ArgumentParser
import ElfTool

struct CheckUndefined: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check-undefined",
    abstract: "Find every symbol reference that nothing in the load closure satisfies, and where the symbol really is.",
    discussion: """
      Loader semantics by default (what `ldd -r` reports, decided without running anything): \
      undefined symbols, missing versions, missing libraries. With no file, checks the Cargo target \
      directory (./target/debug, --profile, CARGO_TARGET_DIR) as `cargo run` would load it.

      Examples:
        elfdyn check-undefined target/debug/app
        elfdyn check-undefined                  # all of ./target/debug
        elfdyn check-undefined --host /usr/bin/python3.11 /usr/lib/python3.11/lib-dynload/_ssl*.so
        elfdyn check-undefined --strict --format json target/debug/deps/libfoo.so
      """)

  @Argument(help: ArgumentHelp("Executables, shared libraries or directories of them.", valueName: "file"))
  var files: [String] = []

  @Option(help: "Output format: text or json.")
  var format: CheckFormat = .text

  @Flag(help: "Also report what linkers reject but the loader tolerates (lld's --no-allow-shlib-undefined view).")
  var strict = false

  @Flag(help: "Also list direct dependencies the input uses no symbol from, as `ldd -u` does.")
  var unused = false

  @Option(
    help: ArgumentHelp(
      "Check the files as plugins loaded into EXE (its scope first). Example: --host /usr/bin/python3.11",
      valueName: "exe"))
  var host: String?

  @Option(
    name: .customLong("archives"),
    help: ArgumentHelp(
      "Look for missing symbols in the static archives (.a, .rlib) of DIR (repeatable).", valueName: "dir"))
  var archives: [String] = []

  @Option(
    help: ArgumentHelp(
      "The Cargo profile to check when no file is given. Example: --profile release", valueName: "name"))
  var profile = "debug"

  @Option(help: "Colour: auto (on a terminal, unless NO_COLOR is set), always or never.")
  var color: ColorChoice = .auto

  @OptionGroup var search: SearchOptions

  func run() throws {
    var request = CheckRequest(files: files)
    request.format = format
    request.strict = strict
    request.unused = unused
    request.host = host
    request.archives = archives
    request.profile = profile
    request.color = color
    request.search = search.resolveOptions()
    let status = try request.execute()
    if status != 0 { throw ExitCode(status) }
  }
}

/// Everything `elfdyn check-undefined` was asked to do, independent of how it was parsed.
struct CheckRequest {
  var files: [String]
  var format: CheckFormat = .text
  var strict = false
  var unused = false
  var host: String?
  var archives: [String] = []
  var profile = "debug"
  var color: ColorChoice = .auto
  var search = SearchOptions.defaultResolveOptions()

  /// Checks every input and renders the results; returns the exit status (0, 1 or 2).
  func execute() throws(ElfError) -> Int32 {
    var resolveOptions = search
    var inputs = files
    if inputs.isEmpty {
      let cargo = try CargoTarget.locate(profile: profile)
      inputs = cargo.binaries
      resolveOptions.libraryPath = [cargo.deps] + cargo.rustLibraryDirectories + resolveOptions.libraryPath
    } else {
      var expanded: [String] = []
      for file in inputs {
        if isDirectoryPath(file) {
          expanded += ElfFinder.binaries(in: file)
        } else {
          expanded.append(file)
        }
      }
      inputs = expanded
    }
    var options = CheckOptions()
    options.strict = strict
    options.unused = unused
    options.host = host
    options.archiveDirectories = archives
    let checker = SymbolChecker(resolver: Resolver(options: resolveOptions), options: options)
    let outcome = checker.checkAll(inputs)
    for error in outcome.errors { printError(error.description) }
    let renderer = CheckRenderer(results: outcome.results, demangle: demangleSymbol)
    switch format {
    case .json: write(renderer.json().serialized() + "\n")
    case .text:
      write(renderer.text(style: Style(enabled: color.enabled()), showClean: inputs.count == 1))
      if inputs.count > 1 {
        let failing = outcome.results.filter { $0.problemCount > 0 }.count
        write(
          "\(outcome.results.count) file\(outcome.results.count == 1 ? "" : "s") checked, \(failing) with problems\n")
      }
    }
    ExitWithoutFreeing.keep(checker)
    if !outcome.errors.isEmpty { return 2 }
    return outcome.results.contains(where: { $0.problemCount > 0 }) ? 1 : 0
  }

  /// `elfdyn check-undefined FILE...` with no options, recognised without ArgumentParser's
  /// reflection-based parse: the same request with every default.
  static func plainInvocation(_ arguments: [String]) -> CheckRequest? {
    guard arguments.count >= 3, arguments[1] == "check-undefined" else { return nil }
    let files = Array(arguments[2...])
    guard files.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") }) else { return nil }
    return CheckRequest(files: files)
  }
}

enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

/// The demangler the renderers use: Rust (legacy and v0) and C++.
func demangleSymbol(_ name: String) -> String? { Demangler.demangle(name) }
