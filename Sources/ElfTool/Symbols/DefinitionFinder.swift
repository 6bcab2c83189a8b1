/// Where an unresolved symbol really is: a local or hidden definition in an object of the closure
/// (.symtab), a definition with another version, an export of a library outside the closure (next
/// to the objects, on the search path), or a member of a static archive. Runs only for symbols
/// that are unresolved, so it may read more than the lookups do. Returns facts; the executable
/// turns them into sentences.
struct DefinitionFinder {
  /// Per object (file ID): local/hidden definitions found in .symtab and .dynsym, by name.
  private var localCache: [FileID: [String: LocalDefinition]] = [:]
  private var archiveIndex: [(archive: String, symbols: [String: String])]?
  private var siblingFiles: [String: [ElfFile]] = [:]

  /// What one input's check knows.
  struct Context {
    let checker: SymbolChecker
    let scope: [LoadedObject]
    let tables: [SymbolTable?]
    let graph: LoadGraph
  }

  mutating func definitions(of item: UnresolvedSymbol, _ context: Context) -> [DefinitionFact] {
    var facts: [DefinitionFact] = []
    let scope = context.scope

    // 1. Defined, but local or hidden, in an object of the closure.
    for (position, object) in scope.enumerated() {
      guard let file = object.file, let table = context.tables[position],
        let kind = localDefinition(item.symbol, in: table)
      else { continue }
      facts.append(
        .notExported(
          library: object.path ?? object.name, visibility: kind,
          rust: isRust(file) && object.path != item.referencedBy))
      break
    }

    // 2. Exported by an object of the scope in a way the reference cannot take: another or a
    //    hidden version, or no value. (The referencing object itself is left out: a COPY
    //    relocation's own definition is skipped by design.)
    var otherVersions: [VersionedDefinition] = []
    var valueless: [String] = []
    for (position, object) in scope.enumerated() where object.path != item.referencedBy {
      guard let table = context.tables[position] else { continue }
      let library = object.path ?? object.name
      for (index, symbol) in table.candidates(named: item.symbol) {
        guard symbol.isDefined, symbol.binding != .local, !symbol.visibility.isLocal else { continue }
        if !symbol.hasUsableValue {
          if !valueless.contains(library) { valueless.append(library) }
          continue
        }
        let raw = table.withView { $0.versionIndex(index) }
        let definition = VersionedDefinition(
          version: table.definedVersion(raw.index)?.name, hidden: raw.isHidden, library: library)
        if !otherVersions.contains(definition) { otherVersions.append(definition) }
      }
    }
    if !otherVersions.isEmpty { facts.append(.otherVersions(otherVersions)) }
    for library in valueless { facts.append(.noValue(library: library)) }

    // 3. Exported by a library outside the closure, next to the objects or on the search path
    //    (the file of a needed library that was not found, or one nothing needs); else defined
    //    there without being exported (a library `--as-needed` dropped from DT_NEEDED).
    if facts.isEmpty {
      let inScope = Set(scope.compactMap(\.fileID))
      let missing = Set(context.graph.objects.filter { $0.via == .notFound }.map(\.name))
      var unexported: DefinitionFact?
      search: for dir in siblingDirectories(item, context) {
        for file in libraries(in: dir) where !inScope.contains(file.fileID) {
          guard case .success(let table) = context.checker.table(file) else { continue }
          let exported = item.symbol.utf8CString.withUnsafeBytes { raw -> Bool in
            let name = UnsafeRawBufferPointer(rebasing: raw.dropLast())
            return table.withView { view in
              guard
                let match = withUnsafePointer(
                  to: view,
                  {
                    SymbolChecker.match(
                      name, hash: GnuHashTable.hash(name), version: nil, typeClass: .other, in: $0, table: table)
                  })
              else { return false }
              return !match.symbol.visibility.isLocal && match.symbol.binding != .local
            }
          }
          if exported {
            let names = [Paths.basename(file.path)] + (file.dynamic?.soname.map { [$0] } ?? [])
            if let name = names.first(where: { missing.contains($0) }) {
              facts.append(.inMissingLibrary(name: name, library: file.path))
            } else {
              facts.append(.exportedOutside(library: file.path, directory: dir))
            }
            break search
          }
          if unexported == nil, let kind = localDefinition(item.symbol, in: table) {
            unexported = .notExportedOutside(library: file.path, directory: dir, visibility: kind, rust: isRust(file))
          }
        }
      }
      if facts.isEmpty, let unexported { facts.append(unexported) }
    }

    // 4. A member of a static archive (said even when a local copy was found: it names the
    //    archive that put it there).
    if let (archive, member) = archiveMember(item.symbol, context) {
      facts.append(
        .archiveMember(archive: archive, member: member, crate: CargoProject.buildScriptPackage(of: archive)))
    }
    return facts
  }

  private func isRust(_ file: ElfFile) -> Bool {
    (file.dynamic?.needed ?? []).contains { RustToolchains.isRuntimeLibrary($0) }
  }

  /// How `name` is defined without being exported in the object, nil when it is not.
  private mutating func localDefinition(_ name: String, in table: SymbolTable) -> LocalDefinition? {
    let id = table.file.fileID
    if let cached = localCache[id] { return cached[name] }
    var found: [String: LocalDefinition] = [:]
    for definition in table.unexportedDefinitions() where found[definition.name] == nil {
      found[definition.name] = definition.kind
    }
    localCache[id] = found
    return found[name]
  }

