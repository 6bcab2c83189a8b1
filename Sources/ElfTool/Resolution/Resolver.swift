#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Why a library was loaded from where it was: the step of the loader's search that found it.
public enum Via: Sendable, Equatable {
  /// The input file itself.
  case input
  /// A DT_NEEDED name (or preload) containing a slash, used as a path.
  case direct
  /// DT_RPATH of the object at this index (the needing object or one of its loaders).
  case rpath(owner: Int)
  /// LD_LIBRARY_PATH.
  case libraryPath
  /// A directory given with `-L` (searched like LD_LIBRARY_PATH, before it).
  case libraryPathOption
  /// The needing object's DT_RUNPATH.
  case runpath
  /// /etc/ld.so.cache.
  case cache
  /// The default directories.
  case defaultPath
  /// The program interpreter, loaded by the kernel before anything else.
  case interpreter
  /// Not found anywhere.
  case notFound
  /// A candidate was found but cannot be loaded (not ELF, broken): a fatal load error.
  case failed
}

/// A directory the search tried, and which step it belonged to.
public struct SearchStep: Sendable, Equatable {
  /// The directory as the target sees it (or the cache file).
  public var directory: String
  /// The step of the search it belongs to.
  public var via: Via
}

/// One object of the load order.
public struct LoadedObject: Sendable {
  /// The name it was first requested by (a DT_NEEDED string, a preload, or the input path).
  public var name: String
  /// The path the loader opened (as the target sees it; see `hostPath` under `--root`), nil when
  /// not found.
  public var path: String?
  /// The path on this machine (differs from `path` only under `--root`).
  public var hostPath: String?
  /// The step of the search that found it (or `.notFound`, `.failed`).
  public var via: Via
  /// Why it could not be loaded (a fatal load error), nil when loaded or simply not found.
  public var error: String?
  /// Every name this object was requested by and matches (DT_NEEDED strings, its soname).
  public var names: [String] = []
  /// Its DT_NEEDED names, in order.
  public var needed: [String] = []
  /// Indexes of the objects that need it, in load order.
  public var neededBy: [Int] = []
  /// The object that caused it to be loaded (glibc's l_loader), for the DT_RPATH chain.
  public var loader: Int?
  /// The directories tried, in order, when it was not found.
  public var tried: [SearchStep] = []
  /// Loaded because of LD_PRELOAD / `--preload`.
  public var preloaded = false
  /// A DT_FILTER or DT_AUXILIARY target.
  public var filtee = false
  /// Only ever requested through DT_AUXILIARY: its absence is not an error.
  public var auxiliary = false
  /// Its DT_SONAME.
  public var soname: String?
  /// Its device and inode, by which the loader recognises a file loaded before.
  public var fileID: FileID?
  /// Something the loader accepts but that will not work (musl maps a library of another machine).
  public var warning: String?

  /// Whether it was found and can be loaded.
  public var found: Bool { path != nil && error == nil && via != .notFound }

  /// The decoded file, for loaded objects.
  public var file: ElfFile?
}

/// One dependency edge: object `from` needs `name`, which resolved to object `to`.
public struct DependencyEdge: Sendable, Equatable {
  /// DT_NEEDED, DT_FILTER, DT_AUXILIARY, or a preload.
  public enum Kind: Sendable, Equatable { case needed, filter, auxiliary, preload }
  /// The name as the needing object wrote it.
  public var name: String
  /// The index in `LoadGraph.objects` it resolved to.
  public var to: Int
  /// Which tag (or preload) made the request.
  public var kind: Kind
  /// True when the loader found the object already loaded (by name, soname or inode) and did not search.
  public var reused: Bool
}

/// The result of resolving one input like the loader.
public struct LoadGraph: Sendable {
  /// The input path as given.
  public var input: String
  /// The input's PT_INTERP, nil for a library.
  public var interpreter: String?
  /// Every object once, the input first, then in the loader's load order (mapping order).
  public var objects: [LoadedObject]
  /// The dependency edges of each object, in dynamic-table order (index = object index).
  public var edges: [[DependencyEdge]]
  /// Preloads, as edges of the input (they are shown first).
  public var preloads: [DependencyEdge]
  /// The loader whose rules were applied.
  public var loader: LoaderModel
  /// The input's PT_INTERP when it names neither glibc's nor musl's loader and no `--loader` was
  /// given: the graph was made with glibc's rules, which that loader may not follow.
  public var unknownLoader: String?
  /// The program runs in glibc's secure-execution mode when this user starts it (it is
  /// set-user-ID or set-group-ID to someone else: AT_SECURE): LD_LIBRARY_PATH and `-L` are
  /// ignored, `$ORIGIN` is used only at the start of a path element and, in the program's own
  /// paths, only where it leads into a system directory; preloads with a slash are ignored.
  public var secure = false
  /// The input is statically linked (a static executable or static-pie): no loader, no
  /// libraries; `objects` holds the input alone.
  public var staticallyLinked = false
  /// What each object declares in `.note.dlopen` and where a dlopen() from it would find it (index
  /// = object index); empty unless `ResolveOptions.dlopen` was set. These libraries are not part of
  /// `objects`: the program loads them later, if at all.
  public var dlopen: [DlopenDeclarations] = []

  /// Why the loader is unknown (see `unknownLoader`), nil when it is known: the start of what
  /// tree warns and check-undefined reports.
  public var unknownLoaderReason: String? {
    unknownLoader.map {
      "its interpreter \($0) is neither glibc's nor musl's loader, and elfdyn has no rules of its own for it"
    }
  }

  /// What tree says of an unknown loader, nil when the loader is known.
  public var unknownLoaderWarning: String? {
    unknownLoaderReason.map { $0 + ": resolved with glibc's (--loader glibc or --loader musl chooses the rules)" }
  }

