import ElfTool

/// Renders `conflicts` results: per input each symbol defined twice, the definition the loader
/// binds to and who references it; Rust crates loaded twice; and the JSON contract.
public struct ConflictsRenderer {
  /// One result per input.
  public var results: [ConflictsResult]
  /// Also the benign duplicates, and each symbol of a crate loaded twice.
  public var all: Bool
  /// Turns a mangled name into a readable one (nil when it is not mangled).
  public var demangle: (String) -> String?

  /// A renderer of `results`.
  public init(results: [ConflictsResult], all: Bool = false, demangle: @escaping (String) -> String? = { _ in nil }) {
    self.results = results
    self.all = all
    self.demangle = demangle
  }

  /// The name of a benign kind in JSON.
  static func benignName(_ kind: BenignDuplicate) -> String { kind.rawValue }

  /// Why a duplicate is harmless, in words.
  static func benignReason(_ kind: BenignDuplicate) -> String {
    switch kind {
    case .glibc: return "shared among glibc's own libraries"
    case .versioned: return "each definition has a version of its own, so each reference finds its own"
    case .vagueLinkage: return "weak or unique everywhere (inline, template or typeinfo), unified on purpose"
    case .linkerDefined: return "defined by the linker in every object"
    case .copyRelocation: return "the executable's copy of a library variable (COPY relocation)"
    case .rustGeneric:
      return "an instance of a generic item of Rust's standard library, compiled into each crate using it"
    }
  }

  /// One JSON object per input: {"path", "conflicts": [{"symbol", "demangled"?, "crate"?, "benign",
  /// "winner", "definitions": [{"library", "version", "hiddenVersion", "weak", "function", "size", "copy"}],
  /// "references": [{"object", "boundTo"}]}], "crates": [{"crate", "objects", "symbols",
  /// "sameNamedFiles"}], "missingLibraries"?, "unreadable"?}. Benign duplicates only with `all`.
  public func json(_ result: ConflictsResult) -> JSONValue {
    let shown = all ? result.conflicts : result.real
    var fields: [(String, JSONValue)] = [
      ("path", .string(result.path)),
      (
        "conflicts",
        .array(
          shown.map { item in
            var entry: [(String, JSONValue)] = [("symbol", .string(item.symbol))]
            if let demangled = demangle(item.symbol) { entry.append(("demangled", .string(demangled))) }
            if let crate = item.crate { entry.append(("crate", .string(crate))) }
            entry += [
              ("benign", .optional(item.benign.map(Self.benignName))),
              ("winner", .optional(item.winner)),
              (
                "definitions",
                .array(
                  item.definitions.map {
                    .object([
                      ("library", .string($0.library)), ("version", .optional($0.version)),
                      ("hiddenVersion", .bool($0.hiddenVersion)), ("weak", .bool($0.weak)),
                      ("function", .bool($0.function)), ("size", .number(Int(clamping: $0.size))),
                      ("copy", .bool($0.copy)),
                    ])
                  })
              ),
              (
                "references",
                .array(
                  item.references.map {
                    .object([("object", .string($0.object)), ("boundTo", .optional($0.boundTo))])
                  })
              ),
            ]
            return .object(entry)
          })
      ),
      (
        "crates",
        .array(
          result.crates.map {
            .object([
              ("crate", .string($0.crate)), ("objects", .array($0.objects.map { .string($0) })),
              ("symbols", .number($0.symbols)), ("sameNamedFiles", .bool($0.sameNamedFiles)),
            ])
          })
      ),
    ]
    fields += JSONValue.incompleteness(missing: result.missingLibraries, unreadable: result.unreadable)
    return .object(fields)
  }

  /// One block per input with a conflict (and, with `showClean`, a line for each clean one).
  public func text(style s: Style, showClean: Bool) -> String {
    var out = ""
    for result in results {
      let real = result.real
      let crates = result.crates
      let count = real.count
      if result.isClean && !(all && !result.conflicts.isEmpty) {
        if showClean { out += s.bold(result.path) + ": " + s.green("ok") + ", no symbol defined twice\n" }
        continue
      }
      out += s.bold(result.path) + ": "
      out += count == 0 ? s.green("ok") : s.red("\(count) conflict" + (count == 1 ? "" : "s"))
      if !crates.isEmpty {
        out += ", " + s.red("\(crates.count) crate" + (crates.count == 1 ? "" : "s") + " loaded twice")
      }
      out += "\n"
      for crate in crates {
        out += "  " + s.red("crate \(crate.crate) is loaded twice") + ": in " + crate.objects.joined(separator: ", ")
        if crate.sameNamedFiles { out += s.dim(" (two lib\(crate.crate)-<hash>.so files)") }
        if crate.symbols > 0 {
          let winner = real.first { $0.crate == crate.crate }?.winner
          out += "; \(crate.symbols) of its symbols are defined more than once"
          if let winner { out += ", the loader binds them to " + winner }
        }
        out += "\n"
      }
      let crateNames = Set(crates.map(\.crate))
      for item in result.conflicts {
        if item.benign != nil && !all { continue }
        if !all, let crate = item.crate, crateNames.contains(crate) { continue }
        out += conflictText(item, style: s)
      }
      for item in result.missingLibraries {
        out +=
          "  " + s.red("library not found: ") + item.name + " (needed by \(item.neededBy)): its symbols are unknown\n"
      }
      for item in result.unreadable { out += "  " + s.red("not read: ") + item.path + ": " + item.reason + "\n" }
    }
    return out
  }

  private func conflictText(_ item: SymbolConflict, style s: Style) -> String {
    var line = "  " + (item.benign == nil ? s.yellow(item.symbol) : item.symbol)
    if let demangled = demangle(item.symbol), demangled != item.symbol { line += s.dim(" (\(demangled))") }
    let kind = item.definitions.first.map { $0.function ? "function" : "data" } ?? "symbol"
    line +=
      ", \(kind) defined by "
      + item.definitions.map { definition in
        var text = definition.library
        if let version = definition.version { text += (definition.hiddenVersion ? "@" : "@@") + version }
        if definition.weak { text += s.dim(" (weak)") }
        if definition.copy { text += s.dim(" (its copy, by a COPY relocation)") }
        return text
      }.joined(separator: ", ")
    var out = line + "\n"
    if let benign = item.benign {
      out += "    " + s.dim("benign: " + Self.benignReason(benign)) + "\n"
      return out
    }
    if let winner = item.winner { out += "    the loader binds it to " + s.bold(winner) + "\n" }
    var byTarget: [(String, [String])] = []
    for reference in item.references {
      let target = reference.boundTo ?? "nothing"
      if let index = byTarget.firstIndex(where: { $0.0 == target }) {
        byTarget[index].1.append(reference.object)
      } else {
        byTarget.append((target, [reference.object]))
      }
    }
    for (target, objects) in byTarget {
      out += "    referenced by " + objects.joined(separator: ", ") + s.dim(" -> ") + target + "\n"
    }
    if item.references.isEmpty { out += "    " + s.dim("no object of the closure references it") + "\n" }
    return out
  }
}
