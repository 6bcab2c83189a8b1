import ElfTool

/// Renders `check-undefined` results: the JSON contract and text grouped by referencing object.
public struct CheckRenderer {
  /// One result per input, in input order.
  public var results: [CheckResult]
  /// Turns a mangled name into a readable one (nil when it is not mangled).
  public var demangle: (String) -> String?

  /// A renderer of `results`; `demangle` turns a symbol into a readable name (nil: not mangled).
  public init(results: [CheckResult], demangle: @escaping (String) -> String? = { _ in nil }) {
    self.results = results
    self.demangle = demangle
  }

  static func kindName(_ kind: UnresolvedSymbol.Kind) -> String {
    switch kind {
    case .unresolved: return "unresolved"
    case .unrelocated: return "unrelocated"
    case .indirect: return "indirect"
    }
  }

  /// {"results": [{"path", "undefined": [{"symbol", "demangled"?, "version", "referencedBy", "weak",
  /// "kind", "hint"?}], "missingVersions": [...], "missingLibraries": [...], "unused"?: [...]}]}
  public func json() -> JSONValue {
    .object([
      (
        "results",
        .array(
          results.map { result in
            var fields: [(String, JSONValue)] = [
              ("path", .string(result.path)),
              (
                "undefined",
                .array(
                  result.undefined.map { item in
                    var entry: [(String, JSONValue)] = [("symbol", .string(item.symbol))]
                    if let demangled = demangle(item.symbol) { entry.append(("demangled", .string(demangled))) }
                    entry += [
                      ("version", .optional(item.version)),
                      ("referencedBy", .string(item.referencedBy)),
                      ("weak", .bool(item.weak)),
                      ("kind", .string(Self.kindName(item.kind))),
                    ]
                    if case .indirect(let definedIn) = item.kind { entry.append(("definedIn", .string(definedIn))) }
                    if let hint = Sentences.hint(for: item) { entry.append(("hint", .string(hint))) }
                    return .object(entry)
                  })
              ),
              (
                "missingVersions",
                .array(
                  result.missingVersions.map {
                    .object([
                      ("version", .string($0.version)), ("library", .string($0.library)),
                      ("requiredBy", .string($0.requiredBy)), ("weak", .bool($0.weak)),
                    ])
                  })
              ),
              (
                "missingLibraries",
                .array(
                  result.missingLibraries.map { item in
                    var entry: [(String, JSONValue)] = [
                      ("name", .string(item.name)), ("neededBy", .string(item.neededBy)),
                    ]
                    if let error = item.error { entry.append(("error", .string(error))) }
                    return .object(entry)
                  })
              ),
            ]
            if !result.unused.isEmpty {
              fields.append(
                (
                  "unused",
                  .array(
                    result.unused.map {
                      .object([
                        ("name", .string($0.name)), ("path", .string($0.path)), ("neededBy", .string($0.neededBy)),
                      ])
                    })
                ))
            }
            if !result.unchecked.isEmpty {
              fields.append(
                (
                  "unchecked",
                  .array(
                    result.unchecked.map { .object([("path", .string($0.path)), ("reason", .string($0.reason))]) })
                ))
            }
            if !result.warnings.isEmpty { fields.append(("warnings", .array(result.warnings.map { .string($0) }))) }
            return .object(fields)
          })
      )
    ])
  }

  /// One block per input with problems, grouped by referencing object, one line per problem.
  public func text(style s: Style, showClean: Bool) -> String {
    var out = ""
    for result in results {
      let problems = result.problemCount
      if problems == 0 && result.unused.isEmpty && result.warnings.isEmpty {
        if showClean { out += s.bold(result.path) + ": " + s.green("ok") + ", nothing unresolved\n" }
        continue
      }
      out +=
        s.bold(result.path) + ": "
        + (problems == 0 ? s.green("ok") : s.red("\(problems) problem" + (problems == 1 ? "" : "s"))) + "\n"
      var groups: [String] = []
      for item in result.undefined where !groups.contains(item.referencedBy) { groups.append(item.referencedBy) }
      for item in result.missingVersions where !groups.contains(item.requiredBy) { groups.append(item.requiredBy) }
      for item in result.missingLibraries where !groups.contains(item.neededBy) { groups.append(item.neededBy) }
      for group in groups {
        out += "  " + group + "\n"
        for item in result.missingLibraries where item.neededBy == group {
          out += "    " + s.red("library not found: ") + item.name
          if let error = item.error { out += " (\(error))" }
          out += "\n"
        }
        for item in result.missingVersions where item.requiredBy == group {
          if item.weak {
            out += "    " + s.yellow("weak version `\(item.version)' not found") + " in \(item.library)\n"
          } else {
            out += "    " + s.red("version `\(item.version)' not found") + " in \(item.library)\n"
          }
        }
        for item in result.undefined where item.referencedBy == group {
          var line = "    "
          switch item.kind {
          case .unresolved: line += s.red(item.weak ? "undefined weak symbol: " : "undefined symbol: ")
          case .unrelocated: line += s.red("undefined symbol (no relocation): ")
          case .indirect: line += s.yellow("symbol from outside its dependencies: ")
          }
          line += item.symbol
          if let version = item.version { line += ", version " + version }
          if let demangled = demangle(item.symbol), demangled != item.symbol { line += s.dim(" (\(demangled))") }
          out += line + "\n"
          if let hint = Sentences.hint(for: item) { out += "      " + s.yellow("hint: ") + hint + "\n" }
        }
      }
      for item in result.unchecked {
        out += "  " + item.path + "\n    " + s.red("not checked: ") + item.reason + "\n"
      }
      for item in result.unused {
        out += "  " + s.dim("unused dependency: ") + item.name + " => " + item.path + "\n"
      }
      for warning in result.warnings { out += "  " + s.dim("warning: " + warning) + "\n" }
    }
    return out
  }
}
