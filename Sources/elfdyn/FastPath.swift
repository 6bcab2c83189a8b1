import ElfTool

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The invocations scripts make over and over, recognised without ArgumentParser's reflection-based
/// parse (about 1 ms of start-up): `elfdyn tree [--flat | --format F | --all]... FILE...` and
/// `elfdyn check-undefined FILE...`. Anything else (another option, `--`, a repeated or
/// conflicting option) is left to ArgumentParser, which then builds the same request.
enum FastPath {
  /// Runs and exits when `arguments` is one of the plain invocations; returns otherwise.
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

extension TreeRequest {
  /// `elfdyn tree [--flat | --format text|json|dot | --all]... FILE...`, the invocations scripts
  /// make over and over, recognised without ArgumentParser's reflection-based parse (about 1 ms
  /// of start-up). Anything else (another option, `--`, a repeated or conflicting option) is left
  /// to ArgumentParser, which then builds the same request.
  static func plainInvocation(_ arguments: [String]) -> TreeRequest? {
    guard arguments.count >= 3, arguments[1] == "tree" else { return nil }
    var request = TreeRequest(files: [])
    var seenFormat = false
    var index = 2
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      switch argument {
      case "--flat" where !request.flat: request.flat = true
      case "--all" where !request.all: request.all = true
      case "--format" where !seenFormat && index < arguments.count:
        guard let format = TreeFormat(rawValue: arguments[index]) else { return nil }
        request.format = format
        seenFormat = true
        index += 1
      default:
        guard !argument.isEmpty, !argument.hasPrefix("-") else { return nil }
        request.files.append(argument)
      }
    }
    // --flat is its own format: with --format it is a usage error, which ArgumentParser reports.
    guard !request.files.isEmpty, !(request.flat && seenFormat) else { return nil }
    return request
  }
}

extension CheckRequest {
  /// `elfdyn check-undefined FILE...` with no options, recognised without ArgumentParser's
  /// reflection-based parse: the same request with every default.
  static func plainInvocation(_ arguments: [String]) -> CheckRequest? {
    guard arguments.count >= 3, arguments[1] == "check-undefined" else { return nil }
    let files = Array(arguments[2...])
    guard files.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") }) else { return nil }
    return CheckRequest(files: files)
  }
}
