import ArgumentParser
import ElfTool
import ElfdynOutput

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
  var profile: String?

  @Option(help: "Colour: auto (on a terminal, unless NO_COLOR is set), always or never.")
  var color: ColorChoice = .auto

  @Flag(
    name: [.customShort("v"), .long],
    help: "List every symbol a missing library would provide, not only a count and the first few.")
  var verbose = false

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
    request.verbose = verbose
    request.search = search.resolveOptions()
    try request.execute()
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
  var profile: String?
  var color: ColorChoice = .auto
  var verbose = false
  var search = SearchOptions.defaultResolveOptions()

  /// Checks every input and renders the results, then exits with the status (0, 1 or 2).
  func execute() throws(ElfError) -> Never {
    var resolveOptions = search
    let environment = currentEnvironment()
    let inputs = try Inputs.expand(files, profile: profile, environment: environment, options: &resolveOptions)
    var options = CheckOptions()
    options.strict = strict
    options.unused = unused
    options.host = host
    options.archiveDirectories = archives
    options.environment = environment
    // Several inputs (a directory): each file is read once for all of them.
    let resolver =
      inputs.count > 1 ? Resolver(options: resolveOptions, cache: LoadCache()) : Resolver(options: resolveOptions)
    let checker = SymbolChecker(resolver: resolver, options: options)
    let outcome = checker.checkAll(inputs)
    for error in outcome.errors { printError(error.description) }
    if files.isEmpty && format == .text { write(cargoModeLine(resolveOptions)) }
    var renderer = CheckRenderer(results: outcome.results, demangle: demangleSymbol)
    let cwd = resolveOptions.currentDirectory
    renderer.cargoProfile = {
      CargoTarget.profileDirectoryName(containing: $0, environment: environment, currentDirectory: cwd)
    }
    var keys: [FileID: String] = [:]
    renderer.fileKey = { path in
      guard let id = fileID(path) else { return path }
      if let known = keys[id] { return known }
      keys[id] = path
      return path
    }
    switch format {
    case .json: writeJSON(renderer.json())
    case .text:
      write(renderer.text(style: Style(enabled: color.enabled()), showClean: inputs.count == 1, verbose: verbose))
      if inputs.count > 1 {
        let failing = outcome.results.filter { $0.problemCount > 0 }.count
        write(
          "\(outcome.results.count) file\(outcome.results.count == 1 ? "" : "s") checked, \(failing) with problems\n")
      }
    }
    let status: Int32 =
      !outcome.errors.isEmpty ? 2 : (outcome.results.contains(where: { $0.problemCount > 0 }) ? 1 : 0)
    // The process exits right after: freeing the checker's tables only costs time.
    exit(status, keeping: checker)
  }

}

enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

/// The demangler the renderers use: Rust (legacy and v0) and C++.
func demangleSymbol(_ name: String) -> String? { Demangler.demangle(name) }
