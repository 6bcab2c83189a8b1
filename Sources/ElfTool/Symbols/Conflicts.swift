import Synchronization

/// Why a symbol defined by several objects is harmless (left out unless asked for).
public enum BenignDuplicate: String, Sendable, Equatable {
  /// Every definition is in one of glibc's own libraries (libc and the loader's `_dl_*`, libm's
  /// and libc's `__finite`, libpthread's compatibility stubs).
  case glibc
  /// Every definition carries a version of its own: each reference binds to the version it was
  /// linked against.
  case versioned
  /// Every definition is weak or STB_GNU_UNIQUE: C++ inline functions, template instances and
  /// typeinfo, which the loader unifies on purpose.
  case vagueLinkage
  /// A symbol the linker defines in every object (`_end`, `_edata`, `__bss_start`, `_init`, ...).
  case linkerDefined
  /// The executable's copy of a library's variable, made by a COPY relocation.
  case copyRelocation
  /// An instance of a generic item of Rust's standard library (`core`, `alloc`, `std`), compiled
  /// into every crate that uses it.
  case rustGeneric
}

/// One definition of a duplicated symbol.
public struct ConflictDefinition: Sendable, Equatable {
  /// The object that defines it.
  public var library: String
  /// Its version, nil when unversioned.
  public var version: String?
  /// A hidden (non-default, `name@V`) version.
  public var hiddenVersion: Bool
  /// STB_WEAK.
  public var weak: Bool
  /// A function (STT_FUNC or STT_GNU_IFUNC), as opposed to data.
  public var function: Bool
  /// st_size.
  public var size: UInt64
  /// The executable's copy of another object's variable (COPY relocation), not a definition of its
  /// own.
  public var copy: Bool = false
}

/// One object that references a duplicated symbol, and the definition its reference binds to.
public struct ConflictReference: Sendable, Equatable {
  /// The referencing object.
  public var object: String
  /// The object whose definition the loader binds the reference to, nil when none matches.
  public var boundTo: String?
}

/// A symbol exported (defined, default or protected visibility) by two or more objects of a
/// closure.
public struct SymbolConflict: Sendable, Equatable {
  /// The symbol's name as in the files.
  public var symbol: String
  /// The definitions, one per object, in lookup-scope order.
  public var definitions: [ConflictDefinition]
  /// The object whose definition an unversioned reference binds to (the first of the scope that
  /// the loader accepts); for a variable the executable copies, the object the copy is made from.
  public var winner: String?
  /// The objects with a relocation naming the symbol, and where each binds.
  public var references: [ConflictReference]
  /// Why it is harmless, nil for a real conflict.
  public var benign: BenignDuplicate?
  /// The Rust crate of a Rust symbol (the first component of its demangled path).
  public var crate: String?
}

/// A Rust crate that is in the process twice.
public struct DuplicateCrate: Sendable, Equatable {
  /// The crate's name.
  public var crate: String
  /// The objects that contain it.
  public var objects: [String]
  /// How many of its symbols two or more objects define.
  public var symbols: Int
  /// The closure loads two `lib<crate>-<hash>.so` files of that name.
  public var sameNamedFiles: Bool
}

/// What `elfdyn conflicts` finds for one input.
public struct ConflictsResult: Sendable {
  /// The input.
  public var path: String
  /// Every duplicated symbol (benign ones included), in the order of the first definition.
  public var conflicts: [SymbolConflict] = []
  /// Rust crates loaded twice.
  public var crates: [DuplicateCrate] = []
  /// Needed libraries not found or not loadable: the answer is incomplete.
  public var missingLibraries: [MissingLibrary] = []
  /// Objects whose symbol tables could not be read: the answer is incomplete.
  public var unreadable: [UncheckedObject] = []

  /// The conflicts that are not known to be harmless.
  public var real: [SymbolConflict] { conflicts.filter { $0.benign == nil } }

  /// No real conflict, no crate twice, nothing left unread (exit status 0).
  public var isClean: Bool { real.isEmpty && crates.isEmpty && missingLibraries.isEmpty && unreadable.isEmpty }
}

