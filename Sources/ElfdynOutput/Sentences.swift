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
      case .archiveMember(let archive, let member, let crate):
        let built = crate.map { ", which the build script of crate `\($0)` produced" } ?? ""
        let fix =
          crate.map {
            "the fix belongs in crate `\($0)`: export the symbol from its dylib, or link the archive into the "
              + "crate that calls it"
          } ?? "link that archive into \(referencing), or into a library it depends on that exports the symbol"
        if sentences.isEmpty {
          sentences.append("\(item.symbol) is defined in \(member) of the static archive \(archive)\(built); \(fix)")
        } else {
          sentences.append("it comes from \(member) of the static archive \(archive)\(built); \(fix)")
        }
      case .inMissingLibrary(let name, let library):
        sentences.append("\(item.symbol) is exported by \(library), the \(name) that was not found")
      case .notExportedOutside(let library, let directory, let visibility, let rust):
        let name = basename(library)
        var sentence =
          "\(item.symbol) is defined in \(name) in \(directory) as a \(visibility.rawValue), and \(referencing) "
          + "does not load \(name) (did the linker's --as-needed drop it?)"
        if rust {
          sentence +=
            ": a Rust dylib exports only Rust items, so C code linked into it stays local; export the symbol from "
            + "\(name)'s crate, and link \(referencing) against \(name)"
        } else {
          sentence += ": give it default visibility in \(name), and link \(referencing) against \(name)"
        }
        sentences.append(sentence)
      }
    }
    return sentences.isEmpty ? nil : sentences.joined(separator: "; ")
  }

  /// How the user can fix a missing library: the set-rpath command that records its directory.
  public struct Fix: Sendable {
    /// The input as the user named it.
    public var input: String
    /// The profile directory (`debug`, `release`) when the input is an output of the Cargo
    /// project in the current directory: `elfdyn set-rpath` with no file fixes every output.
    public var cargoProfile: String?
    /// The library is needed by a library of the closure, not by the input itself.
    public var neededByLibrary: Bool
    /// A fix for `input`.
    public init(input: String, cargoProfile: String?, neededByLibrary: Bool) {
      self.input = input
      self.cargoProfile = cargoProfile
      self.neededByLibrary = neededByLibrary
    }

    var cargo: Bool { cargoProfile != nil }

    /// The command line that records `directory` in the runpaths that need it.
    func command(directory: String) -> String {
      if let cargoProfile {
        return "elfdyn set-rpath" + (cargoProfile == "debug" ? "" : " --profile " + shellQuoted(cargoProfile))
      }
      return "elfdyn set-rpath " + (neededByLibrary ? "--recursive " : "") + "-L " + shellQuoted(directory) + " "
        + shellQuoted(input)
    }
  }

  /// The hint for a library that was not found, from where it really is, with the command that
  /// fixes it.
  public static func hint(forMissing name: String, at location: LibraryLocation, fix: Fix) -> String {
    switch location {
    case .rustToolchain(let toolchain, let directory):
      return "\(name) is the Rust standard library of toolchain \(toolchain), in \(directory): "
        + "run `\(fix.command(directory: directory))` to record it in the runpath, or set LD_LIBRARY_PATH=\(directory)"
        + (fix.cargo ? "; `-C rpath` in RUSTFLAGS (or `rpath = true` in the Cargo profile) makes rustc record it" : "")
    case .rustToolchainMissing:
      return "\(name) is a Rust standard library that no installed toolchain has (rebuild with the "
        + "active toolchain, or install the one that built it)"
    case .directory(let directory, let cargoDeps):
      let cargo = cargoDeps ? " (a Cargo build's output)" : ""
      var sentence =
        "\(name) is in \(directory)\(cargo), which is not on the search path: "
        + "run `\(fix.command(directory: directory))` to record it in the runpath, or set LD_LIBRARY_PATH=\(directory)"
      if fix.cargo && cargoDeps {
        sentence += "; `-C rpath` in RUSTFLAGS (or `rpath = true` in the Cargo profile) makes rustc record it"
      }
      return sentence
    }
  }

  /// The interpreter a CPython extension module is built for, from its file name
  /// (`_ssl.cpython-311-x86_64-linux-gnu.so` → `/usr/bin/python3.11`; `*.abi3.so` → python3), nil
  /// when the name is not a module's.
  public static func pythonInterpreter(forModule path: String) -> String? {
    let name = basename(path)
    guard name.hasSuffix(".so") else { return nil }
    if name.hasSuffix(".abi3.so") { return "/usr/bin/python3" }
    let bytes = Array(name.utf8)
    let marker = Array(".cpython-3".utf8)
    guard bytes.count > marker.count,
      let start = (0...(bytes.count - marker.count)).first(where: {
        bytes[$0..<$0 + marker.count].elementsEqual(marker)
      })
    else { return nil }
    let minor = String(decoding: bytes[(start + marker.count)...].prefix { $0 >= 48 && $0 <= 57 }, as: UTF8.self)
    guard !minor.isEmpty else { return nil }
    return "/usr/bin/python3.\(minor)"
  }

  /// Whether a symbol belongs to CPython's C API (what an extension module takes from the
  /// interpreter that imports it).
  public static func isPythonAPI(_ symbol: String) -> Bool {
    symbol.hasPrefix("Py") || symbol.hasPrefix("_Py")
  }

  /// `text` quoted for a POSIX shell when it needs quoting.
  static func shellQuoted(_ text: String) -> String {
    let plain = text.utf8.allSatisfy { byte in
      (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
        || "/._-+=,:@%".utf8.contains(byte)
    }
    if plain && !text.isEmpty { return text }
    return "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
  }

  static func basename(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }
}
