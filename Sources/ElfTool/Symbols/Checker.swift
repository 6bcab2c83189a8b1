import Synchronization

/// `check-undefined`: every symbol reference in a load closure that the loader would not satisfy,
/// every version requirement not met and every library not found, decided as glibc's
/// `_dl_lookup_symbol_x`, `check_match` and `_dl_check_map_versions` decide.

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
  public init() {}
}

/// One symbol reference nothing satisfies.
public struct UnresolvedSymbol: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    /// The loader would fail ("undefined symbol").
    case unresolved
    /// --strict: an undefined .dynsym entry that no relocation names, defined nowhere.
    case unrelocated
    /// --strict: satisfied at run time only by an object the referencing library does not depend on.
    case indirect(definedIn: String)
  }
  public var symbol: String
  public var version: String?
  /// The path of the object that references it.
  public var referencedBy: String
  public var weak: Bool
  public var kind: Kind
  public var hint: String?
}

/// A version that a library does not define, though another object requires it.
public struct MissingVersion: Sendable, Equatable {
  public var version: String
  /// The library's path (its DT_NEEDED name when it was not found).
  public var library: String
  public var requiredBy: String
  /// A VER_FLG_WEAK requirement: the loader warns and goes on (not counted as a problem).
  public var weak: Bool = false
}

/// A needed library that was not found or cannot be loaded.
public struct MissingLibrary: Sendable, Equatable {
  public var name: String
  public var neededBy: String
  /// Why it cannot be loaded, when it was found but is broken.
  public var error: String?
}

/// A direct dependency the object takes no symbol from (--unused).
public struct UnusedDependency: Sendable, Equatable {
  public var name: String
  public var path: String
  public var neededBy: String
}

/// The result for one input.
public struct CheckResult: Sendable {
  public var path: String
  public var undefined: [UnresolvedSymbol] = []
  public var missingVersions: [MissingVersion] = []
  public var missingLibraries: [MissingLibrary] = []
  public var unused: [UnusedDependency] = []
  /// Objects whose DT_VERNEED names a library that has no version definitions at all (a warning,
  /// as the loader prints "no version information available").
  public var warnings: [String] = []

  public var problemCount: Int {
    undefined.count + missingVersions.filter { !$0.weak }.count + missingLibraries.count
  }
}

/// Checks inputs; symbol tables are read once and shared between inputs.
public final class SymbolChecker: @unchecked Sendable {
  public let resolver: Resolver
  public let options: CheckOptions
  /// Symbol tables by file, shared by every input and worker (guarded by `lock`).
  private var tables: [FileID: SymbolTable] = [:]
  private var failedTables: Set<FileID> = []
  private let lock = Mutex<Void>(())
  private lazy var hints = DefinitionFinder(checker: self)
  /// The hint finder keeps caches of its own: one input at a time.
  private let hintLock = Mutex<Void>(())
  /// Workers for one input's objects; 1 while inputs are themselves checked in parallel.
  private var objectWorkers = processorCount()

  public init(resolver: Resolver, options: CheckOptions) {
    self.resolver = resolver
    self.options = options
  }

  /// The symbol table of an object, read once.
  func table(_ file: ElfFile) -> SymbolTable? {
    let id = file.fileID
    let known: (SymbolTable?, Bool) = lock.withLock { _ in (tables[id], failedTables.contains(id)) }
    if let table = known.0 { return table }
    if known.1 { return nil }
    // Read outside the lock; if two workers read the same file, the first one stored wins.
    let made = try? SymbolTable(file: file)
    return lock.withLock { _ in
      if let table = tables[id] { return table }
      guard let made else {
        failedTables.insert(id)
        return nil
      }
      tables[id] = made
      return made
    }
  }

