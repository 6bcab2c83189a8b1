import ArgumentParser
import ElfTool
import ElfdynOutput

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The line that says a command works on a Cargo build (no file given): which directory, and what
/// is searched first, as `cargo run` sets LD_LIBRARY_PATH.
func cargoModeLine(_ options: ResolveOptions) -> String {
  let deps = options.libraryPath.first ?? "target/debug/deps"
  let profile = deps.lastIndex(of: "/").map { String(deps[..<$0]) } ?? deps
  return "Cargo build: the outputs of \(profile), with \(options.libraryPath.joined(separator: ", ")) "
    + "searched first, as `cargo run` does\n"
}

enum TreeFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json, dot
}

struct Tree: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show which libraries a program loads, from where and why, as glibc's loader decides.",
    discussion: """
      Examples:
        elfdyn tree target/debug/app
        elfdyn tree --flat /usr/bin/python3     # ldd's format
        elfdyn tree --format json app | jq '.results[].objects[] | select(.found | not)'
        elfdyn tree --format dot app | dot -Tsvg > deps.svg
        elfdyn tree --root /srv/arm64-rootfs /srv/arm64-rootfs/usr/bin/ls
      """)

  @Argument(
    help: ArgumentHelp(
      "Executables, shared libraries or directories of them (none: the Cargo build in the current directory).",
      valueName: "file"))
  var files: [String] = []

  @Option(
    help: ArgumentHelp(
      "The Cargo profile to show when no file is given. Example: --profile release", valueName: "name"))
  var profile: String?

  @Option(
    help: "Output format: text (a tree), json (one document: {\"results\": [one object per input]}) or dot (Graphviz).")
  var format: TreeFormat = .text

  @Flag(help: "One line per loaded object in load order, NAME => PATH, as ldd prints them.")
  var flat = false

  @Flag(help: "Expand a library every time it appears, not only the first time.")
  var all = false

  @Option(help: ArgumentHelp("Show at most N levels of dependencies. Example: --depth 1", valueName: "n"))
  var depth: Int?

  @Option(help: "Colour: auto (on a terminal, unless NO_COLOR is set), always or never.")
  var color: ColorChoice = .auto

  @Flag(help: "Leave out the libraries objects declare in .note.dlopen (shown by default, marked [dlopen]).")
  var noDlopen = false

  @OptionGroup var search: SearchOptions

  func validate() throws {
    if let depth, depth < 0 { throw ValidationError("--depth must be 0 or more, not \(depth).") }
    if flat && format != .text { throw ValidationError("--flat is its own format; leave out --format \(format).") }
  }

  func run() throws {
    var request = TreeRequest(files: files)
    request.format = format
    request.flat = flat
    request.all = all
    request.depth = depth
    request.color = color
    request.profile = profile
    request.search = search.resolveOptions()
    request.dlopen = !noDlopen
    request.execute()
  }
}

/// Everything `elfdyn tree` was asked to do, independent of how the command line was parsed.
struct TreeRequest {
  var files: [String]
  var format: TreeFormat = .text
  var flat = false
  var all = false
  var depth: Int?
  var color: ColorChoice = .auto
  var profile: String?
  var search = SearchOptions.defaultResolveOptions()
  /// Whether to show `.note.dlopen` dependencies (`--no-dlopen` turns it off).
  var dlopen = true

  /// What the workers hand back for one input: its rendered text tree, or the outcome itself when
  /// the rest needs it (a hint for a missing library, another format, an error).
  enum Prepared: Sendable {
    /// The text tree (or the --flat list), whether the input fails (exit status 1), and its
    /// warnings.
    case rendered([UInt8], failed: Bool, warnings: [String])
    case pending(ResolveOutcome)
  }

  /// The warnings about an input (a loader elfdyn has no rules for, its `.note.dlopen`
  /// declarations), in the order they are printed.
  static func warnings(_ graph: LoadGraph) -> [String] {
    var warnings: [String] = []
    if let unknown = graph.unknownLoaderWarning { warnings.append("warning: \(graph.input): \(unknown)") }
    for (index, declared) in graph.dlopen.enumerated() {
      for problem in declared.problems {
        warnings.append("warning: \(graph.objects[index].hostPath ?? graph.objects[index].name): \(problem)")
      }
    }
    return warnings
  }

