import ElfTool

/// Renders `set-rpath` outcomes: a few lines of text per file, or one JSON document per run.
public enum SetRpathRenderer {
  /// The text block of one file: what was done, the entries, details and warnings.
  public static func text(_ outcome: SetRpathOutcome, style: Style, verbose: Bool = true) -> String {
    let file = style.bold(outcome.file)
    func show(_ tag: RunpathTag?, _ value: String?) -> String {
      guard let value else { return style.dim("(no runpath)") }
      return "\(tag?.name ?? "DT_RUNPATH") \(value.isEmpty ? "\"\"" : value)"
    }
    var out = ""
    switch outcome.status {
    case .printed:
      return "\(outcome.file): \(show(outcome.beforeTag, outcome.before))\n"
    case .failed:
      return style.red("error: ") + (outcome.error ?? "\(outcome.file): failed") + "\n"
    case .missing:
      out += style.red("not changed: ") + (outcome.error ?? outcome.file) + "\n"
      for source in outcome.sources { out += "  \(source.library) => \(source.path)\n" }
      return out
    case .unchanged:
      let value =
        outcome.after == nil ? style.dim("(no runpath)") : "(\(show(outcome.tag ?? outcome.beforeTag, outcome.after)))"
      out += "\(file): " + style.dim("unchanged") + " \(value)\n"
    case .written, .planned:
      let verb = outcome.status == .planned ? style.yellow("would change") : style.green("changed")
      let strategy = outcome.strategy.map { "\($0.rawValue), " } ?? ""
      let sign = outcome.bytesAdded >= 0 ? "+" : ""
      out += "\(file): \(verb) (\(strategy)\(sign)\(outcome.bytesAdded) bytes)\n"
      out += "  before  \(show(outcome.beforeTag, outcome.before))\n"
      out += "  after   \(show(outcome.tag, outcome.after))\n"
    }
    if verbose {
      for source in outcome.sources {
        let kind = source.dlopen ? " (dlopen)" : ""
        out += style.dim("  \(source.entry) finds \(source.library)\(kind) (\(source.path))") + "\n"
      }
      for detail in outcome.details { out += style.dim("  - \(detail)") + "\n" }
      for library in outcome.broken {
        out +=
          style.red("  warning: ")
          + "\(library) is no longer found with the new value (it was found before); the file will not load\n"
      }
      if !outcome.missing.isEmpty {
        out += style.yellow("  not found (left out): \(outcome.missing.joined(separator: ", "))") + "\n"
      }
    }
    return out
  }

  /// The one JSON document of a run: `{"results": [outcome, ...]}`, the same shape for one input
  /// or many.
  public static func json(_ outcomes: [SetRpathOutcome]) -> JSONValue {
    .object([("results", .array(outcomes.map(json)))])
  }

  /// One file's outcome as a JSON object (see docs/set-rpath.md for the fields).
  public static func json(_ outcome: SetRpathOutcome) -> JSONValue {
    .object([
      ("file", .string(outcome.file)),
      ("status", .string(outcome.status.rawValue)),
      ("fromClosure", .bool(outcome.fromClosure)),
      ("before", .optional(outcome.before)),
      ("beforeTag", .optional(outcome.beforeTag?.name)),
      ("after", .optional(outcome.after)),
      ("tag", .optional(outcome.tag?.name)),
      ("strategy", .optional(outcome.strategy?.rawValue)),
      ("originalSize", .number(Int(clamping: outcome.originalSize))),
      ("newSize", .number(Int(clamping: outcome.newSize))),
      ("bytesAdded", .number(Int(outcome.bytesAdded))),
      ("details", .array(outcome.details.map { .string($0) })),
      (
        "entries",
        .array(
          outcome.sources.map {
            .object([
              ("library", .string($0.library)), ("path", .string($0.path)), ("entry", .string($0.entry)),
              ("dlopen", .bool($0.dlopen)),
            ])
          })
      ),
      ("missing", .array(outcome.missing.map { .string($0) })),
      ("kept", .array(outcome.kept.map { .string($0) })),
      ("broken", .array(outcome.broken.map { .string($0) })),
      ("error", .optional(outcome.error)),
    ])
  }
}
