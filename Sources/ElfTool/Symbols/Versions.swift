import Synchronization

/// One version an object requires of a library (one Elf_Vernaux of its DT_VERNEED), with the
/// symbols of the object bound to it.
public struct VersionRequirement: Sendable, Equatable {
  /// The version, split into namespace and number.
  public var version: SymbolVersionName
  /// The library it is required of, as DT_VERNEED names it (vn_file, a soname).
  public var library: String
  /// Where that library was loaded from, nil when it was not found or the closure was not resolved.
  public var libraryPath: String?
  /// The object that requires it.
  public var requiredBy: String
  /// VER_FLG_WEAK: the loader only warns when the version is missing; counted neither towards the
  /// highest version nor towards a limit.
  public var weak: Bool
  /// The object's dynamic symbols bound to this version (references, and copies made by COPY
  /// relocations), in symbol table order.
  public var symbols: [String]
}

/// The highest version a closure requires in one namespace.
public struct HighestVersion: Sendable, Equatable {
  /// The namespace (`GLIBC`).
  public var namespace: String
  /// The full version name (`GLIBC_2.34`).
  public var version: String
}

/// A symbol (or a requirement without symbols) that needs a higher version than `--max` allows.
public struct VersionExcess: Sendable, Equatable {
  /// The symbol, nil when the requirement names no symbol.
  public var symbol: String?
  /// The version it needs.
  public var version: String
  /// The limit it exceeds.
  public var limit: String
  /// The object that references it.
  public var requiredBy: String
  /// The library it is required of.
  public var library: String
}

/// A highest allowed version for one namespace (`--max GLIBC_2.28`).
public struct VersionLimit: Sendable, Equatable {
  /// The version, with a number.
  public var version: SymbolVersionName

  /// Parses `text`; an error for a name without a number.
  public init(_ text: String) throws(ElfError) {
    let version = SymbolVersionName(text)
    guard version.number != nil else {
      throw ElfError(
        text, .usage, "--max needs a version with a number, such as GLIBC_2.28 (the namespace, `_`, the number)")
    }
    self.version = version
  }
}

/// What `elfdyn versions` finds for one input.
public struct VersionsResult: Sendable {
  /// The input.
  public var path: String
  /// Every requirement counted, in load order of the requiring objects (the input first), weak ones
  /// included (marked).
  public var requirements: [VersionRequirement] = []
  /// The objects of the closure whose requirements are not counted: glibc's own libraries.
  public var notCounted: [String] = []
  /// Needed libraries that were not found or cannot be loaded: the answer is incomplete.
  public var missingLibraries: [MissingLibrary] = []
  /// Objects whose version tables could not be read: the answer is incomplete.
  public var unreadable: [UncheckedObject] = []
  /// With limits: every symbol that needs more than its namespace's limit.
  public var excesses: [VersionExcess] = []

  /// The highest numbered, non-weak version required in each namespace: GLIBC, GLIBCXX, CXXABI and
  /// GCC first, then the others by name.
  public var highest: [HighestVersion] {
    var best: [String: SymbolVersionName] = [:]
    for requirement in requirements where !requirement.weak && requirement.version.number != nil {
      let version = requirement.version
      if let known = best[version.namespace], !version.isHigher(than: known) { continue }
      best[version.namespace] = version
    }
    return Self.ordered(Array(best.keys)).compactMap { namespace in
      best[namespace].map { HighestVersion(namespace: namespace, version: $0.name) }
    }
  }

  /// Namespaces in display order: GLIBC, GLIBCXX, CXXABI, GCC, then the others alphabetically.
  public static func ordered(_ namespaces: [String]) -> [String] {
    let first = ["GLIBC", "GLIBCXX", "CXXABI", "GCC"]
    return first.filter(namespaces.contains) + namespaces.filter { !first.contains($0) }.sorted()
  }

  /// Whether the result is complete and within every limit (exit status 0).
  public var isClean: Bool { excesses.isEmpty && missingLibraries.isEmpty && unreadable.isEmpty }
}

/// What to compute.
public struct VersionsOptions: Sendable {
  /// Count the whole load closure (true) or only each input file itself.
  public var closure = true
  /// Highest allowed versions, at most one per namespace.
  public var limits: [VersionLimit] = []
  /// Every option at its default.
  public init() {}
}