  /// Every object found and loadable, interpreter included.
  public var allFound: Bool { objects.allSatisfy { $0.found || ($0.auxiliary && $0.via == .notFound) } }
}

/// The graph of one input of `Resolver.resolveAll`, or why the input cannot be read. (Not a
/// `Result`: a generic type's metadata is built at run time on first use, which costs a static
/// executable a scan of its conformance records, a tenth of a small run.)
public enum ResolveOutcome: Sendable {
  /// The input's load graph.
  case success(LoadGraph)
  /// The input itself cannot be read (exit status 2).
  case failure(ElfError)
}

/// Options that change where the loader looks.
public struct ResolveOptions: Sendable {
  /// A sysroot: its ld.so.cache, default directories and absolute paths are used instead of the host's.
  public var root: String = ""
  /// Directories searched like LD_LIBRARY_PATH, before it (`-L`).
  public var libraryPath: [String] = []
  /// The LD_LIBRARY_PATH value, nil when unset.
  public var environmentLibraryPath: String?
  /// LD_PRELOAD-style libraries, in order.
  public var preload: [String] = []
  /// The directory relative names are taken from.
  public var currentDirectory: String = Paths.currentDirectory()
  /// The loader's rules to apply; nil: the ones the input's PT_INTERP names.
  public var loader: LoaderModel.Kind?
  /// Whether a program that would start with AT_SECURE for this user (set-user-ID or set-group-ID
  /// to someone else) is resolved in glibc's secure-execution mode (`LoadGraph.secure`); false
  /// resolves every program as an ordinary one (for finding where libraries are).
  public var secureExecution = true
  /// Whether to read each object's `.note.dlopen` and resolve the libraries it declares
  /// (`LoadGraph.dlopen`), after the load order is complete.
  public var dlopen = false

  /// No extra directories, no preloads, no sysroot; the loader from PT_INTERP.
  public init() {}
}

/// Resolves an input's load closure exactly as glibc's `_dl_map_object_deps` and `_dl_map_object`
/// would, without running anything: breadth-first, the soname and inode cache, the DT_RPATH chain,
/// LD_LIBRARY_PATH, DT_RUNPATH, ld.so.cache, default directories, DF_1_NODEFLIB, dynamic string
/// tokens, glibc-hwcaps and legacy subdirectories, class and machine checks.
public struct Resolver: Sendable {
  /// Where the loader looks, as given.
  public let options: ResolveOptions
  /// Files read once and shared by every resolution of this resolver; nil: every resolution reads
  /// its files afresh (for commands that write files and then resolve them again).
  public let cache: LoadCache?

  /// A resolver that applies `options` to every input, reading each file afresh.
  public init(options: ResolveOptions) {
    self.options = options
    cache = nil
  }

  /// A resolver that applies `options` to every input and reads each file once through `cache`.
  public init(options: ResolveOptions, cache: LoadCache) {
    self.options = options
    self.cache = cache
  }

  /// Resolves `path`. Throws when the input itself cannot be read (exit status 2); problems with
  /// libraries are part of the graph.
  public func resolve(_ path: String) throws(ElfError) -> LoadGraph {
    try resolve(path, onLoaded: nil)
  }

  /// `resolve`, calling `onLoaded` with each object's file as it joins the load order (the input
  /// first): a caller can start reading what it needs of the objects while the rest is resolved.
  func resolve(_ path: String, onLoaded: (@Sendable (ElfFile) -> Void)?) throws(ElfError) -> LoadGraph {
    let file: ElfFile
    if let cache {
      file = try cache.file(path).get()
    } else {
      file = try ElfFile(path: path)
    }
    if file.isStaticallyLinked {
      let loader = loaderModel(file.identity, interpreter: nil, kind: options.loader ?? .glibc)
      var main = LoadedObject(name: path, path: path, hostPath: path, via: .input)
      main.file = file
      main.fileID = file.fileID
      main.names = [path]
      var graph = LoadGraph(
        input: path, interpreter: nil, objects: [main], edges: [[]], preloads: [],
        loader: loader)
      graph.staticallyLinked = true
      return graph
    }
    guard file.dynamic != nil || file.interpreter != nil else {
      throw ElfError(
        path, .usage, "not a dynamic executable or shared library (it has no PT_DYNAMIC; it is \(file.identity.type))")
    }
    let kind = options.loader ?? LoaderModel.kind(of: file, root: options.root)
    let system = loaderModel(file.identity, interpreter: file.interpreter, kind: kind)
    let secure = options.secureExecution && kind == .glibc && file.interpreter != nil && file.startsSecure
    var state = ResolveState(options: options, system: system, cache: cache, secure: secure)
    state.onLoaded = onLoaded
    var graph = state.run(input: path, file: file)
    graph.secure = secure
    if options.loader == nil, let interpreter = file.interpreter, !LoaderModel.isKnownInterpreter(interpreter) {
      graph.unknownLoader = interpreter
    }
    return graph
  }

  /// The loader model for an input, from the shared cache when there is one: each model made
  /// reads ld.so.cache.
  private func loaderModel(_ identity: ElfIdentity, interpreter: String?, kind: LoaderModel.Kind) -> LoaderModel {
    cache?.model(root: options.root, identity: identity, interpreter: interpreter, kind: kind)
      ?? LoaderModel(root: options.root, identity: identity, interpreter: interpreter, kind: kind)
  }

  /// Resolves every input, on every core when there are several, and returns the graphs (or the
  /// error of an input that cannot be read) in input order. With a cache, each file is read once
  /// however many inputs load it.
  public func resolveAll(_ paths: [String]) -> [ResolveOutcome] {
    resolveAll(paths) { $0 }
  }

