/// Where an unresolved symbol really is: a local or hidden definition in an object of the closure
/// (.symtab), an export of a library outside the closure (next to the objects, on the search path),
/// a definition with another version, or a member of a static archive. Runs only for symbols that
/// are unresolved, so it may read more than the lookups do.
final class DefinitionFinder {
  unowned let checker: SymbolChecker
  /// Per object (file ID): local/hidden definitions found in .symtab, by name.
  private var localCache: [FileID: [String: String]] = [:]
  private var archiveIndex: [(archive: String, symbols: [String: String])]?
  private var siblingFiles: [String: [ElfFile]] = [:]

  init(checker: SymbolChecker) {
    self.checker = checker
  }

  func hint(for item: UnresolvedSymbol, scope: [LoadedObject], graph: LoadGraph) -> String? {
    if case .indirect = item.kind { return item.hint }
    return SymbolName.with(item.symbol) { name in hint(for: item, name: name, scope: scope, graph: graph) }
  }

  private func hint(for item: UnresolvedSymbol, name: SymbolName, scope: [LoadedObject], graph: LoadGraph) -> String? {
    let referencing = Paths.basename(item.referencedBy)
    var sentences: [String] = []

    // 1. Defined, but local or hidden, in an object of the closure.
    for object in scope {
      guard let file = object.file, let kind = localDefinition(item.symbol, in: file) else { continue }
      let library = Paths.basename(object.path ?? object.name)
      var sentence = "\(item.symbol) is defined in \(library) but not exported (\(kind))"
      if isRust(file) && object.path != item.referencedBy {
        sentence +=
          ": a Rust dylib exports only Rust items, so C code linked into it stays local, while the code "
          + "that calls it was inlined into \(referencing) (an #[inline] function of that crate); export it from "
          + "\(library) or make the caller non-inline"
      } else {
        sentence += ": give it default visibility (or list it in the version script) in \(library)"
      }
      sentences.append(sentence)
      break
    }

    // 2. Exported by an object of the scope in a way the reference cannot take: another or a
    //    hidden version, or no value. (The referencing object itself is left out: a COPY
    //    relocation's own definition is skipped by design.)
    var otherVersions: [String] = []
    var valueless: [String] = []
    for object in scope where object.path != item.referencedBy {
      guard let file = object.file, let table = checker.table(file) else { continue }
      let library = Paths.basename(object.path ?? object.name)
      for index in table.candidates(name) {
        guard let symbol = table.symbol(index), symbol.shndx != 0, symbol.binding != 0,
          symbol.visibility != 1, symbol.visibility != 2
        else { continue }
        if symbol.value == 0 && symbol.shndx != 0xfff1 && symbol.type != 6 {
          if !valueless.contains(library) { valueless.append(library) }
          continue
        }
        let raw = table.versionIndex(index)
        var text = item.symbol
        if let version = table.definedVersion(Int(raw & 0x7fff))?.name {
          text += raw & 0x8000 != 0 ? "@\(version) (a hidden version)" : "@@\(version)"
        }
        text += " in " + library
        if !otherVersions.contains(text) { otherVersions.append(text) }
      }
    }
    if !otherVersions.isEmpty {
      let wanted = item.version.map { "\(item.symbol)@\($0)" } ?? "\(item.symbol) (unversioned)"
      sentences.append(
        "\(item.symbol) is defined only as \(otherVersions.joined(separator: ", ")); \(referencing) needs \(wanted)")
    }
    for library in valueless {
      sentences.append("\(item.symbol) is defined in \(library) with no value (st_value 0), which the loader ignores")
    }

    // 3. Exported by a library outside the closure, next to the objects or on the search path.
    if sentences.isEmpty {
      let inScope = Set(scope.compactMap(\.fileID))
      search: for dir in siblingDirectories(item, scope: scope, graph: graph) {
        for file in libraries(in: dir) where !inScope.contains(file.fileID) {
          guard let table = checker.table(file),
            let index = checker.match(name, version: nil, typeClass: .other, in: table),
            let symbol = table.symbol(index), symbol.visibility != 1, symbol.visibility != 2, symbol.binding != 0
          else { continue }
          sentences.append(
            "\(item.symbol) is defined by \(Paths.basename(file.path)) in \(dir), which \(referencing) does not depend on: "
              + "link \(referencing) against it")
          break search
        }
      }
    }

    // 4. A member of a static archive (said even when a local copy was found: it names the
    //    archive that put it there).
    if let (archive, member) = archiveMember(item.symbol, graph: graph) {
      if sentences.isEmpty {
        sentences.append(
          "\(item.symbol) is defined in \(member) of the static archive \(archive), which no library of the closure "
            + "exports it from: link that archive into \(referencing)")
      } else {
        sentences.append("it comes from \(member) in the static archive \(archive)")
      }
    }
    return sentences.isEmpty ? nil : sentences.joined(separator: "; ")
  }

  private func isRust(_ file: ElfFile) -> Bool {
    (file.dynamic?.needed ?? []).contains { $0.hasPrefix("libstd-") && $0.hasSuffix(".so") }
  }

