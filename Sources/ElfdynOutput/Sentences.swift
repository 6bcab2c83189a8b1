import ElfTool

/// The sentences elfdyn says about facts the library found: hints for unresolved symbols and for
/// libraries that were not found. The analysis returns facts; only this file words them.
public enum Sentences {
  /// The hint for an unresolved symbol, nil when elfdyn found nothing to say.
  public static func hint(for item: UnresolvedSymbol) -> String? {
    let referencing = basename(item.referencedBy)
    if case .indirect(let definedIn) = item.kind {
      return "\(item.symbol) is found at run time only in \(basename(definedIn)), which \(referencing) does not "
        + "depend on: add it to its DT_NEEDED (link it against that library)"
    }
    var sentences: [String] = []
    for fact in item.definitions {
      switch fact {
      case .notExported(let library, let visibility, let rust):
        let name = basename(library)
        var sentence = "\(item.symbol) is defined in \(name) but not exported (\(visibility.rawValue))"
        if rust {
          sentence +=
            ": a Rust dylib exports only Rust items, so C code linked into it stays local, while the code "
            + "that calls it was inlined into \(referencing) (an #[inline] function of that crate); export it from "
            + "\(name) or make the caller non-inline"
        } else {
          sentence += ": give it default visibility (or list it in the version script) in \(name)"
        }
        sentences.append(sentence)
      case .otherVersions(let definitions):
        let found = definitions.map { definition -> String in
          var text = item.symbol
          if let version = definition.version {
            text += definition.hidden ? "@\(version) (a hidden version)" : "@@\(version)"
          }
          return text + " in " + basename(definition.library)
        }
        let wanted = item.version.map { "\(item.symbol)@\($0)" } ?? "\(item.symbol) (unversioned)"
        sentences.append(
          "\(item.symbol) is defined only as \(found.joined(separator: ", ")); \(referencing) needs \(wanted)")
      case .noValue(let library):
        sentences.append(
          "\(item.symbol) is defined in \(basename(library)) with no value (st_value 0), which the loader ignores")
      case .exportedOutside(let library, let directory):
        sentences.append(
          "\(item.symbol) is defined by \(basename(library)) in \(directory), which \(referencing) does not depend on: "
            + "link \(referencing) against it")
      case .archiveMember(let archive, let member):
        if sentences.isEmpty {
          sentences.append(
            "\(item.symbol) is defined in \(member) of the static archive \(archive), which no library of the "
              + "closure exports it from: link that archive into \(referencing)")
        } else {
          sentences.append("it comes from \(member) in the static archive \(archive)")
        }
      }
    }
    return sentences.isEmpty ? nil : sentences.joined(separator: "; ")
  }

  /// The hint for a library that was not found, from where it really is.
  public static func hint(forMissing name: String, at location: LibraryLocation) -> String {
    switch location {
    case .rustToolchain(let toolchain, let directory):
      return "\(name) is the Rust standard library of toolchain \(toolchain), in \(directory); "
        + "run `elfdyn set-rpath` to record its directory in the runpath, or set LD_LIBRARY_PATH=\(directory)"
    case .rustToolchainMissing:
      return "\(name) is a Rust standard library that no installed toolchain has (rebuild with the "
        + "active toolchain, or install the one that built it)"
    case .directory(let directory, let cargoDeps):
      let cargo = cargoDeps ? " (a Cargo build's output)" : ""
      return "\(name) is in \(directory)\(cargo), which is not on the search path; "
        + "run `elfdyn set-rpath` to record it in the runpath, or set LD_LIBRARY_PATH=\(directory)"
    }
  }

  static func basename(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }
}
