import ElfTool

/// Renders `check-undefined` results: the JSON contract and text grouped by referencing object.
public struct CheckRenderer {
  /// One result per input, in input order.
  public var results: [CheckResult]
  /// Turns a mangled name into a readable one (nil when it is not mangled).
  public var demangle: (String) -> String?
  /// The Cargo profile directory an input is an output of, in the project of the current
  /// directory (then `elfdyn set-rpath` with no file is the fix to suggest); nil when it is not.
  public var cargoProfile: (String) -> String? = { _ in nil }
  /// The key a referencing object's problems are grouped under: hard links of one file (Cargo's
  /// `target/debug/libx.so` and `deps/libx.so`) should map to one key.
  public var fileKey: (String) -> String = { $0 }

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
  /// "kind", "hint"?, "missingLibrary"?}], "missingVersions": [...], "missingLibraries": [{"name",
  /// "neededBy", "error"?, "hint"?, "wouldProvide"?}], "unused"?: [...], "unchecked"?: [...],
  /// "warnings"?: [...]}]}
  public func json() -> JSONValue {
    .object([
      (
        "results",
        .array(
          results.map { result in
            var fields: [(String, JSONValue)] = [
              ("path", .string(result.path)),
              ("staticallyLinked", .bool(result.staticallyLinked)),
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
                    if let library = item.missingLibrary { entry.append(("missingLibrary", .string(library))) }
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
                    if let location = item.location {
                      let fix = Sentences.Fix(
                        input: result.path, cargoProfile: cargoProfile(result.path),
                        neededByLibrary: item.neededBy != result.path)
                      entry.append(("hint", .string(Sentences.hint(forMissing: item.name, at: location, fix: fix))))
                    }
                    if !item.wouldProvide.isEmpty {
                      entry.append(("wouldProvide", .array(item.wouldProvide.map { .string($0) })))
                    }
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

  /// One block per input with problems, grouped by referencing object, one line per problem. A
  /// library's problems are shown once, under the first input that loads it (with every input that
  /// does); symbols that are unresolved only because a library is missing are counted under that
  /// library (listed one by one with `verbose`).
  public func text(style s: Style, showClean: Bool, verbose: Bool = false) -> String {
    var out = ""
    // Which inputs load each library that has problems of its own.
    var loadedBy: [String: [String]] = [:]
    for result in results {
      for group in groups(of: result, verbose: verbose) where group != result.path {
        loadedBy[fileKey(group), default: []].append(result.path)
      }
    }
    var shownUnder: [String: String] = [:]
    for result in results {
      let problems = result.rootCauseCount
      if result.problemCount == 0 && result.unused.isEmpty && result.warnings.isEmpty {
        if showClean {
          out +=
            s.bold(result.path) + ": " + s.green("ok")
            + (result.staticallyLinked
              ? ", statically linked (nothing is bound at load time)\n" : ", nothing unresolved\n")
        }
        continue
      }
      let consequences = result.problemCount - problems
      out +=
        s.bold(result.path) + ": "
        + (result.problemCount == 0 ? s.green("ok") : s.red("\(problems) problem" + (problems == 1 ? "" : "s")))
      if consequences > 0 {
        out += s.dim(" (\(consequences) unresolved symbol\(consequences == 1 ? "" : "s") because of missing libraries)")
      }
      out += "\n"
      var librariesDescribed: Set<String> = []
      for group in groups(of: result, verbose: verbose) {
        let key = fileKey(group)
        if let first = shownUnder[key] {
          out += "  " + group + s.dim(" (problems shown above, under \(first))") + "\n"
          continue
        }
        if group != result.path {
          shownUnder[key] = result.path
          let inputs = loadedBy[key] ?? []
          out += "  " + group
          if inputs.count > 1 { out += s.dim(" (loaded by \(inputs.map(Sentences.basename).joined(separator: ", ")))") }
          out += "\n"
        } else {
          // An input is also shown once: a library given as input that another input loads.
          shownUnder[key] = result.path
          out += "  " + group + "\n"
        }
        for item in result.missingLibraries where item.neededBy == group {
          out += "    " + s.red("library not found: ") + item.name
          if let error = item.error { out += " (\(error))" }
          out += "\n"
          guard librariesDescribed.insert(item.name).inserted else { continue }
          // Every entry of one library name carries the same symbols (see the checker).
          let unique = item.wouldProvide
          if !unique.isEmpty {
            out +=
              "      " + countedList(unique, "symbol", verbose: verbose) + " it would provide "
              + (unique.count == 1 ? "is" : "are") + " unresolved\n"
          }
          if let location = item.location {
            let fix = Sentences.Fix(
              input: result.path, cargoProfile: cargoProfile(result.path), neededByLibrary: item.neededBy != result.path
            )
            out += "      " + s.yellow("hint: ") + Sentences.hint(forMissing: item.name, at: location, fix: fix) + "\n"
          }
        }
        for item in result.missingVersions where item.requiredBy == group {
          if item.weak {
            out += "    " + s.yellow("weak version `\(item.version)' not found") + " in \(item.library)\n"
          } else {
            out += "    " + s.red("version `\(item.version)' not found") + " in \(item.library)\n"
          }
        }
        // A CPython extension module checked alone: its C-API references are the interpreter's.
        var python: [String] = []
        let interpreter = group == result.path ? Sentences.pythonInterpreter(forModule: group) : nil
        if interpreter != nil && !verbose {
          python = result.undefined.filter {
            $0.referencedBy == group && $0.kind == .unresolved && Sentences.isPythonAPI($0.symbol)
          }.map(\.symbol)
        }
        let folded = Set(python)
        if let interpreter, !python.isEmpty {
          out +=
            "    " + s.red(countedList(python, "Python C-API symbol", verbose: false) + " undefined")
            + ": they come from the interpreter that imports the module\n"
          out +=
            "      " + s.yellow("hint: ") + "check it as Python loads it: elfdyn check-undefined --host "
            + Sentences.shellQuoted(interpreter) + " " + Sentences.shellQuoted(group) + "\n"
        }
        for item in result.undefined
        where item.referencedBy == group && (verbose || !item.isInMissingLibrary) && !folded.contains(item.symbol) {
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

  /// The referencing objects with something to show, in order of first appearance.
  private func groups(of result: CheckResult, verbose: Bool) -> [String] {
    var groups: [String] = []
    func add(_ group: String) { if !groups.contains(group) { groups.append(group) } }
    for item in result.missingLibraries { add(item.neededBy) }
    for item in result.missingVersions { add(item.requiredBy) }
    for item in result.undefined where verbose || !item.isInMissingLibrary { add(item.referencedBy) }
    return groups
  }

  /// "3 symbols: a, b, c" or, without `verbose`, the first five and how many more.
  private func countedList(_ names: [String], _ noun: String, verbose: Bool) -> String {
    let shown = verbose ? names : Array(names.prefix(5))
    var text =
      "\(names.count) \(noun)\(names.count == 1 ? "" : "s") ("
      + shown.map { demangle($0) ?? $0 }.joined(
        separator: ", ")
    if shown.count < names.count { text += " and \(names.count - shown.count) more" }
    return text + ")"
  }
}