  public func check(_ path: String) throws(ElfError) -> CheckResult {
    var scope: [LoadedObject] = []
    var checked: [Int] = []
    let graph: LoadGraph
    if let host = options.host {
      let hostGraph = try resolver.resolve(host)
      graph = try resolver.resolve(path)
      scope = hostGraph.objects.filter(\.found)
      let hostIDs = Set(scope.compactMap(\.fileID))
      for object in graph.objects where object.found && !hostIDs.contains(object.fileID ?? FileID(device: 0, inode: 0))
      {
        scope.append(object)
        checked.append(scope.count - 1)
      }
    } else {
      graph = try resolver.resolve(path)
      scope = graph.objects.filter(\.found)
      checked = Array(scope.indices)
    }
    var result = CheckResult(path: path)
    for object in graph.objects where !object.found {
      if object.auxiliary && object.via == .notFound { continue }
      for needer in object.neededBy.isEmpty ? [0] : object.neededBy {
        result.missingLibraries.append(
          MissingLibrary(
            name: object.name, neededBy: graph.objects[needer].path ?? graph.objects[needer].name, error: object.error))
      }
    }
    // The executable of the scope (COPY relocations skip it).
    let executableIndex: Int? = (scope.first?.file?.interpreter != nil) ? 0 : nil
    let workers = objectWorkers
    let scopeTables = parallelMap(scope.count, workers: workers) { index in scope[index].file.flatMap { table($0) } }
    // Many objects reference the same symbols: each worker remembers the answers it found.
    let states = PerWorker(count: workers, WorkerState())
    let reports = parallelMap(checked.count, workers: workers) { worker, item in
      states.withValue(worker) { state in
        checkObject(
          checked[item], scope: scope, scopeTables: scopeTables, graph: graph, executableIndex: executableIndex,
          state: &state)
      }
    }
    var bindings: [Int: [Bool]] = [:]
    for (item, report) in reports.enumerated() {
      result.undefined += report.undefined
      result.missingVersions += report.missingVersions
      result.warnings += report.warnings
      bindings[checked[item]] = report.bindings
    }
    if options.unused, let first = checked.first, let file = scope[first].file {
      let bound = bindings[first] ?? []
      let used = Set(bound.indices.filter { bound[$0] })
      for needed in file.dynamic?.needed ?? [] {
        guard let target = findNeeded(needed, from: scope[first], scope: scope), !used.contains(target) else {
          continue
        }
        result.unused.append(
          UnusedDependency(name: needed, path: scope[target].path ?? needed, neededBy: scope[first].path ?? ""))
      }
    }
    if result.undefined.contains(where: { $0.hint == nil }) {
      hintLock.withLock { _ in
        for index in result.undefined.indices where result.undefined[index].hint == nil {
          result.undefined[index].hint = hints.hint(for: result.undefined[index], scope: scope, graph: graph)
        }
      }
    }
    return result
  }

  struct ObjectReport {
    var undefined: [UnresolvedSymbol] = []
    var missingVersions: [MissingVersion] = []
    var warnings: [String] = []
    /// Which objects of the scope the references bound to (a flag per scope position).
    var bindings: [Bool] = []
  }

  /// What a worker keeps from one object to the next: its lookup answers, and the flags of which
  /// (symbol, relocation class) pairs an object has looked up, reused (a fresh array per object
  /// costs a page fault per page of a large symbol table).
  struct WorkerState {
    var answers = LookupCache()
    var marks: [UInt8] = []
  }