  private func siblingDirectories(_ item: UnresolvedSymbol, _ context: Context) -> [String] {
    var dirs: [String] = []
    func add(_ dir: String) { if !dir.isEmpty && !dirs.contains(dir) { dirs.append(dir) } }
    let options = context.checker.resolver.options
    let cwd = options.currentDirectory
    add(Paths.directory(of: item.referencedBy, cwd: cwd))
    let input = Paths.directory(of: context.graph.input, cwd: cwd)
    add(input)
    add(Paths.join(input, "deps"))
    for dir in options.libraryPath { add(dir) }
    if let value = options.environmentLibraryPath {
      for dir in value.split(separator: ":").map(String.init) { add(dir) }
    }
    return dirs
  }

  /// The ELF shared libraries in a directory (at most 2000), read once.
  private mutating func libraries(in dir: String) -> [ElfFile] {
    if let known = siblingFiles[dir] { return known }
    var result: [ElfFile] = []
    for name in listDirectory(dir).sorted() where name.contains(".so") {
      if result.count >= 2000 { break }
      // A file that is not a readable ELF library is simply not a candidate.
      if let file = try? ElfFile(path: Paths.join(dir, name)), file.identity.type == .shared { result.append(file) }
    }
    siblingFiles[dir] = result
    return result
  }

  /// (archive path, member name) of a static archive that defines the symbol: `--archives`
  /// directories and, in a Cargo build, `target/<profile>/build/*/out/*.a`.
  private mutating func archiveMember(_ symbol: String, _ context: Context) -> (String, String)? {
    if archiveIndex == nil {
      var archives: [String] = []
      for dir in context.checker.options.archiveDirectories {
        archives += listDirectory(dir).sorted().filter { $0.hasSuffix(".a") || $0.hasSuffix(".rlib") }.map {
          Paths.join(dir, $0)
        }
      }
      let cwd = context.checker.resolver.options.currentDirectory
      if let profile = CargoProject.profileDirectory(containing: context.graph.input, cwd: cwd) {
        archives += CargoProject.buildScriptArchives(profileDirectory: profile)
      }
      var index: [(String, [String: String])] = []
      for path in archives.prefix(500) {
        // An archive libelf cannot read defines nothing elfdyn can name.
        guard let archive = try? ArchiveImage(path: path) else { continue }
        var members: [String: String] = [:]
        var names: [UInt64: String] = [:]
        for (name, offset) in archive.symbolIndex() where members[name] == nil {
          if names[offset] == nil { names[offset] = archive.memberName(at: offset) ?? "?" }
          members[name] = names[offset]
        }
        index.append((path, members))
      }
      archiveIndex = index
    }
    for (archive, members) in archiveIndex ?? [] {
      if let member = members[symbol] { return (archive, member) }
    }
    return nil
  }
}

extension SymbolTable {
  /// The symbols named `name` that the object's hash table finds: (index, record).
  func candidates(named name: String) -> [(Int, SymbolRecord)] {
    name.utf8CString.withUnsafeBytes { raw in
      let bytes = UnsafeRawBufferPointer(rebasing: raw.dropLast())
      var result: [(Int, SymbolRecord)] = []
      withView { view in
        view.forEachCandidate(bytes, gnuHash: GnuHashTable.hash(bytes)) { index, symbol in
          result.append((index, symbol))
          return false
        }
      }
      return result
    }
  }

  /// Whether the object exports a usable definition of `name` that a reference with `version`
  /// (nil: unversioned) can bind to.
  func exports(_ name: String, version: String?) -> Bool {
    withView { view in
      for (index, symbol) in candidates(named: name) {
        guard symbol.isDefined, symbol.hasUsableValue, symbol.type.isLoaderVisible, symbol.binding.isExported,
          !symbol.visibility.isLocal
        else { continue }
        guard view.hasVersions else { return true }
        let raw = view.versionIndex(index)
        if let version {
          if definedVersion(raw.index)?.name == version || raw.isBaseVersion { return true }
        } else if !raw.isHidden {
          return true
        }
      }
      return false
    }
  }

  /// Definitions that exist but are not exported: LOCAL or hidden/internal symbols of .symtab, and
  /// hidden entries of .dynsym.
  func unexportedDefinitions() -> [(name: String, kind: LocalDefinition)] {
    var result: [(String, LocalDefinition)] = []
    withView { view in
      for index in 1..<max(count, 1) {
        guard let symbol = view.symbol(index), symbol.isDefined, symbol.visibility.isLocal,
          let name = view.name(symbol)
        else { continue }
        result.append((name, symbol.visibility == .internal ? .internal : .hidden))
      }
    }
    // .symtab is optional (stripped files): without it, only .dynsym's hidden entries count.
    try? forEachStaticSymbol { name, symbol in
      guard symbol.isDefined, symbol.type.isLoaderVisible else { return }
      if symbol.binding == .local {
        result.append((name, .local))
      } else if symbol.visibility == .internal {
        result.append((name, .internal))
      } else if symbol.visibility == .hidden {
        result.append((name, .hidden))
      }
    }
    return result
  }
}