  /// `resolveAll`, with `transform` applied to each outcome on the core that resolved it: what
  /// the caller keeps of a graph (its rendering, say) is made there, and a graph it does not keep
  /// is freed there, its memory reused by the next input instead of new pages.
  public func resolveAll<T: Sendable>(_ paths: [String], _ transform: @Sendable (ResolveOutcome) -> T) -> [T] {
    // Not `mapInputs`: see `ResolveOutcome` for why this is not a `Result`.
    parallelMap(paths.count, workers: paths.count > 1 ? processorCount() : 1) { index in
      do throws(ElfError) {
        return transform(.success(try self.resolve(paths[index])))
      } catch {
        return transform(.failure(error))
      }
    }
  }
}

/// The mutable state of one resolution.
struct ResolveState {
  let options: ResolveOptions
  let system: LoaderModel
  var objects: [LoadedObject] = []
  var edges: [[DependencyEdge]] = []
  var preloads: [DependencyEdge] = []
  /// `.note.dlopen` declarations by object index (filled only with `options.dlopen`).
  var dlopen: [DlopenDeclarations] = []
  /// Every requested name, path and soname of loaded objects → the first object with it (faked
  /// ones excluded): what `alreadyLoaded` answers. One table for both kinds of name, so that a
  /// lookup hashes the name once. The first registration is the lowest index: objects are
  /// registered in load order, and a name added to an earlier object (a search that found its
  /// file again) was in the table under no object before.
  var loadedNames: [String: Int] = [:]
  /// musl: the name each object was found by in a search (its "shortname") → its index. Objects
  /// opened by a path have none until a search finds the same file.
  var byShortName: [String: Int] = [:]
  /// musl: the objects that have a shortname.
  /// (Flags and origins by object index are arrays, not `Set<Int>` and `[Int: String]`: the first
  /// use of an Int-keyed collection costs the runtime a scan of every protocol conformance.)
  var hasShortName: [Bool] = []
  /// musl: the reserved stems (`c`, `m`, ...) already listed under a name of the loader.
  var listedStems: Set<String> = []
  /// (file, object index) of every loaded object, searched linearly (a few hundred at most).
  var byFileID: [(FileID, Int)] = []
  /// The interpreter, known before anything is loaded, placed in the order when first needed.
  var pendingInterpreter: LoadedObject?
  /// `$ORIGIN` of each object by index (nil: none, such as an object not found).
  var origins: [String?] = []
  /// Search directories (host paths) → the subdirectories (incl. "") that exist there.
  var subdirectoryCache: [String: [String]] = [:]
  let libraryPathDirectories: [String]
  /// How many of `libraryPathDirectories` come from `-L` (they come first).
  let optionDirectoryCount: Int

  /// Files and search results shared with other resolutions, when the resolver has a cache.
  let cache: LoadCache?
  /// Called with the file of each object added to the load order (see `Resolver.resolve`).
  var onLoaded: (@Sendable (ElfFile) -> Void)?
  /// glibc's secure-execution mode (see `LoadGraph.secure`).
  let secure: Bool

  init(options: ResolveOptions, system: LoaderModel, cache: LoadCache? = nil, secure: Bool = false) {
    self.options = options
    self.system = system
    self.cache = cache
    self.secure = secure
    // In secure-execution mode glibc does not read LD_LIBRARY_PATH (nor elfdyn its `-L`).
    var dirs = secure ? [] : options.libraryPath
    optionDirectoryCount = dirs.count
    if !secure, let value = options.environmentLibraryPath {
      // musl splits at ':' and newlines and skips empty elements; glibc splits at ':' and ';' and
      // takes an empty element for the current directory.
      dirs +=
        system.kind == .musl ? ResolveState.splitMuslPath(value) : ResolveState.splitPath(value, semicolonToo: true)
    }
    libraryPathDirectories = dirs
    // A program loads a few dozen objects: room for them from the start, not copies as they grow.
    objects.reserveCapacity(64)
    edges.reserveCapacity(64)
    loadedNames.reserveCapacity(192)
  }

  mutating func run(input: String, file: ElfFile) -> LoadGraph {
    var main = LoadedObject(name: input, path: input, hostPath: input, via: .input)
    main.file = file
    main.needed = file.dynamic?.needed ?? []
    main.soname = file.dynamic?.soname
    main.fileID = file.fileID
    main.names = [input]
    add(main)
    // $ORIGIN of the executable is the directory of /proc/self/exe (symlinks resolved); a library
    // given as input is opened by its path, as ld.so does for `ld.so --list lib.so`.
    // Under --root, $ORIGIN is the directory as the target sees it: the root is prefixed once,
    // when a candidate is opened.
    let isProgram = file.interpreter != nil
    let hostOrigin: String
    if isProgram, let real = realDirectory(ofProgram: input) {
      hostOrigin = real
    } else {
      hostOrigin = Paths.directory(of: input, cwd: options.currentDirectory)
    }
    setOrigin(system.targetPath(ofHostPath: hostOrigin), 0)
    prepareInterpreter(file)

    var queue: [Int] = [0]
    // Whether an object is in the queue (objects only grow: a flag per object index).
    var queued: [Bool] = [true]
    func enqueued(_ index: Int) -> Bool {
      while queued.count <= index { queued.append(false) }
      return queued[index]
    }
    // In secure-execution mode, LD_PRELOAD names with a slash are ignored (/etc/ld.so.preload's are not).
    let preloadNames = secure ? options.preload.filter { !$0.containsByte(UInt8(ascii: "/")) } : options.preload
    for name in preloadNames + system.preloadFile {
      let index = map(name: name, loader: 0, kind: .preload)
      preloads.append(DependencyEdge(name: name, to: index, kind: .preload, reused: false))
      objects[index].preloaded = true
      if !enqueued(index) {
        queue.append(index)
        queued[index] = true
      }
    }
    var position = 0
    while position < queue.count {
      let current = queue[position]
      position += 1
      guard let dynamic = objects[current].file?.dynamic else { continue }
      var insertAt = position - 1
      for dependency in dynamic.dependencies {
        let kind: DependencyEdge.Kind
        switch dependency {
        case .needed: kind = .needed
        case .filter: kind = .filter
        case .auxiliary: kind = .auxiliary
        }
        let before = objects.count
        let target = map(name: dependency.name, loader: current, kind: kind)
        let reused = target < before
        edges[current].append(DependencyEdge(name: dependency.name, to: target, kind: kind, reused: reused))
        if !objects[target].neededBy.contains(current) { objects[target].neededBy.append(current) }
        if enqueued(target) { continue }
        queued[target] = true
        if kind == .filter || kind == .auxiliary {
          // glibc puts a filtee before the filter in the search list and processes it next.
          queue.insert(target, at: insertAt + 1)
          insertAt += 1
        } else {
          queue.append(target)
        }
      }
    }
    addUnloadableInterpreter()
    if options.dlopen { resolveDlopenDependencies() }
    placeFilteesBeforeFilters()
    return LoadGraph(
      input: input, interpreter: objects[0].file?.interpreter, objects: objects, edges: edges,
      preloads: preloads, loader: system, dlopen: dlopen)
  }