  /// The references, version requirements and bindings of one object of the scope.
  private func checkObject(
    _ position: Int, scope: [LoadedObject], scopeTables: [SymbolTable?], graph: LoadGraph, executableIndex: Int?,
    state: inout WorkerState
  ) -> ObjectReport {
    var report = ObjectReport()
    report.bindings = [Bool](repeating: false, count: scope.count)
    guard let file = scope[position].file, let table = scopeTables[position] else { return report }
    func resolve(_ name: SymbolName, _ version: SymbolTable.NeededVersion?, _ typeClass: RelocationClass, _ skip: Int?)
      -> Int?
    {
      if let known = state.answers.find(name, version, typeClass, skip ?? -1) { return known >= 0 ? known : nil }
      let found = lookup(name, version: version, typeClass: typeClass, tables: scopeTables, skip: skip)
      state.answers.insert(name, version, typeClass, skip ?? -1, found ?? -1)
      return found
    }
    let referencing = scope[position].path ?? scope[position].name
    var seen = Set<String>()
    func add(_ item: UnresolvedSymbol) {
      let key = item.symbol + "\u{0}" + (item.version ?? "")
      guard seen.insert(key).inserted else { return }
      report.undefined.append(item)
    }
    // Each (symbol, relocation class) is looked up once per object, as glibc's lookup cache does.
    if state.marks.count < table.count {
      state.marks = [UInt8](repeating: 0, count: table.count)
    } else {
      state.marks.withUnsafeMutableBufferPointer { marks in
        for index in 0..<table.count { marks[index] = 0 }
      }
    }
    var done = state.marks
    state.marks = []
    defer { state.marks = done }
    let machine = file.identity.machine
    table.forEachRelocation { relocation in
      let index = Int(relocation.symbol)
      guard index < done.count else { return }
      let typeClass = RelocationClass(machine: machine, type: relocation.type)
      let bit: UInt8 = typeClass == .plt ? 1 : typeClass == .copy ? 2 : 4
      guard index < table.count, done[index] & bit == 0 else { return }
      done[index] |= bit
      guard let symbol = table.symbol(index), symbol.shndx == 0 || typeClass == .copy, symbol.binding != 0,
        let bytes = table.nameBytes(symbol), !bytes.isEmpty
      else { return }
      let name = SymbolName(bytes)
      let version = table.hasVersions ? table.neededVersion(Int(table.versionIndex(index) & 0x7fff)) : nil
      let skip = typeClass == .copy ? executableIndex : nil
      if let found = resolve(name, version, typeClass, skip) {
        report.bindings[found] = true
        if options.strict, position != 0, found != 0, found != position,
          !dependsOn(position, found, scope: scope, graph: graph)
        {
          let definedIn = scope[found].path ?? scope[found].name
          let text = name.text
          add(
            UnresolvedSymbol(
              symbol: text, version: version?.name, referencedBy: referencing, weak: symbol.binding == 2,
              kind: .indirect(definedIn: definedIn),
              hint:
                "\(text) is found at run time only in \(Paths.basename(definedIn)), which \(Paths.basename(referencing)) does not depend on: add it to its DT_NEEDED (link it against that library)"
            ))
        }
        return
      }
      // A weak undefined reference that finds nothing is fine, for the loader and for linkers.
      if symbol.binding == 2 { return }
      add(
        UnresolvedSymbol(
          symbol: name.text, version: version?.name, referencedBy: referencing, weak: false, kind: .unresolved,
          hint: nil))
    }
    if options.strict {
      for index in 1..<max(table.count, 1) where done[index] == 0 {
        guard let symbol = table.symbol(index), symbol.shndx == 0, symbol.binding == 1,
          let bytes = table.nameBytes(symbol), !bytes.isEmpty
        else { continue }
        let name = SymbolName(bytes)
        let version = table.hasVersions ? table.neededVersion(Int(table.versionIndex(index) & 0x7fff)) : nil
        if resolve(name, version, .other, nil) == nil {
          add(
            UnresolvedSymbol(
              symbol: name.text, version: version?.name, referencedBy: referencing, weak: false, kind: .unrelocated,
              hint: nil))
        }
      }
    }
    // Version requirements.
    for requirement in table.requirements {
      guard let target = findNeeded(requirement.file, from: scope[position], scope: scope),
        let targetFile = scope[target].file, let targetTable = self.table(targetFile)
      else { continue }
      let library = scope[target].path ?? requirement.file
      if !targetTable.hasDefinedVersions {
        report.warnings.append("\(library): no version information available (required by \(referencing))")
        continue
      }
      for version in requirement.versions where !targetTable.allDefinedVersionNames.contains(version.name) {
        // VER_FLG_WEAK: the loader only warns ("weak version `V' not found"); references to it
        // still fail when they are made.
        report.missingVersions.append(
          MissingVersion(version: version.name, library: library, requiredBy: referencing, weak: version.weak))
      }
    }
    return report
  }

