import ArgumentParser
import ElfTool
import ElfdynOutput

struct Conflicts: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Find symbols that two or more objects of a load closure export, and Rust crates loaded twice.",
    discussion: """
      The first definition in the lookup scope wins for every reference, silently. elfdyn lists \
      each such symbol, the definition the loader binds to and the objects that reference it. \
      Known benign duplicates (glibc's own libraries, versioned definitions, C++ vague linkage, \
      linker-defined and COPY-relocated symbols) are left out unless --all.

      Exit status: 0 no conflict, 1 a conflict, a crate loaded twice or a library not found, 2 bad \
      input or usage.

      Examples:
        elfdyn conflicts target/debug/app
        elfdyn conflicts --all --format json /usr/bin/python3
      """)

  @Argument(help: ArgumentHelp("Executables, shared libraries or directories of them.", valueName: "file"))
  var files: [String] = []

  @Flag(help: "Also show the benign duplicates, and every symbol of a crate loaded twice.")
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

  func run() throws {
    try ConflictsRequest(command: self).execute()
  }
}

/// Runs `elfdyn conflicts` as parsed.
struct ConflictsRequest {
  let command: Conflicts

  /// Analyses every input, renders the results and exits with the status (0, 1 or 2).
  func execute() throws -> Never {
    var resolveOptions = command.search.resolveOptions()
    let inputs = try Inputs.expand(
      command.files, profile: command.profile, environment: currentEnvironment(), options: &resolveOptions)
    let finder = ConflictFinder(resolver: Resolver(options: resolveOptions))
    let (results, failed) = collect(finder.findAll(inputs))
    let renderer = ConflictsRenderer(results: results, all: command.all, demangle: demangleSymbol)
    switch command.format {
    case .json:
      writeResultsDocument(results.map { renderer.json($0) })
    case .text:
      write(renderer.text(style: Style(enabled: command.color.enabled()), showClean: inputs.count == 1))
      if inputs.count > 1 {
        let failing = results.filter { !$0.isClean }.count
        write("\(results.count) file\(results.count == 1 ? "" : "s") checked, \(failing) with conflicts\n")
      }
    }
    let status: Int32 = failed ? 2 : (results.allSatisfy(\.isClean) ? 0 : 1)
    exit(status, keeping: finder)
  }
}