  /// "local symbol" or "hidden symbol" when .symtab (or .dynsym) defines the name without exporting it.
  private func localDefinition(_ name: String, in file: ElfFile) -> String? {
    if let cached = localCache[file.fileID] { return cached[name] }
    var found: [String: String] = [:]
    if let table = checker.table(file) {
      for definition in table.unexportedDefinitions() where found[definition.name] == nil {
        found[definition.name] = definition.kind
      }
    }
    localCache[file.fileID] = found
    return found[name]
  }

  private func siblingDirectories(_ item: UnresolvedSymbol, scope: [LoadedObject], graph: LoadGraph) -> [String] {
    var dirs: [String] = []
    func add(_ dir: String) { if !dir.isEmpty && !dirs.contains(dir) { dirs.append(dir) } }
    let cwd = checker.resolver.options.currentDirectory
    add(Paths.directory(of: item.referencedBy, cwd: cwd))
    let input = Paths.directory(of: graph.input, cwd: cwd)
    add(input)
    add(Paths.join(input, "deps"))
    for dir in checker.resolver.options.libraryPath { add(dir) }
    if let value = checker.resolver.options.environmentLibraryPath {
      for dir in value.split(separator: ":").map(String.init) { add(dir) }
    }
    return dirs
  }

  /// The ELF shared libraries in a directory (at most 2000), read once.
  private func libraries(in dir: String) -> [ElfFile] {
    if let known = siblingFiles[dir] { return known }
    var result: [ElfFile] = []
    for name in listDirectory(dir).sorted() where name.contains(".so") {
      if result.count >= 2000 { break }
      if let file = try? ElfFile(path: Paths.join(dir, name)), file.identity.type == .shared { result.append(file) }
    }
    siblingFiles[dir] = result
    return result
  }

  /// (archive path, member name) of a static archive that defines the symbol: `--archives`
  /// directories and, in a Cargo build, `target/<profile>/build/*/out/*.a` and `deps/*.rlib`.
  private func archiveMember(_ symbol: String, graph: LoadGraph) -> (String, String)? {
    if archiveIndex == nil {
      var archives: [String] = []
      for dir in checker.options.archiveDirectories {
        archives += listDirectory(dir).sorted().filter { $0.hasSuffix(".a") || $0.hasSuffix(".rlib") }.map {
          Paths.join(dir, $0)
        }
      }
      if let profile = cargoProfileDirectory(for: graph.input) {
        let build = Paths.join(profile, "build")
        for package in listDirectory(build).sorted() {
          let out = Paths.join(Paths.join(build, package), "out")
          archives += listDirectory(out).sorted().filter { $0.hasSuffix(".a") }.map { Paths.join(out, $0) }
        }
      }
      var index: [(String, [String: String])] = []
      for path in archives.prefix(500) {
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

  /// The Cargo profile directory (one that has `deps/` and `build/`) holding the input, if any.
  private func cargoProfileDirectory(for input: String) -> String? {
    var dir = Paths.directory(of: Paths.realPath(input) ?? input, cwd: checker.resolver.options.currentDirectory)
    for _ in 0..<4 {
      if isDirectory(Paths.join(dir, "deps")) && isDirectory(Paths.join(dir, "build")) { return dir }
      let parent = Paths.directory(of: dir, cwd: "/")
      if parent == dir { break }
      dir = parent
    }
    return nil
  }
}

extension SymbolTable {
  /// Definitions that exist but are not exported: LOCAL or hidden/internal symbols of .symtab, and
  /// hidden entries of .dynsym.
  func unexportedDefinitions() -> [(name: String, kind: String)] {
    var result: [(String, String)] = []
    for index in 1..<max(count, 1) {
      guard let symbol = symbol(index), symbol.shndx != 0, symbol.visibility == 1 || symbol.visibility == 2,
        let name = name(symbol)
      else { continue }
      result.append((name, symbol.visibility == 1 ? "internal symbol" : "hidden symbol"))
    }
    let sections = image.allSections()
    guard let symtab = sections.first(where: { $0.type == SectionHeader.symtab }), symtab.entsize > 0,
      let strtab = sections.first(where: { $0.index == Int(symtab.link) }),
      let symbols = try? image.chunk(offset: symtab.offset, size: symtab.size, type: .sym, what: ".symtab"),
      let names = try? image.chunk(offset: strtab.offset, size: strtab.size, type: .bytes, what: ".strtab")
    else { return result }
    let table = StringTable(chunk: names, address: 0, path: file.path)
    let total = Int(min(symtab.size / symtab.entsize, 1 << 24))
    for index in 1..<max(total, 1) {
      guard let symbol = image.symbol(symbols, index), symbol.shndx != 0 else { continue }
      let type = symbol.type
      guard type == 0 || type == 1 || type == 2 || type == 10 || type == 6 else { continue }
      let kind: String
      if symbol.binding == 0 {
        kind = "local symbol"
      } else if symbol.visibility == 1 {
        kind = "internal symbol"
      } else if symbol.visibility == 2 {
        kind = "hidden symbol"
      } else {
        continue
      }
      guard let name = try? table.string(at: UInt64(symbol.name), what: "a symbol name"), !name.isEmpty else {
        continue
      }
      result.append((name, kind))
    }
    return result
  }
}