/// `elfdyn versions`: the versions each input's load closure requires, read from DT_VERNEED and
/// DT_VERSYM of every object (glibc's own libraries excepted), so that the highest one per
/// namespace says on which systems the program can run. Each object is read once, however many
/// inputs load it.
public final class VersionAnalyzer: Sendable {
  /// How libraries are found.
  public let resolver: Resolver
  /// What to compute.
  public let options: VersionsOptions
  /// Per file: its requirements (library names unresolved), or why they cannot be read.
  private let cache = Mutex<[FileID: Result<[VersionRequirement], ElfError>]>([:])

  /// An analyzer that resolves closures with `resolver`.
  public init(resolver: Resolver, options: VersionsOptions) {
    self.resolver = resolver
    self.options = options
  }

  /// Analyses every input over the cores; an input that cannot be read is an error for it alone.
  public func analyzeAll(_ inputs: [String]) -> [Result<VersionsResult, ElfError>] {
    mapInputs(inputs) { path throws(ElfError) in try self.analyze(path) }
  }

  /// The requirements of one input (its closure, or the file alone).
  public func analyze(_ path: String) throws(ElfError) -> VersionsResult {
    var result = VersionsResult(path: path)
    if !options.closure {
      let file = try ElfFile(path: path)
      switch requirements(of: file) {
      case .success(let found): result.requirements = found
      case .failure(let error): throw error
      }
      applyLimits(&result)
      return result
    }
    let graph = try resolver.resolve(path)
    result.missingLibraries = graph.missingLibraries
    let scope = graph.objects.filter(\.found)
    for (position, object) in scope.enumerated() {
      guard let file = object.file else { continue }
      let name = object.path ?? object.name
      // The input is always counted: it is what was asked about, even when it is glibc's own.
      if position > 0 && GlibcLibraries.contains(object) {
        result.notCounted.append(name)
        continue
      }
      switch requirements(of: file) {
      case .failure(let error): result.unreadable.append(UncheckedObject(path: name, reason: error.message))
      case .success(var found):
        for index in found.indices {
          found[index].requiredBy = name
          found[index].libraryPath =
            scope.first { $0.names.contains(found[index].library) || $0.soname == found[index].library }?.path
        }
        result.requirements += found
      }
    }
    applyLimits(&result)
    return result
  }

  /// Lists every requirement (non-weak, numbered, in a limited namespace) above its limit, one
  /// entry per symbol bound to it.
  private func applyLimits(_ result: inout VersionsResult) {
    guard !options.limits.isEmpty else { return }
    for requirement in result.requirements where !requirement.weak {
      guard
        let limit = options.limits.first(where: { $0.version.namespace == requirement.version.namespace }),
        requirement.version.isHigher(than: limit.version)
      else { continue }
      let symbols: [String?] = requirement.symbols.isEmpty ? [nil] : requirement.symbols
      for symbol in symbols {
        result.excesses.append(
          VersionExcess(
            symbol: symbol, version: requirement.version.name, limit: limit.version.name,
            requiredBy: requirement.requiredBy, library: requirement.library))
      }
    }
  }

  /// The requirements of one file, read once (`requiredBy` is its path, `libraryPath` nil).
  func requirements(of file: ElfFile) -> Result<[VersionRequirement], ElfError> {
    let id = file.fileID
    if id.inode != 0, let known = cache.withLock({ $0[id] }) { return known }
    let made: Result<[VersionRequirement], ElfError>
    do throws(ElfError) {
      made = .success(try Self.read(file))
    } catch {
      made = .failure(error)
    }
    if id.inode != 0 { cache.withLock { $0[id] = made } }
    return made
  }

  /// DT_VERNEED of `file`, and for each needed version the dynamic symbols whose DT_VERSYM entry
  /// names it.
  static func read(_ file: ElfFile) throws(ElfError) -> [VersionRequirement] {
    guard let dynamic = file.dynamic, dynamic.value(of: .verneed) != nil else { return [] }
    let table = try SymbolTable(file: file)
    var requirements: [VersionRequirement] = []
    var position: [ObjectIdentifier: Int] = [:]
    for (library, versions) in table.requirements {
      for version in versions {
        position[ObjectIdentifier(version)] = requirements.count
        requirements.append(
          VersionRequirement(
            version: SymbolVersionName(version.name), library: library, libraryPath: nil, requiredBy: file.path,
            weak: version.weak, symbols: []))
      }
    }
    guard table.hasVersions else { return requirements }
    table.withView { view in
      for index in 1..<max(view.count, 1) {
        guard let needed = table.neededVersion(view.versionIndex(index).index),
          let at = position[ObjectIdentifier(needed)], let symbol = view.symbol(index), let name = view.name(symbol),
          !name.isEmpty
        else { continue }
        requirements[at].symbols.append(name)
      }
    }
    return requirements
  }
}
