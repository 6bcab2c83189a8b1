#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// `elfdyn bundle`: copies programs and the libraries of their closures that are not part of the
/// base system into one directory (`bin/`, `lib/`), gives every copy a `$ORIGIN` runpath with
/// set-rpath's machinery, verifies that every file resolves inside the directory or from the base
/// system with no unresolved symbol, and only then renames the directory into place.
public struct Bundler {
  /// What to do.
  public let request: BundleRequest

  /// The file that marks a directory as a bundle elfdyn wrote (and may replace).
  public static let markerName = ".elfdyn-bundle"

  /// A bundler for `request`.
  public init(request: BundleRequest) { self.request = request }

  /// One file to copy, as planned.
  struct PlannedFile {
    var file: BundledFile
    /// The source's real path (what is copied).
    var real: String
    var id: FileID
  }

  /// Resolves, copies, edits, verifies and renames into place (or, with `dryRun`, only plans).
  /// Throws for bad input (an input that cannot be read or is not ELF, an unusable directory: exit
  /// status 2); a missing library or a failed verification is an outcome with status `.failed`.
  public func run() throws(ElfError) -> BundleOutcome {
    var options = request.search
    let (inputs, directory) = try locateInputs(&options)
    var outcome = BundleOutcome(directory: directory, status: .failed)
    let planned = try plan(inputs: inputs, options: options, outcome: &outcome)
    outcome.files = planned.map(\.file)
    guard outcome.problems.isEmpty else { return outcome }
    if request.dryRun {
      var highest: GlibcVersion?
      for file in planned {
        let elf = try ElfFile(path: file.real)
        if let version = try GlibcRequirement.highest(in: elf), highest.map({ $0 < version }) ?? true {
          highest = version
        }
      }
      outcome.glibc = highest
      outcome.status = .planned
      return outcome
    }
    try write(planned, directory: directory, outcome: &outcome)
    return outcome
  }

  /// Exit status: 0 written or planned, 1 a problem (nothing written).
  public static func exitStatus(_ outcome: BundleOutcome) -> Int32 { outcome.status == .failed ? 1 : 0 }

  // MARK: - Inputs

  /// The input files and the bundle directory; in Cargo mode (or for inputs inside a Cargo profile
  /// directory) `deps/` and the Rust toolchain's library directory join the search.
  private func locateInputs(_ options: inout ResolveOptions) throws(ElfError) -> ([String], String) {
    let cwd = options.currentDirectory
    if request.files.isEmpty {
      let cargo = try CargoTarget.locate(
        profile: request.profile, environment: request.environment, currentDirectory: cwd)
      let programs = cargo.binaries.filter { path in
        Paths.directory(of: path, cwd: cwd) == Paths.directory(of: Paths.join(cargo.profileDirectory, "x"), cwd: cwd)
          && (try? ElfFile(path: path))?.interpreter != nil  // unreadable: not a program to bundle
      }
      guard !programs.isEmpty else {
        throw ElfError(cargo.profileDirectory, .usage, "no executables to bundle here (run `cargo build` first)")
      }
      options.libraryPath = [cargo.deps] + cargo.rustLibraryDirectories + options.libraryPath
      return (programs, request.output ?? Paths.join(cargo.profileDirectory, "bundle"))
    }
    guard let output = request.output else {
      throw ElfError(request.files[0], .usage, "give the bundle directory with -o DIR")
    }
    var extra: [String] = []
    for file in request.files {
      let directory = Paths.directory(of: Paths.realPath(file) ?? file, cwd: cwd)
      if let deps = CargoProject.depsDirectory(containing: directory), !extra.contains(deps) { extra.append(deps) }
    }
    if !extra.isEmpty {
      extra += RustToolchains.libraryDirectories(environment: request.environment, cwd: cwd)
    }
    for dir in extra where !options.libraryPath.contains(dir) { options.libraryPath.append(dir) }
    return (request.files, output)
  }