  /// The directory of the program's real path (realpath(3) of the input, then its directory).
  /// With a cache, the links of the program's own name are followed one by one and the directory
  /// of the file they end at is resolved once for every program in it (realpath reads the link of
  /// every component again for each program). A link's relative target is joined to the link's
  /// directory as written: realpath of that directory resolves its ".." the way the kernel does.
  private func realDirectory(ofProgram input: String) -> String? {
    if let cache {
      var path = input
      links: for _ in 0..<40 {
        switch Paths.linkState(path) {
        case .plain: return cache.realDirectory(Paths.directory(of: path, cwd: options.currentDirectory))
        case .link(let target):
          path =
            target.utf8.first == UInt8(ascii: "/")
            ? target : Paths.join(Paths.directory(of: path, cwd: options.currentDirectory), target)
        case .unreadable: break links  // realpath says what it says
        }
      }
    }
    return Paths.realPath(input).map { Paths.directory(of: $0, cwd: options.currentDirectory) }
  }

  /// glibc moves a filtee that a filter loaded to just before the filter in the list of loaded
  /// objects (what ldd prints). Reorders `objects` and renumbers every index.
  private mutating func placeFilteesBeforeFilters() {
    guard objects.contains(where: { $0.filtee }) else { return }
    var order: [Int] = []
    var placed = [Bool](repeating: false, count: objects.count)
    func emit(_ index: Int) {
      guard !placed[index] else { return }
      placed[index] = true
      for (other, object) in objects.enumerated() where object.filtee && object.loader == index && !placed[other] {
        emit(other)
        // emit() placed `other` after its own filtees; it must come before `index`.
      }
      order.append(index)
    }
    for index in objects.indices where !(objects[index].filtee && objects[index].loader != nil) {
      emit(index)
    }
    for index in objects.indices where !placed[index] { emit(index) }
    var renumber = [Int](repeating: 0, count: objects.count)
    for (new, old) in order.enumerated() { renumber[old] = new }
    func fix(_ object: LoadedObject) -> LoadedObject {
      var object = object
      object.neededBy = object.neededBy.map { renumber[$0] }
      object.loader = object.loader.map { renumber[$0] }
      if case .rpath(let owner) = object.via { object.via = .rpath(owner: renumber[owner]) }
      object.tried = object.tried.map { step in
        var step = step
        if case .rpath(let owner) = step.via { step.via = .rpath(owner: renumber[owner]) }
        return step
      }
      return object
    }
    func fixEdge(_ edge: DependencyEdge) -> DependencyEdge {
      var edge = edge
      edge.to = renumber[edge.to]
      return edge
    }
    objects = order.map { fix(objects[$0]) }
    edges = order.map { edges[$0].map(fixEdge) }
    if !dlopen.isEmpty { dlopen = order.map { dlopen[$0].renumbered(renumber) } }
    preloads = preloads.map(fixEdge)
  }

  private mutating func add(_ object: LoadedObject) {
    let index = objects.count
    objects.append(object)
    edges.append([])
    register(index)
    if let onLoaded, let file = objects[index].file, objects[index].via != .notFound, objects[index].via != .failed {
      onLoaded(file)
    }
  }

  private mutating func register(_ index: Int) {
    // Fields read in place: a copy of the whole object would retain every one of its references.
    let via = objects[index].via
    guard via != .notFound, via != .failed else { return }
    for name in objects[index].names { keepFirst(name, index) }
    if let path = objects[index].path { keepFirst(path, index) }
    if let soname = objects[index].soname { keepFirst(soname, index) }
    // musl's loader has no device and inode of its own: finding its file again maps it again (and
    // then replaces it by itself as a libc).
    let inodeKnown = !(system.kind == .musl && via == .interpreter)
    if inodeKnown, let id = objects[index].fileID, !byFileID.contains(where: { $0.0 == id }) {
      byFileID.append((id, index))
    }
  }

  /// The kernel maps PT_INTERP before the loader starts; later DT_NEEDED names match it.
  private mutating func prepareInterpreter(_ file: ElfFile) {
    guard let interp = system.interpreter else { return }
    let host = Paths.insideRoot(system.root, interp)
    var object = LoadedObject(name: interp, path: interp, hostPath: host, via: .interpreter)
    object.names = [interp]
    // A loader that cannot be read is reported for a program; a library names none of its own.
    do throws(ElfError) {
      let interpFile = try readFile(host)
      object.file = interpFile
      object.soname = interpFile.dynamic?.soname
      object.needed = interpFile.dynamic?.needed ?? []
      object.fileID = interpFile.fileID
    } catch {
      guard file.interpreter != nil else { return }
      object.error = "program interpreter: \(error.message)"
    }
    pendingInterpreter = object
  }

