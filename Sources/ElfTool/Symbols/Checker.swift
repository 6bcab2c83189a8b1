import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// `check-undefined`: every symbol reference in a load closure that the loader would not satisfy,
/// every version requirement not met and every library not found, decided as glibc's
/// `_dl_lookup_symbol_x`, `check_match` and `_dl_check_map_versions` decide. Symbol tables are read
/// once per file and shared between inputs and threads.
public final class SymbolChecker: Sendable {
  /// How libraries are found.
  public let resolver: Resolver
  /// What to check beyond the loader's rules.
  public let options: CheckOptions
  /// Symbol tables by file (or why a file's cannot be read), shared by every input and worker.
  private let tables = Mutex<[FileID: Result<SymbolTable, ElfError>]>([:])
  /// The definition finder keeps caches of its own: one input at a time.
  private let finder = Mutex(DefinitionFinder())

  /// A checker that resolves with `resolver`.
  public init(resolver: Resolver, options: CheckOptions) {
    self.resolver = resolver
    self.options = options
  }

  /// The symbol table of an object, read once (or the reason it cannot be read).
  func table(_ file: ElfFile) -> Result<SymbolTable, ElfError> {
    let id = file.fileID
    if let known = tables.withLock({ $0[id] }) { return known }
    // Read outside the lock; if two workers read the same file, the first one stored wins.
    let made: Result<SymbolTable, ElfError>
    do throws(ElfError) {
      made = .success(try SymbolTable(file: file))
    } catch {
      made = .failure(error)
    }
    return tables.withLock { tables in
      if let known = tables[id] { return known }
      tables[id] = made
      return made
    }
  }

  /// The decoded file at `path`, through the resolver's cache when it has one.
  private func readFile(_ path: String) throws(ElfError) -> ElfFile {
    if let cache = resolver.cache { return try cache.file(path).get() }
    return try ElfFile(path: path)
  }

  /// Checks one input with every core on its objects.
  public func check(_ path: String) throws(ElfError) -> CheckResult {
    try check(path, workers: processorCount())
  }