  // MARK: - Planning

  /// Resolves every input's closure (the `--add` libraries as preloads of the first program) and
  /// decides what is copied under which name and what is the host's.
  private func plan(inputs: [String], options: ResolveOptions, outcome: inout BundleOutcome) throws(ElfError)
    -> [PlannedFile]
  {
    let cwd = options.currentDirectory
    let resolver = Resolver(options: options)
    var added = options
    added.preload += request.add
    for path in try dlopenLibraries(inputs: inputs, options: options, outcome: &outcome)
    where !added.preload.contains(path) {
      added.preload.append(path)
    }
    let addResolver = Resolver(options: added)
    // Inputs first: they keep their own names.
    var files: [PlannedFile] = []
    var byID: [FileID: Int] = [:]
    var names: [String: FileID] = [:]
    var graphs: [LoadGraph] = []
    var firstProgram: Int?
    for (number, input) in inputs.enumerated() where firstProgram == nil {
      if try ElfFile(path: input).interpreter != nil { firstProgram = number }
    }
    let preloadingInput = firstProgram ?? 0
    for (number, input) in inputs.enumerated() {
      let graph = try (number == preloadingInput ? addResolver : resolver).resolve(input)
      graphs.append(graph)
      let object = graph.objects[0]
      guard let file = object.file else { throw ElfError(input, .malformed, "cannot be read") }
      let id = file.fileID
      guard byID[id] == nil else { continue }
      let isProgram = file.interpreter != nil
      let name = Paths.basename(input)
      let path = (isProgram ? "bin/" : "lib/") + name
      if let other = names[path], other != id {
        let first = files.first { $0.id == other }?.file.source ?? "?"
        outcome.problems.append(.nameClash(name: path, first: first, second: input))
        continue
      }
      names[path] = id
      byID[id] = files.count
      files.append(
        PlannedFile(
          file: BundledFile(
            path: path, source: input, role: isProgram ? .program : .library, size: file.fileSize,
            runpath: isProgram ? "$ORIGIN/../lib" : "$ORIGIN"),
          real: Paths.realPath(input) ?? input, id: id))
    }
    var finder: MissingLibraryFinder?
    var reported = Set<String>()

    func addHost(_ library: HostLibrary) {
      if !outcome.host.contains(where: { $0.name == library.name }) { outcome.host.append(library) }
    }

    for graph in graphs {
      // Reachable through copied objects only: a host library's own dependencies are the host's.
      var role: [Int: BundledFile.Role] = [0: .dependency]
      var queue = [0]
      var position = 0

      /// Classifies one edge's target: not found, the host's, or copied (and then walked).
      func consider(_ edge: DependencyEdge, from needer: Int, role inherited: BundledFile.Role) {
        let firstVisit = role[edge.to] == nil
        if firstVisit { role[edge.to] = inherited }
        let object = graph.objects[edge.to]
        let neededBy = graph.objects[needer].hostPath ?? graph.objects[needer].name
        if object.via == .interpreter {
          addHost(HostLibrary(name: edge.name, path: object.hostPath, reason: .cLibrary))
          return
        }
        guard object.found, let path = object.hostPath, let file = object.file else {
          if object.auxiliary && object.via == .notFound { return }
          guard reported.insert(edge.name + "\u{0}" + neededBy).inserted else { return }
          if finder == nil {
            finder = MissingLibraryFinder(environment: request.environment, currentDirectory: cwd)
          }
          outcome.problems.append(
            .notFound(
              library: edge.name, neededBy: neededBy, error: object.error,
              location: finder?.location(of: edge.to, in: graph)))
          return
        }
        if let reason = request.base.reason(name: edge.name, path: path) {
          addHost(HostLibrary(name: edge.name, path: path, reason: reason))
          return
        }
        if edge.name.contains("/") && edge.kind != .preload {
          outcome.problems.append(.pathName(library: edge.name, neededBy: neededBy))
          return
        }
        if firstVisit { queue.append(edge.to) }
        let name = "lib/" + Paths.basename(edge.name)
        let id = file.fileID
        if let other = names[name], other != id {
          let first = files.first { $0.id == other }?.file.source ?? "?"
          if first != path { outcome.problems.append(.nameClash(name: name, first: first, second: path)) }
          return
        }
        names[name] = id
        if let existing = byID[id] {
          if files[existing].file.path != name && !files[existing].file.aliases.contains(Paths.basename(name)) {
            files[existing].file.aliases.append(Paths.basename(name))
          }
          return
        }
        byID[id] = files.count
        files.append(
          PlannedFile(
            file: BundledFile(path: name, source: path, role: inherited, size: file.fileSize, runpath: "$ORIGIN"),
            real: Paths.realPath(path) ?? path, id: id))
      }

      // Dependencies first, then what only the preloads (--add) bring.
      // Not /etc/ld.so.preload's: that file belongs to this machine, not to the program.
      var preloadEdges = graph.preloads.filter { added.preload.contains($0.name) }
      while position < queue.count || !preloadEdges.isEmpty {
        if position == queue.count {
          consider(preloadEdges.removeFirst(), from: 0, role: .added)
          continue
        }
        let index = queue[position]
        position += 1
        for edge in graph.edges[index] where edge.kind != .preload {
          consider(edge, from: index, role: role[index] == .added ? .added : .dependency)
        }
      }
    }

    // Programs first, then libraries, each by name.
    return files.sorted { a, b in
      let (x, y) = (a.file.path.hasPrefix("bin/"), b.file.path.hasPrefix("bin/"))
      return x != y ? x : a.file.path < b.file.path
    }
  }