  /// The kernel does not start a program whose interpreter it cannot load (execve fails): an
  /// interpreter that cannot be read is a missing object of the program even when no DT_NEEDED
  /// names it (one that can is loaded by the kernel, and is shown only where something needs it).
  private mutating func addUnloadableInterpreter() {
    guard var object = pendingInterpreter, object.error != nil else { return }
    pendingInterpreter = nil
    object.loader = 0
    add(object)
  }

  /// The first loaded object that the loader would reuse for `name`: one requested by that name,
  /// opened by that path, or with that soname.
  func alreadyLoaded(_ name: String) -> Int? { loadedNames[name] }

  /// Adds `name` → `index` to `loadedNames` unless the name is there. (A lookup and then an
  /// insertion hash the name twice, but `&table[key, default: value]` costs more: its accessor
  /// allocates on the heap on every call.)
  @inline(__always)
  private mutating func keepFirst(_ name: String, _ index: Int) {
    if loadedNames[name] == nil { loadedNames[name] = index }
  }

  /// The index of the loader itself, placed in the load order now if it is not there yet.
  private mutating func interpreterIndex(loader: Int) -> Int? {
    if let pending = pendingInterpreter {
      pendingInterpreter = nil
      var object = pending
      object.loader = loader
      add(object)
      return objects.count - 1
    }
    return objects.firstIndex { $0.via == .interpreter }
  }

  /// _dl_map_object (glibc) or load_library (musl): the index of the object `name` resolves to
  /// when needed by `loader`.
  private mutating func map(name: String, loader: Int, kind: DependencyEdge.Kind) -> Int {
    if system.kind == .musl {
      // musl provides libc, libm, libpthread, ... itself, and so is any name equal to its own
      // (PT_INTERP); it reuses an object found before by the same name in a search (its
      // "shortname"); it matches no soname.
      if system.providesItself(name) || name == system.interpreter, let index = muslLoaderIndex(name, loader: loader) {
        return index
      }
      if !name.containsByte(UInt8(ascii: "/")), let index = byShortName[name] { return index }
      return mapMusl(name: name, loader: loader, kind: kind)
    } else if let index = alreadyLoaded(name) {
      return index
    }
    // Read in place: a copy of the pending object for every name would retain each of its references.
    if pendingInterpreter?.names.contains(name) == true || pendingInterpreter?.soname == name
      || pendingInterpreter?.path == name, var object = pendingInterpreter
    {
      pendingInterpreter = nil
      object.loader = loader
      add(object)
      return objects.count - 1
    }
    var outcome: Outcome
    let expanded = expandTokens(name, owner: loader)
    if let expanded, expanded.containsByte(UInt8(ascii: "/")) {
      outcome = open(candidate: expanded, via: .direct, loader: loader)
      if case .skipped = outcome { outcome = .missing([]) }
    } else if let expanded {
      outcome = search(expanded, loader: loader)
    } else {
      outcome = .missing([])
    }
    return record(outcome, name: name, loader: loader, kind: kind)
  }

  /// Adds the object an outcome names to the load order (or finds the one reused); its index.
  private mutating func record(_ outcome: Outcome, name: String, loader: Int, kind: DependencyEdge.Kind) -> Int {
    switch outcome {
    case .reuse(let index):
      if !objects[index].names.contains(name) {
        objects[index].names.append(name)
        keepFirst(name, index)
      }
      return index
    case .loaded(var object):
      object.name = name
      object.names = [name]
      object.loader = loader
      object.auxiliary = kind == .auxiliary
      object.filtee = kind == .filter || kind == .auxiliary
      add(object)
      let index = objects.count - 1
      if let path = object.path {
        setOrigin(Paths.directory(of: path, cwd: options.currentDirectory), index)
      }
      return index
    case .failed(let path, let message):
      var object = LoadedObject(name: name, path: path, hostPath: Paths.insideRoot(system.root, path), via: .failed)
      object.error = message
      object.loader = loader
      object.filtee = kind == .filter || kind == .auxiliary
      add(object)
      return objects.count - 1
    case .missing(let tried), .skipped(let tried):
      var object = LoadedObject(name: name, path: nil, hostPath: nil, via: .notFound)
      object.tried = tried
      object.loader = loader
      object.auxiliary = kind == .auxiliary
      object.filtee = kind == .filter || kind == .auxiliary
      add(object)
      return objects.count - 1
    }
  }

  /// musl's load_library for a name that is neither provided by the loader nor already loaded
  /// under that shortname: a name with a slash is opened as given (no tokens are expanded in it),
  /// any other is searched; a C library found either way is replaced by the loader.
  private mutating func mapMusl(name: String, loader: Int, kind: DependencyEdge.Kind) -> Int {
    let searched = !name.containsByte(UInt8(ascii: "/"))
    var outcome: Outcome
    if searched {
      outcome = searchMusl(name, loader: loader)
    } else {
      outcome = open(candidate: name, via: .direct, loader: loader)
      if case .skipped = outcome { outcome = .missing([]) }
    }
    switch outcome {
    case .reuse(let index):
      // A file loaded before by a path gets the name it was found by now as its shortname (the
      // base name of the path it was first opened by).
      if searched, !(index < hasShortName.count && hasShortName[index]), let path = objects[index].path {
        setShortName(Paths.basename(path), index)
      }
    case .loaded(let object):
      if let file = object.file, LoaderModel.isCLibrary(file), let index = muslLoaderIndex("libc.so", loader: loader) {
        return index
      }
    default:
      break
    }
    let index = record(outcome, name: name, loader: loader, kind: kind)
    if searched, case .loaded = outcome { setShortName(name, index) }
    return index
  }

  mutating func setOrigin(_ origin: String, _ index: Int) {
    if origins.count <= index { origins += [String?](repeating: nil, count: index + 1 - origins.count) }
    origins[index] = origin
  }