  /// Checks every input; an input that cannot be read is an error for it alone. One input uses
  /// every core for its objects; several inputs are spread over the cores instead.
  public func checkAll(_ inputs: [String]) -> (results: [CheckResult], errors: [ElfError]) {
    let perInput = inputs.count > 1 ? 1 : processorCount()
    let outcomes = mapInputs(inputs, workers: inputs.count > 1 ? processorCount() : 1) { path throws(ElfError) in
      try self.check(path, workers: perInput)
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

  private func check(_ path: String, workers: Int) throws(ElfError) -> CheckResult {
    var scope: [LoadedObject] = []
    var checked: [Int] = []
    let graph: LoadGraph
    // With cores to spare, each object's symbol table is read on another core as soon as the
    // object joins the load order, while the rest of the closure is resolved.
    let early: DispatchGroup? = workers > 1 ? DispatchGroup() : nil
    var onLoaded: (@Sendable (ElfFile) -> Void)?
    if let group = early {
      onLoaded = { @Sendable file in
        DispatchQueue.global().async(group: group) { _ = self.table(file) }
      }
    }
    defer { early?.wait() }
    if let host = options.host {
      let hostGraph = try resolver.resolve(host, onLoaded: onLoaded)
      graph = try resolver.resolve(path, onLoaded: onLoaded)
      scope = hostGraph.objects.filter(\.found)
      let hostIDs = Set(scope.compactMap(\.fileID))
      for object in graph.objects where object.found && !hostIDs.contains(object.fileID ?? FileID(device: 0, inode: 0))
      {
        scope.append(object)
        checked.append(scope.count - 1)
      }
    } else {
      graph = try resolver.resolve(path, onLoaded: onLoaded)
      if graph.staticallyLinked {
        var result = CheckResult(path: path)
        result.staticallyLinked = true
        return result
      }
      if let unknown = graph.unknownLoaderReason {
        // Binding rules differ between loaders: no answer rather than glibc's answer for another.
        var result = CheckResult(path: path)
        result.missingLibraries = graph.missingLibraries
        let reason = unknown + " (--loader glibc or --loader musl checks it with those rules)"
        result.unchecked.append(UncheckedObject(path: path, reason: reason))
        return result
      }
      scope = graph.objects.filter(\.found)
      checked = Array(scope.indices)
    }
    var result = CheckResult(path: path)
    result.missingLibraries = graph.missingLibraries
    let model = graph.loader
    // The executable of the scope (COPY relocations skip it).
    let executableIndex: Int? = (scope.first?.file?.interpreter != nil) ? 0 : nil
    let loaded = scope
    early?.wait()
    let tableResults = parallelMap(scope.count, workers: workers) { index in loaded[index].file.map { self.table($0) } }
    var scopeTables: [SymbolTable?] = []
    for (index, outcome) in tableResults.enumerated() {
      switch outcome {
      case .success(let table): scopeTables.append(table)
      case .failure(let error):
        scopeTables.append(nil)
        // Only objects that are checked are reported: a broken table of the host is the host's.
        if checked.contains(index) {
          result.unchecked.append(
            UncheckedObject(path: scope[index].path ?? scope[index].name, reason: error.message))
        }
      case nil: scopeTables.append(nil)
      }
    }
    let lookupTables = scopeTables
    let checkedObjects = checked
    let names = Self.namesIndex(scope)
    // Room for every lookup a worker can make from the start: growing the answers' storage copies
    // it and touches new pages; room that is never used costs no page.
    let references = checked.reduce(0) { $0 + (scopeTables[$1]?.referenceCountBound ?? 0) }
    // The objects with the most relocations first: the workers take the next object as they finish
    // one, and a large object taken last would leave the other core idle at the end.
    let order = checked.indices.sorted {
      let (a, b) = (scopeTables[checked[$0]]?.relocationBytes ?? 0, scopeTables[checked[$1]]?.relocationBytes ?? 0)
      return a != b ? a > b : $0 < $1
    }
    let largestFirst = parallelMap(checked.count, workers: workers, state: { WorkerState(expected: references) }) {
      state, item in
      self.checkObject(
        checkedObjects[order[item]], scope: loaded, tables: lookupTables, names: names, graph: graph, loader: model,
        executableIndex: executableIndex, state: &state)
    }
    var reports = [ObjectReport](repeating: ObjectReport(), count: checked.count)
    for (item, report) in largestFirst.enumerated() { reports[order[item]] = report }
    // Only the first checked object's bindings are read (--unused): no table keyed by position
    // (a dictionary type's first use costs the Swift runtime about 240,000 instructions).
    var firstBindings: [Bool] = []
    for (item, report) in reports.enumerated() {
      result.undefined += report.undefined
      result.missingVersions += report.missingVersions
      result.warnings += report.warnings
      if let reason = report.unchecked {
        result.unchecked.append(
          UncheckedObject(path: scope[checked[item]].path ?? scope[checked[item]].name, reason: reason))
      }
      if item == 0 { firstBindings = report.bindings }
    }
    if options.unused, let first = checked.first, let file = scope[first].file {
      for needed in file.dynamic?.needed ?? [] {
        guard let target = names[needed], !(target < firstBindings.count && firstBindings[target]) else { continue }
        result.unused.append(
          UnusedDependency(name: needed, path: scope[target].path ?? needed, neededBy: scope[first].path ?? ""))
      }
    }
    attributeToMissingLibraries(&result, graph: graph)
    let unexplained = result.undefined.indices.filter {
      if case .indirect = result.undefined[$0].kind { return false }
      return !result.undefined[$0].isInMissingLibrary
    }
    if !unexplained.isEmpty {
      let context = DefinitionFinder.Context(
        checker: self, scope: scope, tables: scopeTables, graph: graph)
      let undefined = result.undefined
      let found: [[DefinitionFact]] = finder.withLock { finder in
        unexplained.map { finder.definitions(of: undefined[$0], context) }
      }
      for (position, index) in unexplained.enumerated() { result.undefined[index].definitions = found[position] }
    }
    return result
  }

  /// Libraries that were not found but are where elfdyn can see them (next to the objects, in a
  /// Cargo deps directory, in the Rust toolchain): the unresolved symbols they export are
  /// unresolved only because they are missing, and are attributed to them.
  private func attributeToMissingLibraries(_ result: inout CheckResult, graph: LoadGraph) {
    guard !result.missingLibraries.isEmpty else { return }
    let finder = MissingLibraryFinder(
      environment: options.environment, currentDirectory: resolver.options.currentDirectory)
    var located: [(name: String, path: String, table: SymbolTable)] = []
    for index in graph.objects.indices where graph.objects[index].via == .notFound {
      let name = graph.objects[index].name
      guard let location = finder.location(of: index, in: graph) else { continue }
      for entry in result.missingLibraries.indices where result.missingLibraries[entry].name == name {
        result.missingLibraries[entry].location = location
      }
      // A library that cannot be read (or is of another machine) says nothing about symbols.
      guard let path = location.path(of: name), let file = try? readFile(path),
        file.identity.canLoad(into: graph.loader.identity), case .success(let table) = self.table(file)
      else { continue }
      located.append((name, path, table))
    }
    guard !located.isEmpty else { return }
    for index in result.undefined.indices where result.undefined[index].kind == .unresolved {
      let item = result.undefined[index]
      guard let library = located.first(where: { $0.table.exports(item.symbol, version: item.version) }) else {
        continue
      }
      result.undefined[index].definitions = [.inMissingLibrary(name: library.name, library: library.path)]
      for entry in result.missingLibraries.indices
      where result.missingLibraries[entry].name == library.name
        && !result.missingLibraries[entry].wouldProvide.contains(item.symbol)
      {
        result.missingLibraries[entry].wouldProvide.append(item.symbol)
      }
    }
  }

  struct ObjectReport {
    var undefined: [UnresolvedSymbol] = []
    var missingVersions: [MissingVersion] = []
    var warnings: [String] = []
    /// Why the object's references could not be checked (no relocation rules for its machine).
    var unchecked: String?
    /// Which objects of the scope the references bound to (a flag per scope position).
    var bindings: [Bool] = []
  }

  /// What a worker keeps from one object to the next: its lookup answers, and the flags of which
  /// (symbol, relocation class) pairs an object has looked up, reused (a fresh array per object
  /// costs a page fault per page of a large symbol table).
  struct WorkerState {
    var answers: LookupCache
    var marks: [UInt8] = []

    /// A state whose lookup answers have room for `expected` lookups.
    init(expected: Int) { answers = LookupCache(expected: expected) }
  }

  /// The references, version requirements and bindings of one object of the scope.
  private func checkObject(
    _ position: Int, scope: [LoadedObject], tables: [SymbolTable?], names: [String: Int], graph: LoadGraph,
    loader: LoaderModel, executableIndex: Int?, state: inout WorkerState
  ) -> ObjectReport {
    var report = ObjectReport()
    report.bindings = [Bool](repeating: false, count: scope.count)
    guard let file = scope[position].file, let table = tables[position] else { return report }
    guard let rules = RelocationRules.forMachine(file.identity) else {
      report.unchecked = "elfdyn has no relocation rules for \(file.identity.machine) (\(file.identity.summary))"
      return report
    }
    let referencing = scope[position].path ?? scope[position].name
    if file.identity.machine != loader.identity.machine {
      // Only musl gets here: it maps a library of another machine (same class and byte order).
      let what = "built for \(file.identity.machine), not \(loader.identity.machine)"
      guard table.relocations.ranges.isEmpty else {
        report.unchecked = "\(what): musl applies the process's relocation types to its relocations and fails"
        return report
      }
      report.warnings.append("\(referencing): \(what): musl maps it, and the program fails when it runs its code")
    }
    let ignoresVersions = loader.ignoresSymbolVersions
    let acceptsIFunc = loader.acceptsIndirectFunctions
    return FileMapping.withBytes(of: tables.map { $0?.mapping }) { buffers in
      // An absent table gets an empty view, and a filter that rejects everything.
      var views: [SymbolTable.View] = []
      views.reserveCapacity(tables.count)
      for (index, table) in tables.enumerated() { views.append(table?.view(over: buffers[index]) ?? .empty) }
      let own = views[position]
      // Small values tested for every object of the scope on every lookup; the bases compare
      // cached names.
      let filters: [LookupFilter] = tables.indices.map { tables[$0] == nil ? .rejectingAll : views[$0].filter }
      let bases: [UnsafeRawPointer?] = buffers.map(\.baseAddress)
      // The tables as plain pointers (`tables` keeps them alive): a lookup reads the definer's
      // version keys without retaining and releasing it, which both cores would do at once.
      let unretainedTables = tables.map { $0.map(Unmanaged.passUnretained) }
      // The lookup answers and the bindings are moved out of `state` and `report` for the loop:
      // variables of the enclosing function that the loop's closures change are checked for
      // overlapping access at run time, on every reference.
      var answers = state.answers
      state.answers = LookupCache.placeholder
      var bindings = report.bindings
      report.bindings = []
      var seen = Set<String>()
      func add(_ item: UnresolvedSymbol) {
        let key = item.symbol + "\u{0}" + (item.version ?? "")
        guard seen.insert(key).inserted else { return }
        report.undefined.append(item)
      }
      // The answers are passed in, not captured: a local function's captured variable that it
      // changes is checked at run time on every call.
      func resolve(
        _ name: UnsafeRawBufferPointer, _ hash: UInt32, _ version: SymbolTable.VersionKey?,
        _ typeClass: RelocationClass, _ skip: Int?, _ answers: inout LookupCache
      ) -> Int? {
        if let known = answers.find(name, hash, version, typeClass, skip ?? -1, bases: bases) {
          return known >= 0 ? known : nil
        }
        let found = Self.lookup(
          name, hash: hash, version: version, typeClass: typeClass, filters: filters, views: views,
          tables: unretainedTables, skip: skip, acceptsIFunc: acceptsIFunc)
        if let base = own.file.bytes.baseAddress, let start = name.baseAddress {
          answers.insert(
            NameReference(position: position, offset: start - base, length: name.count, hash: hash), version,
            typeClass, skip ?? -1, found ?? -1)
        }
        return found
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
      func version(of index: Int) -> SymbolTable.VersionKey? {
        guard table.hasVersions, !ignoresVersions else { return nil }
        return table.neededVersionKey(own.versionIndex(index).index)
      }
      /// The name of the version a reported reference asks for.
      func versionName(of index: Int) -> String? {
        guard table.hasVersions, !ignoresVersions else { return nil }
        return table.neededVersion(own.versionIndex(index).index)?.name
      }
      // The marks are written through a buffer pointer: no uniqueness check per relocation.
      done.withUnsafeMutableBufferPointer { done in
        table.relocations.forEach(own.file) { relocation in
          let index = Int(relocation.symbol)
          guard index < done.count else { return }
          let typeClass = rules.classify(relocation.type)
          let bit: UInt8 = typeClass == .plt ? 1 : typeClass == .copy ? 2 : 4
          guard done[index] & bit == 0 else { return }
          done[index] |= bit
          guard let symbol = own.symbol(index), !symbol.isDefined || typeClass == .copy, symbol.binding != .local,
            let name = own.nameBytes(symbol), !name.isEmpty
          else { return }
          let hash = GnuHashTable.hash(name)
          let wanted = version(of: index)
          let skip = typeClass == .copy ? executableIndex : nil
          if let found = resolve(name, hash, wanted, typeClass, skip, &answers) {
            bindings[found] = true
            if options.strict, position != 0, found != 0, found != position,
              !dependsOn(position, found, scope: scope, graph: graph)
            {
              let definedIn = scope[found].path ?? scope[found].name
              add(
                UnresolvedSymbol(
                  symbol: String(decoding: name, as: UTF8.self), version: versionName(of: index),
                  referencedBy: referencing,
                  weak: symbol.binding == .weak, kind: .indirect(definedIn: definedIn)))
            }
            return
          }
          // A weak undefined reference that finds nothing is fine, for the loader and for linkers.
          if symbol.binding == .weak { return }
          add(
            UnresolvedSymbol(
              symbol: String(decoding: name, as: UTF8.self), version: versionName(of: index), referencedBy: referencing,
              weak: false, kind: .unresolved))
        }
      }
      if options.strict {
        for index in 1..<max(table.count, 1) where done[index] == 0 {
          guard let symbol = own.symbol(index), !symbol.isDefined, symbol.binding == .global,
            let name = own.nameBytes(symbol), !name.isEmpty
          else { continue }
          let wanted = version(of: index)
          if resolve(name, GnuHashTable.hash(name), wanted, .other, nil, &answers) == nil {
            add(
              UnresolvedSymbol(
                symbol: String(decoding: name, as: UTF8.self), version: versionName(of: index),
                referencedBy: referencing,
                weak: false, kind: .unrelocated))
          }
        }
      }
      state.answers = answers
      report.bindings = bindings
      // Version requirements (a loader that ignores versions checks none).
      guard !ignoresVersions else { return report }
      for requirement in table.requirements {
        guard let target = names[requirement.file], let targetTable = tables[target] else {
          continue
        }
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
  }

  /// Every name an object of `scope` is loaded under (its DT_NEEDED strings, soname and path) →
  /// the first object with that name: what a DT_NEEDED string or a version requirement's file
  /// names. Made once per input, not searched for each of thousands of requirements.
  private static func namesIndex(_ scope: [LoadedObject]) -> [String: Int] {
    var index: [String: Int] = [:]
    for position in scope.indices {
      for name in scope[position].names where index[name] == nil { index[name] = position }
      if let soname = scope[position].soname, index[soname] == nil { index[soname] = position }
      if let path = scope[position].path, index[path] == nil { index[path] = position }
    }
    return index
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

  /// _dl_lookup_symbol_x over the scope: the index (in scope) of the object whose definition the
  /// loader would bind the reference to, nil when none. `tables` are the scope's symbol tables,
  /// kept alive by the caller and read without retaining them (`Unmanaged.passUnretained`).
  static func lookup(
    _ name: UnsafeRawBufferPointer, hash: UInt32, version: SymbolTable.VersionKey?, typeClass: RelocationClass,
    filters: [LookupFilter], views: [SymbolTable.View], tables: [Unmanaged<SymbolTable>?], skip: Int?,
    acceptsIFunc: Bool = true
  ) -> Int? {
    // The views are read in place: copying one out for every object that passes the bloom filter
    // costs more than the match.
    views.withUnsafeBufferPointer { views in
      filters.withUnsafeBufferPointer { filters in
        for position in filters.indices where position != skip {
          guard filters[position].mayDefine(hash), let table = tables[position], let base = views.baseAddress
          else { continue }
          let found = table._withUnsafeGuaranteedRef { table in
            match(
              name, hash: hash, version: version, typeClass: typeClass, in: base + position, table: table,
              acceptsIFunc: acceptsIFunc)?.symbol
          }
          if let symbol = found {
            // Hidden and internal symbols are local; local bindings are ignored: the object is skipped.
            if symbol.visibility.isLocal { continue }
            if symbol.binding.isExported { return position }
          }
        }
        return nil
      }
    }
  }

  /// check_match over the hash chain of one object, with glibc's "exactly one versioned
  /// definition" rule for unversioned references. `acceptsIFunc` false: STT_GNU_IFUNC definitions
  /// do not count (musl).
  static func match(
    _ name: UnsafeRawBufferPointer, hash: UInt32, version: SymbolTable.VersionKey?, typeClass: RelocationClass,
    in view: UnsafePointer<SymbolTable.View>, table: SymbolTable, acceptsIFunc: Bool = true
  ) -> (index: Int, symbol: SymbolRecord)? {
    var versioned: (Int, SymbolRecord)?
    var versionCount = 0
    var found: (Int, SymbolRecord)?
    view.pointee.forEachCandidate(name, gnuHash: hash) { index, symbol in
      // No value (unless TLS or absolute), or an undefined entry for a PLT reference.
      if !symbol.hasUsableValue { return false }
      if typeClass == .plt && !symbol.isDefined { return false }
      if !symbol.type.isLoaderVisible || (!acceptsIFunc && symbol.type == .gnuIFunc) { return false }
      let raw = view.pointee.versionIndex(index)
      if let version {
        if view.pointee.hasVersions {
          let definition = table.definedVersionKey(raw.index)
          let same = definition.id >= 0 && definition.hash == version.hash && definition.id == version.id
          if !same && (version.hidden || definition.id >= 0 || raw.isHidden) { return false }
        }
      } else if view.pointee.hasVersions && !raw.isBaseVersion {
        if !raw.isHidden {
          versionCount += 1
          if versionCount == 1 { versioned = (index, symbol) }
        }
        return false
      }
      found = (index, symbol)
      return true
    }
    if let found { return found }
    return versionCount == 1 ? versioned : nil
  }
}

/// Where a looked-up name is: in the string table of the scope's object at `position`, at byte
/// `offset` of that file, `length` bytes long.
struct NameReference {
  var position: Int
  var offset: Int
  var length: Int
  var hash: UInt32
}

/// The answers of lookups already made by one worker for one input: an open-addressing table keyed
/// by the name's GNU hash (no string hashing, no allocation per lookup). Names are kept as
/// references into the scope's files and compared through the views lent to each lookup.
struct LookupCache {
  private struct Entry {
    var name: NameReference
    var version: SymbolTable.VersionKey?
    var typeClass: RelocationClass
    var skip: Int
    var answer: Int
  }
  private var entries: [Entry] = []
  private var slots: [Int32]

  /// Holds the place of a cache moved out for a while: no storage of its own (not for lookups).
  static let placeholder = LookupCache()

  private init() { slots = [] }

  /// Room for `expected` answers (at most 2^20 at first; it grows past that): a program's closure
  /// makes thousands of distinct lookups (10,000 for sourcekit-lsp), and growing copies them all.
  init(expected: Int) {
    let wanted = min(max(expected, 256), 1 << 20)
    entries.reserveCapacity(wanted)
    var count = 512
    while count < wanted * 2 { count *= 2 }
    slots = [Int32](repeating: -1, count: count)
  }

  func find(
    _ name: UnsafeRawBufferPointer, _ hash: UInt32, _ version: SymbolTable.VersionKey?,
    _ typeClass: RelocationClass, _ skip: Int, bases: [UnsafeRawPointer?]
  ) -> Int? {
    let mask = slots.count - 1
    var slot = Int(hash) & mask
    while true {
      let index = Int(slots[slot])
      if index < 0 { return nil }
      let entry = entries[index]
      if entry.name.hash == hash && entry.name.length == name.count && entry.typeClass == typeClass
        && entry.skip == skip && entry.version == version,
        let base = bases[entry.name.position],
        name.count == 0 || name.baseAddress.map({ memcmp(base + entry.name.offset, $0, name.count) == 0 }) == true
      {
        return entry.answer
      }
      slot = (slot + 1) & mask
    }
  }

  mutating func insert(
    _ name: NameReference, _ version: SymbolTable.VersionKey?, _ typeClass: RelocationClass, _ skip: Int,
    _ answer: Int
  ) {
    if (entries.count + 1) * 2 > slots.count { grow() }
    entries.append(Entry(name: name, version: version, typeClass: typeClass, skip: skip, answer: answer))
    place(entries.count - 1)
  }

  private mutating func place(_ index: Int) {
    let mask = slots.count - 1
    var slot = Int(entries[index].name.hash) & mask
    while slots[slot] >= 0 { slot = (slot + 1) & mask }
    slots[slot] = Int32(truncatingIfNeeded: index)
  }

  private mutating func grow() {
    slots = [Int32](repeating: -1, count: slots.count * 2)
    for index in entries.indices { place(index) }
  }
}