/// `elfdyn conflicts`: symbols that several objects of a load closure export, which definition the
/// loader binds to (glibc's lookup through the global scope, with its version rules) and which
/// objects reference them; known benign duplicates classified; Rust crates loaded twice named.
public final class ConflictFinder: Sendable {
  /// How libraries are found.
  public let resolver: Resolver
  /// Symbol tables and their exports by file, shared by every input and worker.
  private let cache = Mutex<[FileID: Result<ObjectExports, ElfError>]>([:])
  /// Turns a mangled Rust name into its path (`crate::module::item`), nil when it is not one.
  private let demangle: @Sendable (String) -> String?

  /// A finder that resolves with `resolver`.
  public init(resolver: Resolver) {
    self.resolver = resolver
    demangle = { name in
      guard Self.isRustSymbol(name) else { return nil }
      return Demangler.demangle(name, keepHash: false)
    }
  }

  /// One exported definition.
  struct Export {
    var name: String
    var index: Int
    var version: String?
    var hidden: Bool
    var weak: Bool
    var unique: Bool
    var function: Bool
    var size: UInt64
    /// Its version is one the object requires of another: a copy made by a COPY relocation.
    var copied: Bool
  }

  /// The table of one object and what it exports.
  final class ObjectExports: Sendable {
    let table: SymbolTable
    let exports: [Export]
    init(table: SymbolTable, exports: [Export]) {
      self.table = table
      self.exports = exports
    }
  }

  /// Finds the duplicates of every input over the cores; an input that cannot be read is an error
  /// for it alone.
  public func findAll(_ inputs: [String]) -> [Result<ConflictsResult, ElfError>] {
    mapInputs(inputs) { path throws(ElfError) in try self.find(path) }
  }

  /// The symbols the closure of `path` defines more than once.
  public func find(_ path: String) throws(ElfError) -> ConflictsResult {
    let graph = try resolver.resolve(path)
    var result = ConflictsResult(path: path)
    result.missingLibraries = graph.missingLibraries
    let scope = graph.objects.filter(\.found)
    let names = scope.map { $0.path ?? $0.name }
    var objects: [ObjectExports?] = []
    for (position, object) in scope.enumerated() {
      guard let file = object.file else {
        objects.append(nil)
        continue
      }
      switch exports(of: file) {
      case .success(let found): objects.append(found)
      case .failure(let error):
        objects.append(nil)
        result.unreadable.append(UncheckedObject(path: names[position], reason: error.message))
      }
    }
    // Names defined by two or more objects, in the order of their first definition.
    var definers: [String: [(position: Int, export: Int)]] = [:]
    for (position, object) in objects.enumerated() {
      guard let object else { continue }
      for (number, export) in object.exports.enumerated() {
        definers[export.name, default: []].append((position, number))
      }
    }
    var order: [String] = []
    var listed = Set<String>()
    for object in objects {
      guard let object else { continue }
      for export in object.exports where !listed.contains(export.name) {
        guard let entries = definers[export.name], let firstPosition = entries.first?.position,
          entries.contains(where: { $0.position != firstPosition })
        else { continue }
        listed.insert(export.name)
        order.append(export.name)
      }
    }
    guard !order.isEmpty else {
      result.crates = duplicateCrates(names: names, conflicts: [])
      return result
    }
    let candidates = Set(order)
    let executable: Int? = scope.first?.file?.interpreter != nil ? 0 : nil
    let references = bindings(
      candidates, objects: objects, scope: scope, loader: graph.loader, executable: executable)
    for name in order {
      guard let entries = definers[name] else { continue }
      var conflict = classify(
        name, entries: entries, objects: objects, names: names, copies: references.copies, executable: executable)
      conflict.references = (references.byName[name] ?? []).map {
        ConflictReference(object: names[$0.object], boundTo: $0.boundTo.map { names[$0] })
      }
      conflict.winner =
        references.unversioned[name].flatMap { $0 }.map { names[$0] } ?? conflict.definitions.first?.library
      if conflict.benign == nil, let path = demangle(name) {
        let crate = Self.crate(ofPath: path)
        if let crate, Self.standardCrates.contains(crate) {
          conflict.benign = .rustGeneric
        } else {
          conflict.crate = crate
        }
      }
      result.conflicts.append(conflict)
    }
    result.crates = duplicateCrates(names: names, conflicts: result.real)
    return result
  }