  /// The `$ORIGIN` of the object at `index`, nil when it has none.
  func origin(of index: Int) -> String? { index >= 0 && index < origins.count ? origins[index] : nil }

  private mutating func setShortName(_ name: String, _ index: Int) {
    if hasShortName.count <= index { hasShortName += [Bool](repeating: false, count: index + 1 - hasShortName.count) }
    hasShortName[index] = true
    if byShortName[name] == nil { byShortName[name] = index }
  }

  /// musl: the loader, for a name it provides itself (listed under the first name of each
  /// reserved stem, as `--list` prints it) or for its own name.
  private mutating func muslLoaderIndex(_ name: String, loader: Int) -> Int? {
    guard let index = interpreterIndex(loader: loader) else { return nil }
    if let stem = system.providedStem(of: name), listedStems.insert(stem).inserted,
      !objects[index].names.contains(name)
    {
      objects[index].names.append(name)
    }
    return index
  }

  enum Outcome {
    /// The file is an object already loaded (same device and inode).
    case reuse(Int)
    case loaded(LoadedObject)
    /// A fatal load error at this candidate.
    case failed(String, String)
    /// Nothing usable was found; the directories tried.
    case missing([SearchStep])
    /// Candidates existed but were of another class or machine.
    case skipped([SearchStep])
  }

  /// musl's load_library search for a name without a slash: LD_LIBRARY_PATH, then the
  /// DT_RUNPATH (or DT_RPATH) of the needing object and of each object that caused it to be
  /// loaded, then the system path. No cache, no hardware subdirectories.
  private mutating func searchMusl(_ name: String, loader: Int) -> Outcome {
    var tried: [SearchStep] = []
    let options = libraryPathDirectories.prefix(optionDirectoryCount).filter { !$0.isEmpty }
    if let outcome = tryDirectories(options, name: name, via: .libraryPathOption, loader: loader, tried: &tried) {
      return outcome
    }
    let library = libraryPathDirectories.dropFirst(optionDirectoryCount).filter { !$0.isEmpty }
    if let outcome = tryDirectories(library, name: name, via: .libraryPath, loader: loader, tried: &tried) {
      return outcome
    }
    var owner: Int? = loader
    var visited: [Int] = []
    while let current = owner, !visited.contains(current) {
      visited.append(current)
      let dynamic = objects[current].file?.dynamic
      if let value = dynamic?.runpath ?? dynamic?.rpath, let dirs = muslRunpath(value, owner: current) {
        let via: Via = current == loader && dynamic?.runpath != nil ? .runpath : .rpath(owner: current)
        if let outcome = tryDirectories(dirs, name: name, via: via, loader: loader, tried: &tried) { return outcome }
      }
      owner = objects[current].loader
    }
    let system = self.system.defaultDirectories.filter { !$0.isEmpty }
    if let outcome = tryDirectories(system, name: name, via: .defaultPath, loader: loader, tried: &tried) {
      return outcome
    }
    return .missing(tried)
  }

  /// The search of `_dl_map_object` for a name without a slash.
  mutating func search(_ name: String, loader: Int) -> Outcome {
    if system.kind == .musl { return searchMusl(name, loader: loader) }
    var tried: [SearchStep] = []
    tried.reserveCapacity(8)
    let needing = objects[loader].file
    let runpath = needing?.dynamic?.runpath
    // 1. The DT_RPATH chain, unless the needing object has DT_RUNPATH.
    if runpath == nil {
      var owner: Int? = loader
      var visited: [Int] = []
      while let current = owner, !visited.contains(current) {
        visited.append(current)
        let file = objects[current].file
        if file?.dynamic?.runpath == nil, let rpath = file?.dynamic?.rpath {
          let dirs = searchDirectories(rpath, owner: current)
          if let outcome = tryDirectories(dirs, name: name, via: .rpath(owner: current), loader: loader, tried: &tried)
          {
            return outcome
          }
        }
        owner = objects[current].loader
      }
    }
    // 2. LD_LIBRARY_PATH (and -L).
    if !libraryPathDirectories.isEmpty {
      let options = libraryPathDirectories.prefix(optionDirectoryCount).compactMap {
        expandTokens($0, owner: 0, emptyMeansCurrent: true)
      }
      if let outcome = tryDirectories(options, name: name, via: .libraryPathOption, loader: loader, tried: &tried) {
        return outcome
      }
      let dirs = libraryPathDirectories.dropFirst(optionDirectoryCount).compactMap {
        expandTokens($0, owner: 0, emptyMeansCurrent: true)
      }
      if let outcome = tryDirectories(dirs, name: name, via: .libraryPath, loader: loader, tried: &tried) {
        return outcome
      }
    }
    // 3. The needing object's own DT_RUNPATH.
    if let runpath {
      let dirs = searchDirectories(runpath, owner: loader)
      if let outcome = tryDirectories(dirs, name: name, via: .runpath, loader: loader, tried: &tried) {
        return outcome
      }
    }
    let noDefaultLib = needing?.dynamic?.noDefaultLib ?? false
    // 4. /etc/ld.so.cache.
    if let cache = system.cache {
      tried.append(SearchStep(directory: system.hostPath("/etc/ld.so.cache"), via: .cache))
      // Looked up afresh each time, also with a shared cache: the binary search costs about
      // 3,300 instructions, a shared answer 5,000 (the key, its hash and the lock).
      if let cached = cache.lookup(name, flags: system.cacheFlags, hwcaps: system.hwcaps),
        !(noDefaultLib && system.isInDefaultDirectory(cached))
      {
        let outcome = open(candidate: cached, via: .cache, loader: loader)
        switch outcome {
        case .skipped, .missing: break
        default: return outcome
        }
      }
    }
    // 5. The default directories.
    if !noDefaultLib {
      if let outcome = tryDirectories(
        system.defaultDirectories, name: name, via: .defaultPath, loader: loader, tried: &tried)
      {
        return outcome
      }
    }
    return .missing(tried)
  }

