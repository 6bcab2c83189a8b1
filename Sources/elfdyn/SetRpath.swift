import ArgumentParser
import ElfTool
import ElfdynOutput

enum SetRpathFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

extension RunpathTag: ExpressibleByArgument {}
extension DlopenSelection: ExpressibleByArgument {}

struct SetRpath: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "set-rpath",
    abstract: "Write $ORIGIN-relative runpaths computed from where the needed libraries are.",
    discussion: """
      With no mode option, each file's runpath is computed: its DT_NEEDED libraries are resolved as \
      `elfdyn tree` does (current runpath, -L, LD_LIBRARY_PATH, and in a Cargo build \
      target/<profile>/deps and the Rust toolchain's library directory); every library found outside \
      the system directories gets an entry, $ORIGIN-relative when it is inside the project tree (the \
      current directory, or --relative-to), absolute otherwise.

      With no file, every executable and dylib of the Cargo target directory (target/debug, or \
      --profile, or CARGO_TARGET_DIR) and its deps/ and examples/ is changed.

      The file is written to a temporary file in the same directory and renamed over the original, \
      keeping mode, owner and times; --in-place writes into the same inode instead (keeps hard links; \
      not atomic if the machine crashes mid-write, but a failed edit is rolled back). Every result is \
      re-read and re-resolved before it is reported.

      Examples:
        elfdyn set-rpath                       # fix a Cargo build (target/debug)
        elfdyn set-rpath target/debug/app -L target/debug/deps
        elfdyn set-rpath --recursive --dry-run app
        elfdyn set-rpath --rpath '$ORIGIN/../lib' bin/tool
        elfdyn set-rpath --add /opt/vendor/lib --tag rpath libx.so
        elfdyn set-rpath --print /usr/bin/* 2>/dev/null

      Only files you may write are changed, keeping owner, group, mode, times and extended attributes \
      (file capabilities included). A computed value keeps the old entries no needed library uses (they \
      may serve dlopen; --shrink drops them). --rpath, --add, --remove and --tag need explicit files.

      Exit status: 0 done (or nothing to do), 1 some file could not be fixed (a library not found) or \
      the new value leaves a library that was found unresolved, 2 bad input or usage.
      """)

  @Argument(
    help: ArgumentHelp(
      "The executables and shared libraries to change (none: the Cargo target directory).", valueName: "file"))
  var files: [String] = []

  @Option(help: ArgumentHelp("Set exactly this value. Example: --rpath '$ORIGIN/../lib'", valueName: "string"))
  var rpath: String?

  @Option(help: ArgumentHelp("Append DIR to the current value (repeatable). Example: --add /opt/lib", valueName: "dir"))
  var add: [String] = []

  @Flag(help: "Delete the DT_RUNPATH / DT_RPATH entry.")
  var remove = false

  @Flag(help: "Drop the entries from which no needed library is found (computed values keep them).")
  var shrink = false

  @Flag(help: "Print the current value; change nothing.")
  var print = false

  @Flag(help: "Print before → after for each file; change nothing.")
  var dryRun = false

  @Option(
    help:
      "Which entry to write: runpath (DT_RUNPATH) or rpath (DT_RPATH). Default: keep the file's kind, DT_RUNPATH for a file that has neither."
  )
  var tag: RunpathTag?

  @Option(
    help: ArgumentHelp(
      "Which .note.dlopen dependencies the computed runpath also finds: none, required, recommended (default: required and recommended) or all.",
      valueName: "priority"))
  var dlopen: DlopenSelection = .recommended

  @Flag(help: "Also give every non-system library of the closure its own runpath.")
  var recursive = false

  @Flag(help: "Write the entries that were found even when a needed library is missing.")
  var allowMissing = false

  @Option(
    help: ArgumentHelp(
      "The project tree: libraries inside it get $ORIGIN-relative entries (default: the current directory).",
      valueName: "dir"))
  var relativeTo: String?

  @Flag(help: "Make every entry $ORIGIN-relative, also for libraries outside the project tree.")
  var relativeAll = false

  @Option(
    help: ArgumentHelp(
      "With no file: the Cargo profile whose output to change (default dev, i.e. target/debug).", valueName: "name"))
  var profile: String?

  @Flag(help: "Write into the file's own inode (keeps hard links) instead of replacing it; not atomic against a crash.")
  var inPlace = false

  @Option(help: "Output format: text, or json (one document: {\"results\": [one object per file]}).")
  var format: SetRpathFormat = .text

  @Option(help: "Colour: auto (on a terminal, unless NO_COLOR is set), always or never.")
  var color: ColorChoice = .auto

  @OptionGroup var search: SearchOptions

  func validate() throws {
    let modes = [rpath != nil, !add.isEmpty, remove, shrink, print].filter { $0 }.count
    if modes > 1 { throw ValidationError("Choose one of --rpath, --add, --remove, --shrink and --print.") }
    if recursive && modes > 0 {
      throw ValidationError(
        "--recursive computes runpaths; it cannot be combined with --rpath, --add, --remove, --shrink or --print.")
    }
    if let rpath, rpath.utf8.contains(0) { throw ValidationError("--rpath cannot contain a NUL byte.") }
    if print && (dryRun || inPlace || tag != nil) {
      throw ValidationError("--print changes nothing; leave out --dry-run, --in-place and --tag.")
    }
    if remove && tag != nil { throw ValidationError("--remove deletes both kinds; leave out --tag.") }
    if files.isEmpty && (rpath != nil || !add.isEmpty || remove || tag != nil) {
      throw ValidationError(
        "--rpath, --add, --remove and --tag need the files to change; with no file every output of the Cargo "
          + "target directory would get the same value.")
    }
    if profile != nil && !files.isEmpty {
      throw ValidationError("--profile chooses the Cargo target directory; it cannot be combined with files.")
    }
    if (relativeAll || relativeTo != nil) && modes > 0 {
      throw ValidationError("--relative-to and --relative-all apply to computed runpaths only.")
    }
  }

  func run() throws {
    var request = SetRpathRequest()
    request.files = files
    if let rpath {
      request.mode = .set(rpath)
    } else if !add.isEmpty {
      request.mode = .add(add)
    } else if remove {
      request.mode = .remove
    } else if shrink {
      request.mode = .shrink
    } else if print {
      request.mode = .print
    }
    request.tag = tag
    request.recursive = recursive
    request.dlopen = dlopen
    request.allowMissing = allowMissing
    request.relativeTo = relativeTo
    request.relativeAll = relativeAll
    request.profile = profile
    request.dryRun = dryRun
    request.writeMode = inPlace ? .inPlace : .replace
    request.search = search.resolveOptions()
    // -L names where libraries are, not the environment a set-user-ID program would ignore.
    request.search.secureExecution = false
    request.environment = currentEnvironment()
    let style = Style(enabled: color.enabled())
    if files.isEmpty && format == .text,
      let cargo = try? CargoTarget.locate(
        profile: profile, environment: request.environment, currentDirectory: request.search.currentDirectory)
    {
      // The same mode line as tree and check-undefined (a missing build is reported by the run).
      var options = request.search
      options.libraryPath = [cargo.deps] + cargo.rustLibraryDirectories
      write(cargoModeLine(options))
    }
    var outcomes: [SetRpathOutcome] = []
    try ElfTool.SetRpath(request: request).run { outcome in
      outcomes.append(outcome)
      if format == .text {
        let text = SetRpathRenderer.text(outcome, style: style)
        if outcome.status == .failed { writeAll(2, text) } else { write(text) }
      }
    }
    if format == .json { writeJSON(SetRpathRenderer.json(outcomes)) }
    let status = ElfTool.SetRpath.exitStatus(outcomes)
    if status != 0 { throw ExitCode(status) }
  }
}