  /// The crates of Rust's standard library: their generic items are instantiated in every crate.
  static let standardCrates: Set<String> = ["core", "alloc", "std", "hashbrown", "compiler_builtins"]

  /// Whether `name` is a Rust symbol: v0 (`_R...`) or legacy (`_ZN...17h<16 hex digits>E`, which
  /// C++ names never end with).
  static func isRustSymbol(_ name: String) -> Bool {
    if name.hasPrefix("_R") { return true }
    guard name.hasPrefix("_ZN"), name.hasSuffix("E") else { return false }
    let bytes = Array(name.utf8.dropLast())
    guard bytes.count > 19 else { return false }
    let hash = bytes[(bytes.count - 16)...]
    let marker = bytes[(bytes.count - 19)..<(bytes.count - 16)]
    return marker.elementsEqual("17h".utf8)
      && hash.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
  }

  /// The first component of a demangled Rust path (`<greet::X as core::fmt::Debug>::fmt` → greet).
  static func crate(ofPath path: String) -> String? {
    let trimmed = path.drop { $0 == "<" || $0 == "&" || $0 == " " || $0 == "*" }
    let crate = trimmed.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
    return crate.isEmpty ? nil : String(crate)
  }

  /// Crates loaded twice: two `lib<crate>-<hash>.so` files of one name, or a crate whose symbols
  /// two objects define.
  private func duplicateCrates(names: [String], conflicts: [SymbolConflict]) -> [DuplicateCrate] {
    var crates: [DuplicateCrate] = []
    var files: [String: [String]] = [:]
    var fileOrder: [String] = []
    for path in names {
      guard let crate = Self.crateOfDylib(path) else { continue }
      if files[crate] == nil { fileOrder.append(crate) }
      files[crate, default: []].append(path)
    }
    for crate in fileOrder where (files[crate]?.count ?? 0) > 1 {
      crates.append(DuplicateCrate(crate: crate, objects: files[crate] ?? [], symbols: 0, sameNamedFiles: true))
    }
    for conflict in conflicts {
      guard let crate = conflict.crate else { continue }
      let objects = conflict.definitions.map(\.library)
      if let index = crates.firstIndex(where: { $0.crate == crate }) {
        crates[index].symbols += 1
        for object in objects where !crates[index].objects.contains(object) { crates[index].objects.append(object) }
      } else {
        crates.append(DuplicateCrate(crate: crate, objects: objects, symbols: 1, sameNamedFiles: false))
      }
    }
    return crates
  }

  /// `crate` for a file named `lib<crate>-<16 hex digits>.so`, as Cargo names dylibs.
  static func crateOfDylib(_ path: String) -> String? {
    let base = path.split(separator: "/").last.map(String.init) ?? path
    guard base.hasPrefix("lib"), base.hasSuffix(".so") else { return nil }
    let stem = base.dropFirst(3).dropLast(3)
    guard let dash = stem.lastIndex(of: "-") else { return nil }
    let hash = stem[stem.index(after: dash)...]
    guard hash.count == 16, hash.allSatisfy(\.isHexDigit), dash > stem.startIndex else { return nil }
    return String(stem[..<dash])
  }

  /// The linker's own symbols, defined in every object it links.
  static let linkerDefined: Set<String> = [
    "_end", "_edata", "__bss_start", "_init", "_fini", "__end__", "end", "edata", "etext", "_etext", "__etext",
    "__data_start", "data_start", "_IO_stdin_used", "__dso_handle", "_DYNAMIC", "_GLOBAL_OFFSET_TABLE_",
    "_PROCEDURE_LINKAGE_TABLE_", "__bss_start__", "__bss_end__", "_bss_end__", "__end",
  ]