  /// Tries `name` in each directory (and its hwcaps/legacy subdirectories) in order.
  private mutating func tryDirectories(
    _ dirs: [String], name: String, via: Via, loader: Int, tried: inout [SearchStep]
  ) -> Outcome? {
    for dir in dirs {
      tried.append(SearchStep(directory: dir, via: via))
      for sub in existingSubdirectories(of: dir) {
        let candidate = sub.isEmpty ? Paths.join(dir, name) : Paths.join(Paths.join(dir, sub), name)
        let outcome = open(candidate: candidate, via: via, loader: loader)
        switch outcome {
        case .missing, .skipped: continue
        default: return outcome
        }
      }
    }
    return nil
  }

  /// The subdirectories of `dir` the loader would try, that exist (glibc tries them all; trying
  /// only existing ones gives the same answer with fewer system calls).
  private mutating func existingSubdirectories(of dir: String) -> [String] {
    if let known = subdirectoryCache[dir] { return known }
    var result: [String] = []
    let host = Paths.insideRoot(system.root, dir.hasPrefix("/") ? dir : Paths.join(options.currentDirectory, dir))
    // Shared with other inputs: keyed by the directory and the subdirectories tried in it.
    var sharedKey: String?
    if let cache {
      var key = host
      for sub in system.subdirectories { key += "\u{0}" + sub }
      if let known = cache.subdirectories(key) {
        subdirectoryCache[dir] = known
        return known
      }
      sharedKey = key
    }
    if !system.subdirectories.isEmpty {
      if isDirectory(host) {
        // A subdirectory whose first component does not exist (glibc-hwcaps, tls, x86_64 in most
        // directories) rules out everything below it: one stat instead of several.
        var absent: [Substring] = []
        for sub in system.subdirectories {
          let first = sub.split(separator: "/").first ?? Substring(sub)
          if absent.contains(first) { continue }
          if first != Substring(sub) && !isDirectory(Paths.join(host, String(first))) {
            absent.append(first)
            continue
          }
          if isDirectory(Paths.join(host, sub)) {
            result.append(sub)
          } else if first == Substring(sub) {
            absent.append(first)
          }
        }
      }
    }
    result.append("")
    subdirectoryCache[dir] = result
    if let cache, let sharedKey { cache.setSubdirectories(sharedKey, result) }
    return result
  }

  /// The decoded file at a host path: from the shared cache when there is one.
  private func readFile(_ host: String) throws(ElfError) -> ElfFile {
    if let cache { return try cache.file(host).get() }
    return try ElfFile(path: host)
  }

  /// open_verify on one candidate path (as the target sees it).
  mutating func open(candidate: String, via: Via, loader: Int) -> Outcome {
    let absolute =
      candidate.utf8.first == UInt8(ascii: "/") ? candidate : Paths.join(options.currentDirectory, candidate)
    let host = Paths.insideRoot(system.root, absolute)
    let file: ElfFile
    do {
      file = try readFile(host)
    } catch {
      if system.kind == .musl {
        // musl takes the first candidate it can open; one it cannot load stops the search.
        switch error.kind {
        case .io(let code) where code != EISDIR: return .missing([])
        case .io: return .failed(candidate, "Is a directory")
        default: return .failed(candidate, "Exec format error (\(error.message))")
        }
      }
      switch error.kind {
      case .io(let code) where code == EISDIR:
        return .failed(candidate, "cannot read file data: Is a directory")
      case .io:
        return .missing([])
      case .notELF:
        return .failed(candidate, error.message)
      case .mismatch, .usage:
        return .skipped([])
      case .malformed:
        // A broken file of another class or machine is skipped like any other candidate of it.
        if let identity = ElfImage.identity(path: host), !identity.canLoad(into: system.identity) {
          return .skipped([])
        }
        return .failed(candidate, error.message)
      }
    }
    // Another class, byte order or machine is skipped and the search goes on (observed on glibc
    // 2.36: even a big-endian library of the same class is skipped, not a fatal error).
    let wanted = system.identity
    var warning: String?
    if file.identity.elfClass == wanted.elfClass, file.identity.byteOrder == wanted.byteOrder,
      file.identity.machine != wanted.machine, !system.checksMachine
    {
      // musl reads the header as its own class and byte order and never looks at e_machine.
      warning =
        "built for \(file.identity.machine), not \(wanted.machine): musl maps it without checking the machine, "
        + "and the program fails when it relocates or runs it"
    } else if file.identity.elfClass != wanted.elfClass || file.identity.byteOrder != wanted.byteOrder
      || file.identity.machine != wanted.machine
    {
      if system.kind == .musl {
        return .failed(candidate, "Exec format error (\(file.identity.summary), not \(wanted.summary))")
      }
      return .skipped([])
    }
    switch file.identity.type {
    case .shared, .executable: break
    default: return .failed(candidate, "only ET_DYN and ET_EXEC can be loaded (it is a \(file.identity.type))")
    }
    if let existing = byFileID.first(where: { $0.0 == file.fileID }) { return .reuse(existing.1) }
    var object = LoadedObject(name: candidate, path: candidate, hostPath: host, via: via)
    object.warning = warning
    object.file = file
    object.needed = file.dynamic?.needed ?? []
    object.soname = file.dynamic?.soname
    object.fileID = file.fileID
    return .loaded(object)
  }

  /// Splits and expands a DT_RPATH/DT_RUNPATH value of object `owner` into directories (elements
  /// whose token has no value are dropped; an empty element means the current directory).
  private func searchDirectories(_ value: String, owner: Int) -> [String] {
    ResolveState.splitPath(value, semicolonToo: false).compactMap {
      expandTokens($0, owner: owner, emptyMeansCurrent: true)
    }
  }

