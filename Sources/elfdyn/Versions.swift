import ArgumentParser
import ElfTool
import ElfdynOutput

struct Versions: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show the highest symbol versions (GLIBC, GLIBCXX, ...) a program's load closure requires, and why.",
    discussion: """
      Counts the DT_VERNEED requirements of every object of the closure except glibc's own \
      libraries (libc, the loader, libm, libpthread, libdl, librt, ...), whose requirements of each \
      other any system that has them provides. Weak requirements are shown but not counted.

      Exit status: 0 within every --max, 1 a symbol above a --max or a library not found, 2 bad \
      input or usage.

      Examples:
        elfdyn versions target/release/app
        elfdyn versions --max GLIBC_2.28 --max GLIBCXX_3.4.25 app
        elfdyn versions --no-closure /usr/bin/*           # each file's own requirements only
        elfdyn versions --format json app | jq '.results[0].highest.GLIBC'
      """)

  @Argument(help: ArgumentHelp("Executables, shared libraries or directories of them.", valueName: "file"))
  var files: [String] = []

  @Option(
    help: ArgumentHelp(
      "Fail (exit 1) and list every symbol that needs a higher version of this namespace (repeatable, "
        + "one per namespace). Example: --max GLIBC_2.28",
      valueName: "version"))
  var max: [String] = []

  @Flag(help: "Count only each file's own requirements, not those of the libraries it loads.")
  var noClosure = false

  @Flag(help: "List every version of each namespace and every symbol, not only the highest and a few.")
  var all = false

  @Option(help: "Output format: text or json (one document: {\"results\": [one object per input]}).")
  var format: CheckFormat = .text

  @Option(
    help: ArgumentHelp(
      "The Cargo profile to look at when no file is given. Example: --profile release", valueName: "name"))
  var profile: String?

  @Option(help: "Colour: auto (on a terminal, unless NO_COLOR is set), always or never.")
  var color: ColorChoice = .auto

  @OptionGroup var search: SearchOptions

  func validate() throws {
    var seen: [String] = []
    for text in max {
      let version = SymbolVersionName(text)
      guard version.number != nil else {
        throw ValidationError("--max \(text): give a version with a number, such as GLIBC_2.28.")
      }
      if seen.contains(version.namespace) {
        throw ValidationError("--max is given twice for \(version.namespace); give one limit per namespace.")
      }
      seen.append(version.namespace)
    }
  }

  func run() throws {
    try VersionsRequest(command: self).execute()
  }
}

/// Runs `elfdyn versions` as parsed.
struct VersionsRequest {
  let command: Versions

  /// Analyses every input, renders the results and exits with the status (0, 1 or 2).
  func execute() throws -> Never {
    var resolveOptions = command.search.resolveOptions()
    let inputs = try Inputs.expand(
      command.files, profile: command.profile, environment: currentEnvironment(), options: &resolveOptions)
    var options = VersionsOptions()
    options.closure = !command.noClosure
    for text in command.max { options.limits.append(try VersionLimit(text)) }
    let analyzer = VersionAnalyzer(resolver: Resolver(options: resolveOptions), options: options)
    let (results, failed) = collect(analyzer.analyzeAll(inputs))
    let renderer = VersionsRenderer(results: results, all: command.all)
    switch command.format {
    case .json:
      writeResultsDocument(results.map { renderer.json($0) })
    case .text: write(renderer.text(style: Style(enabled: command.color.enabled())))
    }
    let status: Int32 = failed ? 2 : (results.allSatisfy(\.isClean) ? 0 : 1)
    exit(status, keeping: analyzer)
  }
}