  /// The libraries the inputs and their non-base libraries declare in `.note.dlopen`, of the
  /// selected priorities, where a dlopen() from the declaring object finds them: copied with
  /// their closures like `--add` libraries (as paths, so that each is the file found). A missing
  /// `required` one is a problem; a missing other one is a note. One already loaded at startup
  /// is part of the closure anyway.
  private func dlopenLibraries(inputs: [String], options: ResolveOptions, outcome: inout BundleOutcome)
    throws(ElfError) -> [String]
  {
    guard request.dlopen != .none else { return [] }
    var discovery = options
    discovery.dlopen = true
    let resolver = Resolver(options: discovery)
    var paths: [String] = []
    for input in inputs {
      let graph = try resolver.resolve(input)
      for (index, declared) in graph.dlopen.enumerated() where !declared.edges.isEmpty {
        let object = graph.objects[index]
        // A base-system library's own dlopen() needs are the host's.
        if index > 0, let path = object.hostPath, request.base.reason(name: object.name, path: path) != nil { continue }
        let declarer = object.hostPath ?? object.name
        for edge in declared.edges where request.dlopen.includes(edge.dependency.priority) {
          switch edge.target {
          case .loaded: continue
          case .found(let library):
            guard let path = library.hostPath else { continue }
            if let reason = request.base.reason(name: edge.name, path: path) {
              if !outcome.host.contains(where: { $0.name == edge.name }) {
                outcome.host.append(HostLibrary(name: edge.name, path: path, reason: reason))
              }
            } else if !paths.contains(path) {
              paths.append(path)
            }
          case .missing, .failed(_, _):
            let names = edge.dependency.sonames.joined(separator: " | ")
            if edge.dependency.priority == .required {
              var error: String?
              if case .failed(_, let message) = edge.target { error = message }
              outcome.problems.append(
                .notFound(
                  library: names + " (required dlopen dependency)", neededBy: declarer, error: error, location: nil))
            } else {
              outcome.notes.append(
                "\(edge.dependency.priority.rawValue) dlopen dependency \(names) of \(declarer) is not found: not bundled"
              )
            }
          }
        }
      }
    }
    return paths
  }
}
