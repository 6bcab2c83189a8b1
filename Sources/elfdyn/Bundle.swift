import ArgumentParser
import ElfTool
import ElfdynOutput

enum BundleFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

struct Bundle: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Copy programs and the libraries they load into one directory that runs anywhere.",
    discussion: """
      Each input's closure is resolved as `elfdyn tree` does (-L, --preload, --root, LD_LIBRARY_PATH, \
      and for a Cargo build its deps/ and the Rust toolchain's library directory). Programs are copied \
      into DIR/bin, input libraries and every library of the closures that is not part of the base \
      system into DIR/lib, under the names the DT_NEEDED entries use. Every copy gets the runpath \
      $ORIGIN/../lib (programs) or $ORIGIN (libraries) and no other entry; the originals are never \
      changed.

      The base system stays on the host: the C library's own objects and loader (libc, libm, libdl, \
      libpthread, librt, libutil, libresolv, ld-linux, ...) and the GCC runtime libgcc_s.so.1. \
      libstdc++ is copied (--exclude 'libstdc++.so.*' keeps the host's).

      Before anything is renamed into place, every file of the bundle is resolved again with no \
      LD_LIBRARY_PATH and checked for unresolved symbols: a library that would come from outside DIR \
      and the base system, or a symbol nothing defines, is an error and nothing is written.

      With no file, in a Cargo project: the executables of target/debug (or --profile) into \
      target/debug/bundle.

      Examples:
        elfdyn bundle target/debug/app -o /tmp/app-bundle
        elfdyn bundle                              # Cargo: target/debug/* into target/debug/bundle
        elfdyn bundle app -L build/lib -o dist --exclude 'libGL*' --add libplugin.so
        elfdyn bundle --dry-run --format json app -o dist

      Exit status: 0 written and verified, 1 a library not found or the verification failed (nothing \
      written), 2 bad input or usage.
      """)

  @Argument(
    help: ArgumentHelp(
      "The programs and libraries to bundle (none: the executables of the Cargo target directory).",
      valueName: "file"))
  var files: [String] = []

  @Option(
    name: [.customShort("o"), .customLong("output")],
    help: ArgumentHelp(
      "The bundle directory: new, empty, or an earlier bundle (replaced). Default in Cargo mode: "
        + "target/<profile>/bundle.", valueName: "dir"))
  var output: String?

  @Option(
    help: ArgumentHelp(
      "Take libraries matching GLOB from the host instead of copying them (repeatable). Example: --exclude 'libGL*'",
      valueName: "glob"))
  var exclude: [String] = []

  @Option(
    help: ArgumentHelp(
      "Copy libraries matching GLOB even when in the base system or excluded (not the C library). "
        + "Example: --include libgcc_s.so.1", valueName: "glob"))
  var include: [String] = []

  @Option(
    help: ArgumentHelp(
      "Also copy LIB, a library the program only dlopens, with its closure (repeatable; a path, or a name "
        + "searched as the first program searches its DT_NEEDED). Example: --add libplugin.so", valueName: "lib"))
  var add: [String] = []

  @Option(
    help: ArgumentHelp(
      "With no file: the Cargo profile to bundle (default dev, i.e. target/debug).", valueName: "name"))
  var profile: String?

  @Option(
    help: ArgumentHelp(
      "Which .note.dlopen dependencies are copied too: none, required, recommended (default: required and recommended) or all.",
      valueName: "priority"))
  var dlopen: DlopenSelection = .recommended

  @Flag(help: "Resolve and print what would be copied; write nothing.")
  var dryRun = false

  @Option(help: "Output format: text, or json (one object).")
  var format: BundleFormat = .text

  @Option(help: "Colour: auto (on a terminal, unless NO_COLOR is set), always or never.")
  var color: ColorChoice = .auto

  @OptionGroup var search: SearchOptions

  func validate() throws {
    if !files.isEmpty && output == nil {
      throw ValidationError("Give the bundle directory with -o DIR (only Cargo mode, with no file, has a default).")
    }
    if profile != nil && !files.isEmpty {
      throw ValidationError("--profile chooses the Cargo target directory; it cannot be combined with files.")
    }
    if let output, output.isEmpty { throw ValidationError("-o needs a directory name.") }
  }

  func run() throws {
    var request = BundleRequest()
    request.files = files
    request.output = output
    request.base = BaseSystem(exclude: exclude, include: include)
    request.add = add
    request.dlopen = dlopen
    request.profile = profile
    request.dryRun = dryRun
    var options = search.resolveOptions()
    // -L names where libraries are, not the environment a set-user-ID program would ignore.
    options.secureExecution = false
    // The environment's LD_PRELOAD is this shell's, not the program's: only --preload is bundled.
    options.preload = search.preload
    request.search = options
    request.environment = currentEnvironment()
    let outcome = try Bundler(request: request).run()
    switch format {
    case .json: writeJSON(BundleRenderer.json(outcome))
    case .text:
      let text = BundleRenderer.text(outcome, style: Style(enabled: color.enabled()))
      if outcome.status == .failed { writeAll(2, text) } else { write(text) }
    }
    let status = Bundler.exitStatus(outcome)
    if status != 0 { throw ExitCode(status) }
  }
}