  /// The object of `scope` loaded under `name` (a DT_NEEDED string, a path or a soname).
  private func findNeeded(_ name: String, from object: LoadedObject, scope: [LoadedObject]) -> Int? {
    scope.firstIndex { $0.names.contains(name) || $0.soname == name || $0.path == name }
  }

  /// Whether `object` reaches `target` through DT_NEEDED edges (its own dependency closure).
  private func dependsOn(_ object: Int, _ target: Int, scope: [LoadedObject], graph: LoadGraph) -> Bool {
    guard let start = graph.objects.firstIndex(where: { $0.fileID == scope[object].fileID }),
      let goal = graph.objects.firstIndex(where: { $0.fileID == scope[target].fileID })
    else { return true }
    var visited = [Bool](repeating: false, count: graph.objects.count)
    var stack = [start]
    while let next = stack.popLast() {
      if next == goal { return true }
      guard !visited[next] else { continue }
      visited[next] = true
      stack += graph.edges[next].map(\.to)
    }
    return false
  }

  /// _dl_lookup_symbol_x over `scope`: the index (in scope) of the object whose definition the
  /// loader would bind the reference to, nil when none.
  func lookup(
    _ name: SymbolName, version: SymbolTable.NeededVersion?, typeClass: RelocationClass, tables: [SymbolTable?],
    skip: Int?
  ) -> Int? {
    tables.withUnsafeBufferPointer { tables in
      for position in tables.indices where position != skip {
        guard let table = tables[position], table.mayDefine(name.gnuHash) else { continue }
        if let index = match(name, version: version, typeClass: typeClass, in: table) {
          guard let symbol = table.symbol(index) else { continue }
          // Hidden and internal symbols are local; local bindings are ignored: the object is skipped.
          let visibility = symbol.visibility
          if visibility == 1 || visibility == 2 { continue }
          switch symbol.binding {
          case 1, 2, 10: return position
          default: continue
          }
        }
      }
      return nil
    }
  }

  /// check_match over the hash chain of one object, with glibc's "exactly one versioned
  /// definition" rule for unversioned references.
  func match(_ name: SymbolName, version: SymbolTable.NeededVersion?, typeClass: RelocationClass, in table: SymbolTable)
    -> Int?
  {
    var versioned: Int?
    var versionCount = 0
    var found: Int?
    table.forEachCandidate(name) { index, symbol in
      // No value (unless TLS or absolute), or an undefined entry for a PLT reference.
      if symbol.value == 0 && symbol.shndx != 0xfff1 && symbol.type != 6 { return false }
      if typeClass == .plt && symbol.shndx == 0 { return false }
      switch symbol.type {
      case 0, 1, 2, 5, 6, 10: break
      default: return false
      }
      let raw = table.versionIndex(index)
      if let version {
        if table.hasVersions {
          let definition = table.definedVersion(Int(raw & 0x7fff))
          let same = definition?.hash == version.hash && definition?.name == version.name
          if !same && (version.hidden || definition != nil || raw & 0x8000 != 0) { return false }
        }
      } else if table.hasVersions && raw & 0x7fff >= 3 {
        if raw & 0x8000 == 0 {
          versionCount += 1
          if versionCount == 1 { versioned = index }
        }
        return false
      }
      found = index
      return true
    }
    return found ?? (versionCount == 1 ? versioned : nil)
  }
}

/// The answers of lookups already made by one worker: an open-addressing table keyed by the
/// name's GNU hash (no string hashing, no allocation per lookup). Names point into string tables
/// that outlive the cache.
struct LookupCache {
  private struct Entry {
    var name: SymbolName
    var version: SymbolTable.NeededVersion?
    var typeClass: RelocationClass
    var skip: Int
    var answer: Int
  }
  private var entries: [Entry] = []
  private var slots = [Int32](repeating: -1, count: 1024)

