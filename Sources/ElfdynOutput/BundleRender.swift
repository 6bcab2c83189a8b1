import ElfTool

/// Renders what `bundle` did: the files copied (from where, sizes, the total), what stays on the
/// host, the glibc the bundle needs; or why nothing was written.
public enum BundleRenderer {
  /// The outcome as text. A failed outcome is meant for standard error.
  public static func text(_ outcome: BundleOutcome, style: Style) -> String {
    var out = ""
    let count = "\(outcome.files.count) file\(outcome.files.count == 1 ? "" : "s")"
    switch outcome.status {
    case .failed:
      out += style.red("error: ") + "\(outcome.directory): not written:\n"
      for problem in outcome.problems { out += "  " + sentence(problem).replacingNewlines("\n    ") + "\n" }
      return out
    case .planned:
      out +=
        "\(style.bold(outcome.directory)): " + style.yellow("would bundle") + " \(count), "
        + "\(size(outcome.totalSize)) before runpath edits (dry run: nothing written or verified)\n"
    case .written:
      out +=
        "\(style.bold(outcome.directory)): " + style.green(outcome.replaced ? "replaced" : "written")
        + " \(count), \(size(outcome.totalSize)); verified: every file resolves inside it or from the host's "
        + "base system, with no unresolved symbol\n"
    }
    let width = outcome.files.map(\.path.count).max() ?? 0
    for file in outcome.files {
      let padding = String(repeating: " ", count: max(0, width - file.path.count))
      let sizeText = size(file.size)
      out += "  \(file.path)\(padding)  \(String(repeating: " ", count: max(0, 10 - sizeText.count)))\(sizeText)  "
      out += style.dim("from \(file.source)")
      if !file.aliases.isEmpty { out += style.dim(" (also \(file.aliases.joined(separator: ", ")))") }
      out += "\n"
    }
    if !outcome.host.isEmpty {
      let names = outcome.host.map { "\($0.name) (\($0.reason.rawValue))" }
      out += "from the host: \(names.joined(separator: ", "))\n"
    }
    for note in outcome.notes { out += style.yellow("note: ") + note + "\n" }
    if let glibc = outcome.glibc {
      out += "needs glibc \(glibc) or later\n"
    } else {
      out += "needs no versioned glibc symbol\n"
    }
    return out
  }

  /// The outcome as one JSON object.
  public static func json(_ outcome: BundleOutcome) -> JSONValue {
    .object([
      ("directory", .string(outcome.directory)),
      ("status", .string(outcome.status.rawValue)),
      ("replaced", .bool(outcome.replaced)),
      (
        "files",
        .array(
          outcome.files.map { file in
            .object([
              ("path", .string(file.path)),
              ("source", .string(file.source)),
              ("role", .string(file.role.rawValue)),
              ("size", .number(Int(clamping: file.size))),
              ("runpath", .string(file.runpath)),
              ("aliases", .array(file.aliases.map { .string($0) })),
            ])
          })
      ),
      ("totalSize", .number(Int(clamping: outcome.totalSize))),
      (
        "host",
        .array(
          outcome.host.map { library in
            .object([
              ("name", .string(library.name)),
              ("path", .optional(library.path)),
              ("reason", .string(library.reason.rawValue)),
            ])
          })
      ),
      ("glibc", .optional(outcome.glibc?.description)),
      ("notes", .array(outcome.notes.map { .string($0) })),
      (
        "problems",
        .array(
          outcome.problems.map { problem in
            .object([("kind", .string(kind(problem))), ("message", .string(sentence(problem)))])
          })
      ),
    ])
  }

  /// A short identifier of the problem's kind, for JSON.
  static func kind(_ problem: BundleProblem) -> String {
    switch problem {
    case .notFound: return "notFound"
    case .pathName: return "pathName"
    case .nameClash: return "nameClash"
    case .outside: return "outside"
    case .unresolvedLibrary: return "unresolvedLibrary"
    case .undefinedSymbol: return "undefinedSymbol"
    case .missingVersion: return "missingVersion"
    case .unchecked: return "unchecked"
    case .editFailed: return "editFailed"
    }
  }

  /// The problem in words (a hint on a second line where elfdyn knows where a library is).
  static func sentence(_ problem: BundleProblem) -> String {
    switch problem {
    case .notFound(let library, let neededBy, let error, let location):
      var text = "\(library) \(error.map { "cannot be loaded (\($0))" } ?? "not found"), needed by \(neededBy)"
      switch location {
      case .rustToolchain(let toolchain, let directory)?:
        text += "\nhint: it is the Rust standard library of toolchain \(toolchain): give -L \(directory)"
      case .directory(let directory, let cargoDeps)?:
        text += "\nhint: it is in \(directory)\(cargoDeps ? " (a Cargo build's output)" : ""): give -L \(directory)"
      case .rustToolchainMissing?:
        text += "\nhint: no installed Rust toolchain has it (install the toolchain that built the program)"
      case nil: break
      }
      return text
    case .pathName(let library, let neededBy):
      return "\(neededBy) needs \(library) by path (a DT_NEEDED entry with a slash): the loader opens that path "
        + "on every host, so a bundle cannot provide it; relink without the path, or --exclude it"
    case .nameClash(let name, let first, let second):
      return "\(name) would be two different files: \(first) and \(second)"
    case .outside(let file, let library, let path):
      return "\(file) would load \(library) from \(path), outside the bundle"
    case .unresolvedLibrary(let file, let library, let neededBy):
      return "\(file): \(library), needed by \(neededBy), would not be found"
    case .undefinedSymbol(let file, let symbol, let version, let referencedBy):
      return "\(file): undefined symbol \(symbol)\(version.map { "@\($0)" } ?? "") (referenced by \(referencedBy))"
    case .missingVersion(let file, let version, let library, let requiredBy):
      return "\(file): version \(version) not defined by \(library) (required by \(requiredBy))"
    case .unchecked(let file, let object, let reason):
      return "\(file): the symbols of \(object) could not be checked: \(reason)"
    case .editFailed(let file, let message):
      return "\(file): the runpath could not be written: \(message)"
    }
  }

  /// "812 B", "25.4 KiB", "5.9 MiB".
  static func size(_ bytes: UInt64) -> String {
    if bytes < 1024 { return "\(bytes) B" }
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes) / 1024
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) \(units[unit])"
  }
}

extension String {
  fileprivate func replacingNewlines(_ replacement: String) -> String {
    split(separator: "\n", omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
