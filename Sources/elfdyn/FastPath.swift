import ElfTool

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// `elfdyn tree` and `elfdyn check-undefined` with any of their options, recognised without
/// ArgumentParser: its reflection-based parse of the whole command tree costs about 13 million
/// instructions (4 ms here, three times a whole `tree` of a program with a few libraries), most of
/// it the Swift runtime scanning the executable's 3,800 protocol conformance records for each type
/// it casts. The hand parse below takes the plain spellings (`--name value`, `--name=value`, `-L
/// dir`, `-v`, flags) and builds the same request the parsed command's `run()` builds. Anything
/// else (`--`, `-h`, an unknown, repeated or malformed option, a value that is not one of the
/// choices, a file name starting with `-`) is left to ArgumentParser, which then reports it or
/// builds the request itself.
enum FastPath {
  /// Runs and exits when `arguments` is an invocation the hand parse takes; returns otherwise.
  static func run(_ arguments: [String]) {
    if let request = TreeRequest.plainInvocation(arguments) { request.execute() }
    if let request = CheckRequest.plainInvocation(arguments) {
      do throws(ElfError) {
        try request.execute()
      } catch {
        printError(error.description)
        Glibc.exit(2)
      }
    }
  }
}

/// The arguments after the subcommand, split into files, flags and option values by the grammar
/// ArgumentParser accepts for them; nil for anything outside the plain forms.
struct PlainArguments {
  var files: [String] = []
  private var flags: Set<String> = []
  private var values: [String: [String]] = [:]

  /// `flags` and `options` map every spelling to the long name; `repeatable` lists the options
  /// that may be given more than once (arrays); a flag or another option given twice is left to
  /// the parser.
  init?(_ arguments: ArraySlice<String>, flags: [String: String], options: [String: String], repeatable: Set<String>) {
    var index = arguments.startIndex
    while index < arguments.endIndex {
      let argument = arguments[index]
      index += 1
      guard argument.hasPrefix("-") else {
        guard !argument.isEmpty else { return nil }
        files.append(argument)
        continue
      }
      var name = argument
      var attached: String?
      if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
        name = String(argument[..<equals])
        attached = String(argument[argument.index(after: equals)...])
      }
      if let flag = flags[name], attached == nil {
        guard !self.flags.contains(flag) else { return nil }
        self.flags.insert(flag)
      } else if let option = options[name] {
        let value: String
        if let attached {
          value = attached
        } else {
          guard index < arguments.endIndex else { return nil }
          value = arguments[index]
          index += 1
        }
        guard !value.isEmpty, !value.hasPrefix("-") else { return nil }
        guard repeatable.contains(option) || values[option] == nil else { return nil }
        values[option, default: []].append(value)
      } else {
        return nil
      }
    }
  }

  func has(_ flag: String) -> Bool { flags.contains(flag) }
  func value(_ option: String) -> String? { values[option]?.first }
  func list(_ option: String) -> [String] { values[option] ?? [] }

  /// Sets `target` to the option's value converted by `convert` when the option is given; false
  /// when the value does not convert (the parser then reports it). Not for an optional target:
  /// a failed conversion would be taken for the value nil.
  func assign<T>(_ option: String, _ convert: (String) -> T?, to target: inout T) -> Bool {
    guard let text = value(option) else { return true }
    guard let result = convert(text) else { return false }
    target = result
    return true
  }

  /// The search options every resolving command shares (SearchOptions), nil when --root is not a
  /// directory or --loader not a known loader (the parser says so).
  var search: ResolveOptions? {
    var loader: LoaderModel.Kind?
    if let text = value("--loader") {
      guard let kind = LoaderModel.Kind(rawValue: text) else { return nil }
      loader = kind
    }
    let root = value("--root")
    if let root, !SearchOptions.isDirectory(root) { return nil }
    return SearchOptions.resolveOptions(
      libraryPath: list("--library-path"), preload: list("--preload"), root: root, loader: loader)
  }

  static let searchOptions = [
    "-L": "--library-path", "--library-path": "--library-path", "--preload": "--preload", "--root": "--root",
    "--loader": "--loader",
  ]
  static let searchRepeatable: Set<String> = ["--library-path", "--preload"]
}

extension TreeRequest {
  /// `elfdyn tree [OPTION]... [FILE]...` in the plain forms; nil for anything else, which goes
  /// to ArgumentParser.
  static func plainInvocation(_ arguments: [String]) -> TreeRequest? {
    guard arguments.count >= 2, arguments[1] == "tree" else { return nil }
    let options = PlainArguments.searchOptions.merging([
      "--profile": "--profile", "--format": "--format", "--depth": "--depth", "--color": "--color",
    ]) { first, _ in first }
    guard
      let parsed = PlainArguments(
        arguments.dropFirst(2), flags: ["--flat": "--flat", "--all": "--all", "--no-dlopen": "--no-dlopen"],
        options: options, repeatable: PlainArguments.searchRepeatable),
      let search = parsed.search
    else { return nil }
    var request = TreeRequest(files: parsed.files)
    request.flat = parsed.has("--flat")
    request.all = parsed.has("--all")
    request.dlopen = !parsed.has("--no-dlopen")
    request.profile = parsed.value("--profile")
    request.search = search
    guard parsed.assign("--format", TreeFormat.init(rawValue:), to: &request.format),
      parsed.assign("--color", ColorChoice.init(rawValue:), to: &request.color)
    else { return nil }
    // --flat is its own format: with --format it is a usage error, which ArgumentParser reports.
    if request.flat && parsed.value("--format") != nil { return nil }
    if let text = parsed.value("--depth") {
      guard let depth = Int(text), depth >= 0 else { return nil }
      request.depth = depth
    }
    return request
  }
}

extension CheckRequest {
  /// `elfdyn check-undefined [OPTION]... [FILE]...` in the plain forms; nil for anything else,
  /// which goes to ArgumentParser.
  static func plainInvocation(_ arguments: [String]) -> CheckRequest? {
    guard arguments.count >= 2, arguments[1] == "check-undefined" else { return nil }
    let options = PlainArguments.searchOptions.merging([
      "--format": "--format", "--host": "--host", "--archives": "--archives", "--profile": "--profile",
      "--color": "--color",
    ]) { first, _ in first }
    guard
      let parsed = PlainArguments(
        arguments.dropFirst(2),
        flags: ["--strict": "--strict", "--unused": "--unused", "-v": "--verbose", "--verbose": "--verbose"],
        options: options, repeatable: PlainArguments.searchRepeatable.union(["--archives"])),
      let search = parsed.search
    else { return nil }
    var request = CheckRequest(files: parsed.files)
    request.strict = parsed.has("--strict")
    request.unused = parsed.has("--unused")
    request.verbose = parsed.has("--verbose")
    request.host = parsed.value("--host")
    request.archives = parsed.list("--archives")
    request.profile = parsed.value("--profile")
    request.search = search
    guard parsed.assign("--format", CheckFormat.init(rawValue:), to: &request.format),
      parsed.assign("--color", ColorChoice.init(rawValue:), to: &request.color)
    else { return nil }
    return request
  }
}