  private static func same(_ a: SymbolTable.NeededVersion?, _ b: SymbolTable.NeededVersion?) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case (let x?, let y?): return x === y || (x.hash == y.hash && x.name == y.name)
    default: return false
    }
  }

  func find(_ name: SymbolName, _ version: SymbolTable.NeededVersion?, _ typeClass: RelocationClass, _ skip: Int)
    -> Int?
  {
    let mask = slots.count - 1
    var slot = Int(name.gnuHash) & mask
    while true {
      let index = Int(slots[slot])
      if index < 0 { return nil }
      let entry = entries[index]
      if entry.name.gnuHash == name.gnuHash && entry.typeClass == typeClass && entry.skip == skip
        && Self.same(entry.version, version) && entry.name.equals(name)
      {
        return entry.answer
      }
      slot = (slot + 1) & mask
    }
  }

  mutating func insert(
    _ name: SymbolName, _ version: SymbolTable.NeededVersion?, _ typeClass: RelocationClass, _ skip: Int, _ answer: Int
  ) {
    if (entries.count + 1) * 2 > slots.count { grow() }
    entries.append(Entry(name: name, version: version, typeClass: typeClass, skip: skip, answer: answer))
    place(entries.count - 1)
  }

  private mutating func place(_ index: Int) {
    let mask = slots.count - 1
    var slot = Int(entries[index].name.gnuHash) & mask
    while slots[slot] >= 0 { slot = (slot + 1) & mask }
    slots[slot] = Int32(truncatingIfNeeded: index)
  }

  private mutating func grow() {
    slots = [Int32](repeating: -1, count: slots.count * 2)
    for index in entries.indices { place(index) }
  }
}

/// glibc's relocation type classes (elf_machine_type_class).
enum RelocationClass: Hashable {
  case other, plt, copy

  init(machine: Machine, type: UInt32) {
    switch machine {
    case .x86_64:
      switch type {
      case 7, 16, 17, 18, 36: self = .plt  // JUMP_SLOT, DTPMOD64, DTPOFF64, TPOFF64, TLSDESC
      case 5: self = .copy
      default: self = .other
      }
    case .i386:
      switch type {
      // JMP_SLOT, TLS_TPOFF, TLS_DTPMOD32, TLS_DTPOFF32, TLS_TPOFF32, TLS_DESC
      case 7, 14, 35, 36, 37, 41: self = .plt
      case 5: self = .copy
      default: self = .other
      }
    case .aarch64:
      switch type {
      case 1026, 1028, 1029, 1030, 1031: self = .plt
      case 1024: self = .copy
      default: self = .other
      }
    case .arm:
      switch type {
      case 22, 17, 18, 19, 13: self = .plt
      case 20: self = .copy
      default: self = .other
      }
    case .ppc64:
      switch type {
      case 21: self = .plt
      case 19: self = .copy
      default: self = .other
      }
    case .s390:
      switch type {
      case 11: self = .plt
      case 9: self = .copy
      default: self = .other
      }
    case .riscv:
      switch type {
      case 5: self = .plt
      case 4: self = .copy
      default: self = .other
      }
    default: self = .other
    }
  }
}

extension SymbolChecker {
  /// Checks every input; an input that cannot be read is an error for it alone.
  /// One input uses every core for its objects; several inputs are spread over the cores instead.
  public func checkAll(_ inputs: [String]) -> (results: [CheckResult], errors: [ElfError]) {
    if inputs.count > 1 { objectWorkers = 1 }
    defer { objectWorkers = processorCount() }
    let outcomes: [Result<CheckResult, ElfError>] = parallelMap(
      inputs.count, workers: inputs.count > 1 ? processorCount() : 1
    ) {
      index in
      do throws(ElfError) {
        return .success(try check(inputs[index]))
      } catch {
        return .failure(error)
      }
    }
    var results: [CheckResult] = []
    var errors: [ElfError] = []
    for outcome in outcomes {
      switch outcome {
      case .success(let result): results.append(result)
      case .failure(let error): errors.append(error)
      }
    }
    return (results, errors)
  }
}