  /// The definitions of `name`, one per object, and why the duplicate is harmless, if it is.
  private func classify(
    _ name: String, entries: [(position: Int, export: Int)], objects: [ObjectExports?], names: [String],
    copies: Set<String>, executable: Int?
  ) -> SymbolConflict {
    var definitions: [ConflictDefinition] = []
    var positions: [Int] = []
    var exports: [[Export]] = []
    for (position, number) in entries {
      guard let object = objects[position], object.exports.indices.contains(number) else { continue }
      let export = object.exports[number]
      // Versioned aliases (name@V1 next to name@@V2): one definition per object, the default one.
      if let known = positions.firstIndex(of: position) {
        exports[known].append(export)
        if definitions[known].hiddenVersion && !export.hidden {
          definitions[known].version = export.version
          definitions[known].hiddenVersion = false
        }
        continue
      }
      let all = [export]
      let main = export
      positions.append(position)
      exports.append(all)
      definitions.append(
        ConflictDefinition(
          library: names[position], version: main.version, hiddenVersion: main.hidden, weak: main.weak,
          function: main.function, size: main.size))
    }
    var conflict = SymbolConflict(
      symbol: name, definitions: definitions, winner: nil, references: [], benign: nil, crate: nil)
    // The executable's copy of a library variable is not a definition of its own.
    var remaining = Array(positions.indices)
    remaining.removeAll { index in
      let copy = exports[index].allSatisfy(\.copied) || (positions[index] == executable && copies.contains(name))
      if copy { conflict.definitions[index].copy = true }
      return copy
    }
    if remaining.count < 2 {
      conflict.benign = .copyRelocation
    } else if Self.linkerDefined.contains(name) {
      conflict.benign = .linkerDefined
    } else if remaining.allSatisfy({ GlibcLibraries.contains(names[positions[$0]]) }) {
      conflict.benign = .glibc
    } else if Self.distinctlyVersioned(remaining.map { exports[$0] }) {
      conflict.benign = .versioned
    } else if remaining.allSatisfy({ exports[$0].allSatisfy { $0.weak || $0.unique } }) {
      conflict.benign = .vagueLinkage
    }
    return conflict
  }

  /// Whether every object defines the name only with versions, and no version twice.
  private static func distinctlyVersioned(_ definitions: [[Export]]) -> Bool {
    var seen = Set<String>()
    for exports in definitions {
      for export in exports {
        guard let version = export.version else { return false }
        if !seen.insert(version).inserted { return false }
      }
    }
    return true
  }

