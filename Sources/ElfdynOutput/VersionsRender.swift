import ElfTool

/// Renders `versions` results: per input the highest version of each namespace, who needs it of
/// which library and for which symbols; and the JSON contract.
public struct VersionsRenderer {
  /// One result per input.
  public var results: [VersionsResult]
  /// Every version of each namespace (not only the highest) and every symbol.
  public var all: Bool

  /// A renderer of `results`.
  public init(results: [VersionsResult], all: Bool = false) {
    self.results = results
    self.all = all
  }

  /// How many symbols a line lists before "and N more" (without `all`).
  static let symbolsShown = 4

  /// One JSON object per input: {"path", "highest": {NAMESPACE: VERSION}, "requirements": [{"version",
  /// "namespace", "number", "library", "libraryPath", "requiredBy", "weak", "symbols"}], "notCounted",
  /// "excesses"?, "missingLibraries"?, "unreadable"?}.
  public func json(_ result: VersionsResult) -> JSONValue {
    var fields: [(String, JSONValue)] = [
      ("path", .string(result.path)),
      ("highest", .object(result.highest.map { ($0.namespace, .string($0.version)) })),
      (
        "requirements",
        .array(
          result.requirements.map { item in
            .object([
              ("version", .string(item.version.name)), ("namespace", .string(item.version.namespace)),
              ("number", .optional(item.version.number)), ("library", .string(item.library)),
              ("libraryPath", .optional(item.libraryPath)), ("requiredBy", .string(item.requiredBy)),
              ("weak", .bool(item.weak)), ("symbols", .array(item.symbols.map { .string($0) })),
            ])
          })
      ),
      ("notCounted", .array(result.notCounted.map { .string($0) })),
    ]
    if !result.excesses.isEmpty {
      fields.append(
        (
          "excesses",
          .array(
            result.excesses.map {
              .object([
                ("symbol", .optional($0.symbol)), ("version", .string($0.version)), ("limit", .string($0.limit)),
                ("requiredBy", .string($0.requiredBy)), ("library", .string($0.library)),
              ])
            })
        ))
    }
    fields += JSONValue.incompleteness(missing: result.missingLibraries, unreadable: result.unreadable)
    return .object(fields)
  }

  /// The text report: a headline per input with the highest version of each namespace, then per
  /// namespace the objects that need it, of which library, for which symbols.
  public func text(style s: Style) -> String {
    var out = ""
    for result in results {
      let highest = result.highest
      out += s.bold(result.path) + ": "
      out += highest.isEmpty ? s.dim("no versioned requirement") : highest.map(\.version).joined(separator: ", ")
      out += "\n"
      var namespaces: [String] = []
      for item in result.requirements where !namespaces.contains(item.version.namespace) {
        namespaces.append(item.version.namespace)
      }
      for namespace in VersionsResult.ordered(namespaces) {
        let items = result.requirements.filter { $0.version.namespace == namespace }
        // Numbered versions, highest first; then the names without a number; then weak ones.
        var versions: [SymbolVersionName] = []
        for item in items where !item.weak && item.version.number != nil && !versions.contains(item.version) {
          versions.append(item.version)
        }
        versions.sort { $0.isHigher(than: $1) }
        if !all { versions = Array(versions.prefix(1)) }
        for version in versions {
          out += lines(s.cyan(version.name), items.filter { !$0.weak && $0.version == version }, style: s)
        }
        var unranked: [SymbolVersionName] = []
        for item in items where !item.weak && item.version.number == nil && !unranked.contains(item.version) {
          unranked.append(item.version)
        }
        for version in unranked {
          out += lines(
            version.name + s.dim(" (no number, not ranked)"), items.filter { !$0.weak && $0.version == version },
            style: s)
        }
        var weak: [SymbolVersionName] = []
        for item in items where item.weak && !weak.contains(item.version) { weak.append(item.version) }
        for version in weak {
          out += lines(
            version.name + s.dim(" (weak, not counted)"), items.filter { $0.weak && $0.version == version }, style: s)
        }
      }
      if !result.excesses.isEmpty {
        out += "  " + s.red("above the limit:") + "\n"
        for excess in result.excesses {
          out +=
            "    " + (excess.symbol ?? "(no symbol)") + " needs " + s.red(excess.version) + " > " + excess.limit
            + " of " + excess.library + ", referenced by " + excess.requiredBy + "\n"
        }
      }
      for item in result.missingLibraries {
        out +=
          "  " + s.red("library not found: ") + item.name
          + " (needed by \(item.neededBy)): its requirements are unknown\n"
      }
      for item in result.unreadable {
        out += "  " + s.red("not read: ") + item.path + ": " + item.reason + "\n"
      }
    }
    return out
  }

  /// "  VERSION  needed by OBJECT of LIBRARY for SYMBOLS", one line per requiring object.
  private func lines(_ head: String, _ items: [VersionRequirement], style s: Style) -> String {
    var out = "  " + head + "\n"
    for item in items {
      out += "    " + item.requiredBy + s.dim(" of ") + item.library
      if !item.symbols.isEmpty {
        let shown = all ? item.symbols : Array(item.symbols.prefix(Self.symbolsShown))
        out += s.dim(": ") + shown.joined(separator: ", ")
        if shown.count < item.symbols.count { out += s.dim(" and \(item.symbols.count - shown.count) more") }
      }
      out += "\n"
    }
    return out
  }
}
