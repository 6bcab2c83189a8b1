/// Where a dlopen() of one declared dependency would find it.
public enum DlopenTarget: Sendable {
  /// An object of the startup closure (the load order), at this index: dlopen() only takes a
  /// reference to it.
  case loaded(Int)
  /// A library outside the startup closure: the object dlopen() would map (its `via` says which
  /// step of the search found it, as for a DT_NEEDED of the declaring object).
  case found(LoadedObject)
  /// No alternative was found; the directories tried, for every alternative in order.
  case missing([SearchStep])
  /// A candidate was found but cannot be loaded: its path and why.
  case failed(path: String, message: String)
}

/// One `.note.dlopen` entry of an object, and what dlopen() would do with it.
public struct DlopenEdge: Sendable {
  /// The entry as declared.
  public var dependency: DlopenDependency
  /// The alternative that was found (or the first one, when none was).
  public var name: String
  /// What a dlopen() of it from the declaring object would load.
  public var target: DlopenTarget

  /// Whether dlopen() would succeed.
  public var found: Bool {
    switch target {
    case .loaded, .found: true
    case .missing, .failed: false
    }
  }

  /// The path it resolves to (as the target sees it), nil when missing.
  public func path(in graph: LoadGraph) -> String? {
    switch target {
    case .loaded(let index): graph.objects[index].path
    case .found(let object): object.path
    case .missing: nil
    case .failed(let path, _): path
    }
  }

  /// The path on this machine (differs from `path` only under `--root`), nil when missing.
  public func hostPath(in graph: LoadGraph) -> String? {
    switch target {
    case .loaded(let index): graph.objects[index].hostPath
    case .found(let object): object.hostPath
    case .missing: nil
    case .failed(let path, _): Paths.insideRoot(graph.loader.root, path)
    }
  }
}

/// What one object declares in `.note.dlopen`, resolved.
public struct DlopenDeclarations: Sendable {
  /// Each declared dependency, in note order.
  public var edges: [DlopenEdge] = []
  /// Sentences about malformed notes or entries of this object (without its path).
  public var problems: [String] = []

  /// Nothing declared.
  public init() {}

  /// The same declarations with every object index mapped through `renumber`.
  func renumbered(_ renumber: [Int]) -> DlopenDeclarations {
    var copy = self
    copy.edges = edges.map { edge in
      var edge = edge
      switch edge.target {
      case .loaded(let index): edge.target = .loaded(renumber[index])
      case .found(var object):
        if case .rpath(let owner) = object.via { object.via = .rpath(owner: renumber[owner]) }
        edge.target = .found(object)
      case .missing(let tried):
        edge.target = .missing(
          tried.map { step in
            var step = step
            if case .rpath(let owner) = step.via { step.via = .rpath(owner: renumber[owner]) }
            return step
          })
      case .failed: break
      }
      return edge
    }
    return copy
  }
}

extension LoadGraph {
  /// Whether a `required` dlopen dependency of some object cannot be found or loaded.
  public var missingRequiredDlopen: Bool {
    dlopen.contains { $0.edges.contains { $0.dependency.priority == .required && !$0.found } }
  }
}

extension ResolveState {
  /// The pass after the load order is complete: each loaded object's `.note.dlopen` entries,
  /// resolved as a dlopen() called from that object would resolve them. glibc's dlopen() runs
  /// `_dl_map_object` with the caller as loader, so the search is the one of a DT_NEEDED of the
  /// object (its DT_RPATH chain unless it has DT_RUNPATH, LD_LIBRARY_PATH, its DT_RUNPATH, the
  /// cache, the default directories), and a name already loaded (by name, soname or inode) is
  /// reused. The first alternative that is found wins. Nothing is added to the load order.
  mutating func resolveDlopenDependencies() {
    dlopen = Array(repeating: DlopenDeclarations(), count: objects.count)
    for index in objects.indices {
      guard objects[index].found, objects[index].via != .interpreter, let file = objects[index].file else { continue }
      let metadata = file.dlopenDependencies
      dlopen[index].problems = metadata.problems
      for dependency in metadata.dependencies {
        dlopen[index].edges.append(resolveDlopen(dependency, from: index))
      }
    }
  }

  private mutating func resolveDlopen(_ dependency: DlopenDependency, from owner: Int) -> DlopenEdge {
    var tried: [SearchStep] = []
    for name in dependency.sonames {
      if let index = alreadyLoaded(name) {
        return DlopenEdge(dependency: dependency, name: name, target: .loaded(index))
      }
      if system.kind == .musl, system.providesItself(name),
        let index = objects.firstIndex(where: { $0.via == .interpreter })
      {
        return DlopenEdge(dependency: dependency, name: name, target: .loaded(index))
      }
      var outcome: Outcome
      if let expanded = expandTokens(name, owner: owner) {
        outcome =
          expanded.containsByte(UInt8(ascii: "/"))
          ? open(candidate: expanded, via: .direct, loader: owner) : search(expanded, loader: owner)
      } else {
        outcome = .missing([])
      }
      switch outcome {
      case .reuse(let index):
        return DlopenEdge(dependency: dependency, name: name, target: .loaded(index))
      case .loaded(var object):
        object.name = name
        object.names = [name]
        object.loader = owner
        return DlopenEdge(dependency: dependency, name: name, target: .found(object))
      case .failed(let path, let message):
        return DlopenEdge(dependency: dependency, name: name, target: .failed(path: path, message: message))
      case .missing(let steps), .skipped(let steps):
        // Every alternative is searched in the same directories: each is listed once.
        for step in steps where !tried.contains(step) { tried.append(step) }
      }
    }
    return DlopenEdge(dependency: dependency, name: dependency.sonames.first ?? "", target: .missing(tried))
  }
}