  /// The references to `candidates` in the relocations of every object, each bound as glibc's
  /// `_dl_lookup_symbol_x` would; the binding of an unversioned reference to each; and the names
  /// the executable copies with COPY relocations.
  private func bindings(
    _ candidates: Set<String>, objects: [ObjectExports?], scope: [LoadedObject], loader: LoaderModel,
    executable: Int?
  ) -> (byName: [String: [(object: Int, boundTo: Int?)]], unversioned: [String: Int?], copies: Set<String>) {
    let tables = objects.map { $0?.table }
    var byName: [String: [(object: Int, boundTo: Int?)]] = [:]
    var unversioned: [String: Int?] = [:]
    var copies = Set<String>()
    let ignoresVersions = loader.ignoresSymbolVersions
    FileMapping.withBytes(of: tables.map { $0?.mapping }) { buffers in
      var views: [SymbolTable.View] = []
      for (index, table) in tables.enumerated() { views.append(table?.view(over: buffers[index]) ?? .empty) }
      let filters: [LookupFilter] = tables.indices.map { tables[$0] == nil ? .rejectingAll : views[$0].filter }
      let unretainedTables = tables.map { $0.map(Unmanaged.passUnretained) }
      for (position, table) in tables.enumerated() {
        guard let table, let file = scope[position].file, let rules = RelocationRules.forMachine(file.identity) else {
          continue
        }
        let own = views[position]
        let symbolic = file.dynamic?.flags.contains(.symbolic) == true
        var done = Set<Int>()
        table.relocations.forEach(own.file) { relocation in
          let index = Int(relocation.symbol)
          let typeClass = rules.classify(relocation.type)
          // The executable may also name a copied variable in other relocations: the copy is
          // noted whatever comes first.
          if typeClass == .copy && position == executable, let symbol = own.symbol(index),
            let bytes = own.nameBytes(symbol)
          {
            copies.insert(String(decoding: bytes, as: UTF8.self))
          }
          guard !done.contains(index), let symbol = own.symbol(index), symbol.binding != .local,
            let bytes = own.nameBytes(symbol), !bytes.isEmpty
          else { return }
          done.insert(index)
          let name = String(decoding: bytes, as: UTF8.self)
          guard candidates.contains(name) else { return }
          var bound: Int?
          if symbol.isDefined && typeClass != .copy
            && (symbol.visibility == .protected || symbol.visibility.isLocal || symbolic)
          {
            // Protected, or -Bsymbolic: the object's own definition comes first.
            bound = position
          } else {
            var wanted: SymbolTable.VersionKey?
            if table.hasVersions && !ignoresVersions {
              let versionIndex = own.versionIndex(index).index
              if let needed = table.neededVersionKey(versionIndex) {
                wanted = needed
              } else if case let defined = table.definedVersionKey(versionIndex), defined.id >= 0 {
                wanted = SymbolTable.VersionKey(id: defined.id, hash: defined.hash, hidden: false)
              }
            }
            bound = SymbolChecker.lookup(
              bytes, hash: GnuHashTable.hash(bytes), version: wanted, typeClass: typeClass, filters: filters,
              views: views, tables: unretainedTables, skip: typeClass == .copy ? executable : nil)
          }
          byName[name, default: []].append((position, bound))
        }
      }
      // Where an unversioned reference (dlsym, or an object linked without versions) binds; for a
      // variable the executable copies, where the copy comes from.
      let copiedByVersion = Set(executable.flatMap { objects[$0]?.exports.filter(\.copied).map(\.name) } ?? [])
      for name in candidates {
        let copied = copies.contains(name) || copiedByVersion.contains(name)
        var bytes = Array(name.utf8)
        let found: Int? = bytes.withUnsafeMutableBytes { raw in
          let buffer = UnsafeRawBufferPointer(raw)
          return SymbolChecker.lookup(
            buffer, hash: GnuHashTable.hash(buffer), version: nil, typeClass: copied ? .copy : .other,
            filters: filters, views: views, tables: unretainedTables, skip: copied ? executable : nil)
        }
        unversioned[name] = found
      }
    }
    return (byName, unversioned, copies)
  }

  /// The exports of one file, read once.
  func exports(of file: ElfFile) -> Result<ObjectExports, ElfError> {
    let id = file.fileID
    if id.inode != 0, let known = cache.withLock({ $0[id] }) { return known }
    let made: Result<ObjectExports, ElfError>
    do throws(ElfError) {
      made = .success(try Self.read(file))
    } catch {
      made = .failure(error)
    }
    if id.inode != 0 { cache.withLock { $0[id] = made } }
    return made
  }

  /// Every symbol of `file` that another object can bind to: defined, global, weak or unique,
  /// default or protected visibility, a type the loader accepts, with a value; not the symbols
  /// that name the object's own version definitions.
  static func read(_ file: ElfFile) throws(ElfError) -> ObjectExports {
    let table = try SymbolTable(file: file)
    let versionNames = Set(table.allDefinedVersionNames)
    var exports: [Export] = []
    table.withView { view in
      for index in 1..<max(view.count, 1) {
        guard let symbol = view.symbol(index), symbol.isDefined, symbol.binding.isExported,
          !symbol.visibility.isLocal, symbol.type.isLoaderVisible, symbol.hasUsableValue,
          let name = view.name(symbol), !name.isEmpty
        else { continue }
        if symbol.shndx == .absolute && symbol.value == 0 && versionNames.contains(name) { continue }
        var version: String?
        var hidden = false
        var copied = false
        if view.hasVersions {
          let raw = view.versionIndex(index)
          if let needed = table.neededVersion(raw.index) {
            version = needed.name
            copied = true
          } else {
            version = table.definedVersion(raw.index)?.name
          }
          hidden = raw.isHidden
        }
        exports.append(
          Export(
            name: name, index: index, version: version, hidden: hidden, weak: symbol.binding == .weak,
            unique: symbol.binding == .gnuUnique, function: symbol.type == .function || symbol.type == .gnuIFunc,
            size: symbol.size, copied: copied))
      }
    }
    return ObjectExports(table: table, exports: exports)
  }
}
