/// What `check-undefined` finds, as typed facts; the executable turns them into sentences.

/// What to check, beyond the loader's own rules.
public struct CheckOptions: Sendable {
  /// Also report what linkers reject but the loader tolerates: undefined .dynsym entries that no
  /// relocation names, and references satisfied only by an object the referencing library does not
  /// depend on (lld's --no-allow-shlib-undefined view).
  public var strict = false
  /// Also list direct dependencies from which the input uses no symbol (like `ldd -u`).
  public var unused = false
  /// Directories whose static archives (.a, .rlib) are searched for a missing symbol's definition.
  public var archiveDirectories: [String] = []
  /// Check the inputs as plugins loaded into this executable (its scope first).
  public var host: String?
  /// The environment Cargo and rustup settings are read from, to find where missing libraries are
  /// (CARGO_TARGET_DIR, RUSTUP_HOME, ...).
  public var environment: [String: String] = [:]
  /// Every option at its default.
  public init() {}
}

/// One symbol reference nothing satisfies.
public struct UnresolvedSymbol: Sendable, Equatable {
  /// Why it is reported.
  public enum Kind: Sendable, Equatable {
    /// The loader would fail ("undefined symbol").
    case unresolved
    /// --strict: an undefined .dynsym entry that no relocation names, defined nowhere.
    case unrelocated
    /// --strict: satisfied at run time only by an object the referencing library does not depend on.
    case indirect(definedIn: String)
  }
  /// The symbol's name as in the file (mangled).
  public var symbol: String
  /// The version the reference asks for.
  public var version: String?
  /// The path of the object that references it.
  public var referencedBy: String
  /// A weak reference.
  public var weak: Bool
  /// Why it is reported.
  public var kind: Kind
  /// Where the symbol really is, when elfdyn found it (empty: nowhere it looked).
  public var definitions: [DefinitionFact] = []
}

/// Where an unresolved symbol really is, found after the fact (see `DefinitionFinder`).
public enum DefinitionFact: Sendable, Equatable {
  /// Defined in `library` (a path) but not exported: a local, hidden or internal symbol. `rust`:
  /// the library is a Rust dylib and the reference comes from another object (an inlined caller).
  case notExported(library: String, visibility: LocalDefinition, rust: Bool)
  /// Exported by objects of the closure only with other versions (or hidden ones).
  case otherVersions([VersionedDefinition])
  /// Exported by `library` with st_value 0, which the loader ignores.
  case noValue(library: String)
  /// Exported by `library`, in `directory`, which the closure does not load.
  case exportedOutside(library: String, directory: String)
  /// A member of a static archive defines it. `crate`: the Cargo package whose build script
  /// produced the archive (`target/<profile>/build/<crate>-<hash>/`), when it is one.
  case archiveMember(archive: String, member: String, crate: String?)
  /// Exported by `library` (a path), the file a needed library that was not found would be: the
  /// symbol is unresolved only because that library is missing (`name`: the DT_NEEDED name).
  case inMissingLibrary(name: String, library: String)
  /// Defined but not exported (`visibility`) in `library`, in `directory`, which the closure does
  /// not load (a library `--as-needed` may have dropped). `rust`: a Rust dylib.
  case notExportedOutside(library: String, directory: String, visibility: LocalDefinition, rust: Bool)
}

/// How a definition is kept from being exported.
public enum LocalDefinition: String, Sendable, Equatable {
  /// STB_LOCAL in .symtab.
  case local = "local symbol"
  /// STV_HIDDEN.
  case hidden = "hidden symbol"
  /// STV_INTERNAL.
  case `internal` = "internal symbol"
}

/// A definition with a version, or none.
public struct VersionedDefinition: Sendable, Equatable {
  /// The version name, nil for an unversioned definition.
  public var version: String?
  /// Whether it is a hidden (non-default) version.
  public var hidden: Bool
  /// The path of the library that defines it.
  public var library: String
}

/// A version that a library does not define, though another object requires it.
public struct MissingVersion: Sendable, Equatable {
  /// The version's name.
  public var version: String
  /// The library's path (its DT_NEEDED name when it was not found).
  public var library: String
  /// The object that requires it.
  public var requiredBy: String
  /// A VER_FLG_WEAK requirement: the loader warns and goes on (not counted as a problem).
  public var weak: Bool = false
}

/// A needed library that was not found or cannot be loaded.
public struct MissingLibrary: Sendable, Equatable {
  /// The DT_NEEDED name.
  public var name: String
  /// The object that needs it.
  public var neededBy: String
  /// Why it cannot be loaded, when it was found but is broken.
  public var error: String?
  /// Where the library actually is, when elfdyn found it off the search path.
  public var location: LibraryLocation?
  /// The unresolved symbols that library exports: unresolved only because it is missing.
  public var wouldProvide: [String] = []
}

/// A direct dependency the object takes no symbol from (--unused).
public struct UnusedDependency: Sendable, Equatable {
  /// The DT_NEEDED name.
  public var name: String
  /// Where it was loaded from.
  public var path: String
  /// The object that needs it.
  public var neededBy: String
}

/// An object whose symbols could not be checked: never passed as clean.
public struct UncheckedObject: Sendable, Equatable {
  /// The object's path.
  public var path: String
  /// Why (a table that cannot be read, a machine without relocation rules).
  public var reason: String
}

/// The result for one input.
public struct CheckResult: Sendable {
  /// The input.
  public var path: String
  /// The input is statically linked: nothing is bound at load time, nothing to check.
  public var staticallyLinked = false
  /// Unresolved references.
  public var undefined: [UnresolvedSymbol] = []
  /// Versions that are required and not defined.
  public var missingVersions: [MissingVersion] = []
  /// Needed libraries not found or not loadable.
  public var missingLibraries: [MissingLibrary] = []
  /// With `unused`: dependencies the input takes nothing from.
  public var unused: [UnusedDependency] = []
  /// Objects of the closure that could not be checked.
  public var unchecked: [UncheckedObject] = []
  /// Objects whose DT_VERNEED names a library that has no version definitions at all (a warning,
  /// as the loader prints "no version information available").
  public var warnings: [String] = []

  /// Everything that makes the result fail (exit status 1); weak missing versions only warn.
  public var problemCount: Int {
    undefined.count + missingVersions.filter { !$0.weak }.count + missingLibraries.count + unchecked.count
  }

  /// The problems that have a cause of their own: `problemCount` without the symbols that are
  /// unresolved only because a library is missing (that library is the cause).
  public var rootCauseCount: Int { problemCount - undefined.filter(\.isInMissingLibrary).count }
}

extension UnresolvedSymbol {
  /// The DT_NEEDED name of the missing library that would provide the symbol, nil when none does.
  public var missingLibrary: String? {
    for fact in definitions { if case .inMissingLibrary(let name, _) = fact { return name } }
    return nil
  }

  /// Whether the symbol is unresolved only because a needed library is missing.
  public var isInMissingLibrary: Bool { missingLibrary != nil }
}

extension LoadGraph {
  /// Every needed library not found or not loadable, once per object that needs it (an
  /// auxiliary filtee that is simply absent is not missing).
  public var missingLibraries: [MissingLibrary] {
    var missing: [MissingLibrary] = []
    for object in objects where !object.found {
      if object.auxiliary && object.via == .notFound { continue }
      for needer in object.neededBy.isEmpty ? [0] : object.neededBy {
        missing.append(
          MissingLibrary(
            name: object.name, neededBy: objects[needer].path ?? objects[needer].name, error: object.error))
      }
    }
    return missing
  }
}