  /// musl's fixup_rpath: `$ORIGIN` and `${ORIGIN}` replaced by the object's directory, as text
  /// (also when letters follow); a value with any other `$` (`$LIB`, `$PLATFORM`) is not used at
  /// all. Split as `splitMuslPath` does.
  func muslRunpath(_ value: String, owner: Int) -> [String]? {
    guard value.utf8.contains(UInt8(ascii: "$")) else { return ResolveState.splitMuslPath(value) }
    guard let origin = origin(of: owner) else { return nil }
    let plain = Array("$ORIGIN".utf8)
    let braced = Array("${ORIGIN}".utf8)
    let bytes = Array(value.utf8)
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
      guard bytes[i] == UInt8(ascii: "$") else {
        out.append(bytes[i])
        i += 1
        continue
      }
      if bytes[i...].starts(with: plain) {
        i += plain.count
      } else if bytes[i...].starts(with: braced) {
        i += braced.count
      } else {
        return nil
      }
      out += origin.utf8
    }
    return ResolveState.splitMuslPath(String(decoding: out, as: UTF8.self))
  }

  /// musl's path_open: elements separated by ':' or newlines, empty ones skipped.
  static func splitMuslPath(_ value: String) -> [String] {
    value.utf8.split { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "\n") }.map { String(decoding: $0, as: UTF8.self) }
  }

  /// Splits a search path at ':' (and ';' for LD_LIBRARY_PATH), keeping empty elements.
  static func splitPath(_ value: String, semicolonToo: Bool) -> [String] {
    value.utf8.split(omittingEmptySubsequences: false) {
      $0 == UInt8(ascii: ":") || (semicolonToo && $0 == UInt8(ascii: ";"))
    }
    .map { String(decoding: $0, as: UTF8.self) }
  }

  /// _dl_dst_substitute: $ORIGIN, $PLATFORM, $LIB (and their braced forms). Nil when a known token
  /// has no value. Trailing slashes are removed as fillin_rpath does.
  func expandTokens(
    _ text: String, owner: Int, emptyMeansCurrent: Bool = false
  ) -> String? {
    var element = text
    // An empty element names the current directory: the candidate is the bare name, relative to it.
    if emptyMeansCurrent && element.isEmpty { return "" }
    // Whether the expansion must lead into a system directory (see `isTrusted`).
    var checkTrusted = false
    if element.containsByte(UInt8(ascii: "$")) {
      let bytes = Array(element.utf8)
      var out: [UInt8] = []
      var i = 0
      while i < bytes.count {
        guard bytes[i] == UInt8(ascii: "$") else {
          out.append(bytes[i])
          i += 1
          continue
        }
        i += 1
        var matched: (String?, Int)?
        for token in ["ORIGIN", "PLATFORM", "LIB"] {
          let length = ResolveState.dstLength(bytes, at: i, token: token)
          if length > 0 {
            let value: String?
            switch token {
            case "ORIGIN":
              // Secure-execution mode: $ORIGIN only as the start of the element, followed by a
              // slash or nothing; an element with it anywhere else is dropped.
              if secure && !(i == 1 && (i + length == bytes.count || bytes[i + length] == UInt8(ascii: "/"))) {
                return nil
              }
              value = origin(of: owner)
              checkTrusted = secure && owner == 0
            case "PLATFORM": value = system.platform
            default: value = system.lib.map { $0 }
            }
            matched = (value, length)
            break
          }
        }
        if let (value, length) = matched {
          guard let value else { return nil }
          out.append(contentsOf: value.utf8)
          i += length
        } else {
          out.append(UInt8(ascii: "$"))
        }
      }
      element = String(decoding: out, as: UTF8.self)
      if checkTrusted && !isTrusted(element) { return nil }
    }
    // fillin_rpath drops trailing slashes (but keeps "/").
    if element.utf8.count > 1 && element.utf8.last == UInt8(ascii: "/") {
      var bytes = Array(element.utf8)
      while bytes.count > 1 && bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
      element = String(decoding: bytes, as: UTF8.self)
    }
    return element
  }

  /// is_trusted_path_normalize: whether `path`, with `.` and `..` resolved as text, lies in one of
  /// the loader's default directories (where a secure program's own `$ORIGIN` may lead).
  func isTrusted(_ path: String) -> Bool {
    guard path.hasPrefix("/") else { return false }
    let lexical = Paths.lexicallyNormal(path)
    let normal = lexical == "/" ? lexical : lexical + "/"
    return system.defaultDirectories.contains { directory in
      normal.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
    }
  }

  /// glibc's is_dst: the length of `token` (or `{token}`) at `index`, 0 when it is not there.
  static func dstLength(_ bytes: [UInt8], at index: Int, token: String) -> Int {
    var i = index
    var curly = false
    if i < bytes.count && bytes[i] == UInt8(ascii: "{") {
      curly = true
      i += 1
    }
    let t = Array(token.utf8)
    guard i + t.count <= bytes.count, Array(bytes[i..<i + t.count]) == t else { return 0 }
    let next = i + t.count
    if curly {
      guard next < bytes.count, bytes[next] == UInt8(ascii: "}") else { return 0 }
      return t.count + 2
    }
    if next < bytes.count {
      let c = bytes[next]
      let isAlnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
      if isAlnum || c == UInt8(ascii: "_") { return 0 }
    }
    return t.count
  }
}

extension LoaderModel {
  /// The path the target sees for a host path: without the sysroot prefix when it is inside it
  /// (a path outside the sysroot is kept as it is).
  func targetPath(ofHostPath path: String) -> String {
    guard !root.isEmpty else { return path }
    let realRoot = Paths.realPath(root) ?? root
    for prefix in [root, realRoot] where path == prefix || path.hasPrefix(prefix + "/") {
      let rest = String(path.dropFirst(prefix.count))
      return rest.isEmpty ? "/" : rest
    }
    return path
  }
}