  /// Resolves and renders every file, then exits with the status (0, 1 or 2).
  func execute() -> Never {
    var cachedEnvironment: [String: String]?
    var documents: [JSONValue] = []
    var graphs: [LoadGraph] = []
    var search = self.search
    let files: [String]
    do {
      files = try Inputs.expand(self.files, profile: profile, environment: currentEnvironment(), options: &search)
    } catch {
      printError(error.description)
      Glibc.exit(2)
    }
    if self.files.isEmpty && format == .text && !flat { write(cargoModeLine(search)) }
    // ldd's list (--flat) has no place for dlopen dependencies.
    search.dlopen = dlopen && !flat
    // Several inputs: each file is read once for all of them, and they are resolved on every core.
    // One input reads each file once anyway, and the cache's set-up would only cost start-up time.
    let resolver = files.count > 1 ? Resolver(options: search, cache: LoadCache()) : Resolver(options: search)
    var options = TreeRenderer.TextOptions()
    options.all = all
    options.depth = depth
    options.style = Style(enabled: color.enabled())
    // Many inputs: the lists (--flat) and the trees that need no hint (nothing missing) are
    // rendered on the core that resolved them, and their graphs freed there (memory reused rather
    // than new pages: for the 900 programs of /usr/bin, thousands of page faults fewer).
    let renderOnWorkers = files.count > 1 && (flat || format == .text)
    let (textOptions, listOnly) = (options, flat)
    let prepared = resolver.resolveAll(files) { outcome -> Prepared in
      guard renderOnWorkers, case .success(let graph) = outcome,
        listOnly || !graph.objects.contains(where: { $0.via == .notFound })
      else { return .pending(outcome) }
      let renderer = TreeRenderer(graph: graph)
      return .rendered(
        listOnly ? Array(renderer.flat().utf8) : renderer.textBytes(textOptions),
        failed: !graph.allFound || graph.missingRequiredDlopen, warnings: Self.warnings(graph))
    }
    // Built only when something is missing: reading the environment has its cost.
    var finder: MissingLibraryFinder?
    var status: Int32 = 0
    var output = BufferedOutput()
    // What goes before an input's text tree (a blank line) or list (its name, with several).
    func heading(_ number: Int, _ file: String) {
      if flat {
        if files.count > 1 { output.write("\(file):\n") }
      } else if format == .text && number > 0 {
        output.write("\n")
      }
    }
    // An input's dlopen warnings on stderr, after what came before them on stdout.
    func warn(_ warnings: [String]) {
      if !warnings.isEmpty { output.flush() }
      for warning in warnings { printError(warning) }
    }
    for (number, file) in files.enumerated() {
      let graph: LoadGraph
      switch prepared[number] {
      case .rendered(let bytes, let failed, let warnings):
        heading(number, file)
        output.write(bytes: bytes)
        warn(warnings)
        if failed && status == 0 { status = 1 }
        continue
      case .pending(.success(let value)): graph = value
      case .pending(.failure(let error)):
        output.flush()
        printError(error.description)
        status = 2
        continue
      }
      var hintTexts: [Int: String] = [:]
      var cargoProfile: String??
      for index in graph.objects.indices where graph.objects[index].via == .notFound {
        let environment = cachedEnvironment ?? currentEnvironment()
        cachedEnvironment = environment
        if finder == nil {
          finder = MissingLibraryFinder(environment: environment, currentDirectory: search.currentDirectory)
        }
        if cargoProfile == nil {
          cargoProfile = .some(
            CargoTarget.profileDirectoryName(
              containing: file, environment: environment, currentDirectory: search.currentDirectory))
        }
        if let location = finder?.location(of: index, in: graph) {
          let object = graph.objects[index]
          let fix = Sentences.Fix(
            input: file, cargoProfile: cargoProfile ?? nil, neededByLibrary: !object.neededBy.contains(0))
          hintTexts[index] = Sentences.hint(forMissing: object.name, at: location, fix: fix)
        }
      }
      let renderer = TreeRenderer(graph: graph, hints: hintTexts)
      heading(number, file)
      if flat {
        output.write(renderer.flat())
      } else {
        switch format {
        case .json: documents.append(renderer.json())
        case .dot: output.write(renderer.dot())
        case .text: output.write(bytes: renderer.textBytes(options))
        }
      }
      warn(Self.warnings(graph))
      // A missing `required` dlopen dependency fails like a missing DT_NEEDED; a missing
      // `recommended` or `suggested` one is only shown.
      if (!graph.allFound || graph.missingRequiredDlopen) && status == 0 { status = 1 }
      graphs.append(graph)
    }
    output.flush()
    if format == .json && !flat {
      // One document per run, the same shape for one input or many (inputs that cannot be read
      // are left out, and named on stderr).
      writeResultsDocument(documents)
    }
    // The process exits right after: freeing every object only costs time.
    exit(status, keeping: graphs)
  }

}
