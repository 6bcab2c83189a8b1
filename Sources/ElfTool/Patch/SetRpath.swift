#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Everything `elfdyn set-rpath` was asked to do, independent of the command line.
public struct SetRpathRequest: Sendable {
  /// What to do with each file's runpath.
  public enum Mode: Sendable, Equatable {
    /// Compute the runpath from where the needed libraries are (the default).
    case compute
    /// Set exactly this string.
    case set(String)
    /// Append these directories to the current value (those it does not have yet).
    case add([String])
    /// Delete DT_RUNPATH and DT_RPATH.
    case remove
    /// Drop the entries in which no needed library is found.
    case shrink
    /// Print the current value; change nothing.
    case print
  }

  /// The files; empty means every executable and dylib of the Cargo target directory.
  public var files: [String] = []
  /// What to do (default: compute the runpath from where the libraries are).
  public var mode: Mode = .compute
  /// The tag to write; nil keeps the file's kind (DT_RUNPATH when it has neither).
  public var tag: RunpathTag?
  /// Also give every non-system library of the closure its own runpath.
  public var recursive = false
  /// Write the entries that were found even when some library is missing.
  public var allowMissing = false
  /// Make every directory $ORIGIN-relative, not only those inside the project tree.
  public var relativeAll = false
  /// The project tree (default: the current directory).
  public var relativeTo: String?
  /// The Cargo profile for the no-file mode (default debug).
  public var profile: String?
  /// Print what would change; write nothing.
  public var dryRun = false
  /// Replace the file (atomic rename) or write into its inode.
  public var writeMode: WriteMode = .replace
  /// Where libraries are searched (-L, LD_LIBRARY_PATH, --root).
  public var search = ResolveOptions()
  /// The `.note.dlopen` dependencies of the file whose directories the computed runpath also
  /// gets (`--dlopen`; by default required and recommended ones).
  public var dlopen = DlopenSelection.recommended
  /// The environment (CARGO_TARGET_DIR, RUSTUP_HOME, RUSTUP_TOOLCHAIN, HOME, PATH).
  public var environment: [String: String] = [:]

  /// A request with every default: compute, for the Cargo build of the current directory.
  public init() {}
}

/// One directory entry of a computed runpath, and the library that needs it.
public struct RunpathSource: Sendable, Equatable {
  /// The DT_NEEDED name.
  public var library: String
  /// Where it was found.
  public var path: String
  /// The runpath entry that finds it ("$ORIGIN/deps", or an absolute directory).
  public var entry: String
  /// Whether it is a `.note.dlopen` dependency (the name is then the soname dlopen() is given).
  public var dlopen = false
}

/// What happened to one file.
public struct SetRpathOutcome: Sendable {
  /// What happened to one file.
  public enum Status: String, Sendable {
    /// The new value was written, re-read and re-resolved.
    case written
    /// Nothing to do: the file has the value already (no byte changed).
    case unchanged
    /// --dry-run: what would be written.
    case planned = "dry-run"
    /// --print.
    case printed
    /// A needed library was not found: the file was not changed (exit status 1).
    case missing
    /// Bad input or a failed edit: the file was not changed (exit status 2).
    case failed
  }

  /// The file, as given.
  public var file: String
  /// What happened.
  public var status: Status
  /// The tag the file had (DT_RUNPATH or DT_RPATH), nil without one.
  public var beforeTag: RunpathTag?
  /// The value before, nil when the file had none.
  public var before: String?
  /// The tag written.
  public var tag: RunpathTag?
  /// The value after, nil when there is none.
  public var after: String?
  /// How the new value was made to fit (in place, a spare slot, a new segment).
  public var strategy: PatchStrategy?
  /// The file size before.
  public var originalSize: UInt64 = 0
  /// The file size after.
  public var newSize: UInt64 = 0
  /// How many bytes the file grew by (negative when it shrank).
  public var bytesAdded: Int64 { Int64(bitPattern: newSize) - Int64(bitPattern: originalSize) }
  /// What the writer did, one sentence each.
  public var details: [String] = []
  /// Where each entry of a computed value comes from.
  public var sources: [RunpathSource] = []
  /// Needed libraries found nowhere.
  public var missing: [String] = []
  /// Entries of the old value kept in a computed one although no needed library is found there:
  /// they may serve `dlopen` (`--shrink` drops them).
  public var kept: [String] = []
  /// Needed libraries that were found before and are not found with the new value (exit status 1).
  public var broken: [String] = []
  /// Why the file could not be changed.
  public var error: String?
  /// Part of the closure of another input (--recursive), not named on the command line.
  public var fromClosure = false

  init(file: String, status: Status) {
    self.file = file
    self.status = status
  }
}

/// `elfdyn set-rpath`: computes and writes runpaths (see docs/set-rpath.md).
public struct SetRpath {
  /// What to do.
  public let request: SetRpathRequest

  /// A run of `request`.
  public init(request: SetRpathRequest) { self.request = request }

  /// The files to work on: the arguments, or the Cargo target directory's executables and dylibs.
  public func inputFiles() throws(ElfError) -> [String] {
    if !request.files.isEmpty { return request.files }
    let target = CargoProject.targetDirectory(environment: request.environment, cwd: request.search.currentDirectory)
    let profileDir = Paths.join(target, CargoProject.profileDirectoryName(request.profile))
    guard isDirectory(profileDir) else {
      throw ElfError(
        profileDir, .usage,
        "no Cargo build output here; give the files to change, or run in a Cargo project after `cargo build`")
    }
    return CargoProject.artifacts(in: profileDir)
  }

  /// Runs the request over every file; `report` is called with each outcome as soon as it is known.
  public func run(report: (SetRpathOutcome) -> Void) throws(ElfError) {
    let files = try inputFiles()
    var done = Set<String>()
    var queue: [(String, Bool)] = files.map { ($0, false) }
    var position = 0
    while position < queue.count {
      let (file, fromClosure) = queue[position]
      position += 1
      guard let real = Paths.realPath(file) else {
        var outcome = SetRpathOutcome(file: file, status: .failed)
        outcome.error = ElfError(file, .io(errno: ENOENT), "cannot open it: No such file or directory").description
        report(outcome)
        continue
      }
      guard done.insert(real).inserted else { continue }
      var closure: [String] = []
      var outcome = process(file: file, real: real, closure: &closure)
      outcome.fromClosure = fromClosure
      report(outcome)
      if request.recursive {
        for library in closure where !queue.contains(where: { $0.0 == library }) { queue.append((library, true)) }
      }
    }
  }

  /// Exit status for a set of outcomes: 2 bad input, 1 a library not found (or no longer found
  /// with the new value), 0 done.
  public static func exitStatus(_ outcomes: [SetRpathOutcome]) -> Int32 {
    if outcomes.contains(where: { $0.status == .failed }) { return 2 }
    if outcomes.contains(where: { $0.status == .missing || !$0.broken.isEmpty }) { return 1 }
    return 0
  }

  // MARK: - One file

  /// One file, read and planned again (up to five times) when another run changed it between the
  /// first reading and the lock: an edit is never planned from a file that is no longer there.
  private func process(file: String, real: String, closure: inout [String]) -> SetRpathOutcome {
    var attempt = 1
    while true {
      var attemptClosure: [String] = []
      var changedMeanwhile = false
      let outcome = process(
        file: file, real: real, closure: &attemptClosure, lastAttempt: attempt == 5,
        changedMeanwhile: &changedMeanwhile)
      if !changedMeanwhile {
        closure = attemptClosure
        return outcome
      }
      attempt += 1
    }
  }

  private func process(
    file: String, real: String, closure: inout [String], lastAttempt: Bool, changedMeanwhile: inout Bool
  ) -> SetRpathOutcome {
    var outcome = SetRpathOutcome(file: file, status: .failed)
    do throws(ElfError) {
      // Read first, not locked for writing (a file that needs no change needs no write access):
      // what the file has and what it should have. The shared lock keeps a run that edits it in
      // place from being seen halfway.
      let (current, readStatus) = try LockedFile.readShared(real)
      guard let dynamic = current.dynamic else {
        throw ElfError(file, .usage, "not a dynamically linked file (it has no PT_DYNAMIC)")
      }
      outcome.beforeTag = dynamic.runpath != nil ? .runpath : (dynamic.rpath != nil ? .rpath : nil)
      outcome.before = dynamic.runpath ?? dynamic.rpath
      outcome.originalSize = current.fileSize
      outcome.newSize = current.fileSize
      let change: RunpathChange?
      switch request.mode {
      case .print:
        outcome.status = .printed
        outcome.tag = outcome.beforeTag
        outcome.after = outcome.before
        return outcome
      case .set(let value): change = .set(value, tag: request.tag)
      case .add(let dirs):
        var entries = (outcome.before ?? "").split(separator: ":", omittingEmptySubsequences: true).map(String.init)
        for dir in dirs where !entries.contains(dir) { entries.append(dir) }
        change = .set(entries.joined(separator: ":"), tag: request.tag)
      case .remove: change = .remove
      case .shrink:
        guard let before = outcome.before else {
          change = nil
          break
        }
        change = .set(shrink(before, file: current, real: real), tag: request.tag)
      case .compute:
        let computed = try compute(file: file, real: real, outcome: &outcome, closure: &closure)
        if !outcome.missing.isEmpty && !request.allowMissing {
          outcome.status = .missing
          outcome.error =
            "\(file): not changed: \(outcome.missing.joined(separator: ", ")) not found "
            + "(give its directory with -L, or use --allow-missing to write the rest)"
          return outcome
        }
        if computed.isEmpty {
          change = nil
          outcome.details.append("every needed library is found without a runpath entry")
        } else {
          let entries = merge(computed, into: outcome.before ?? "", file: current, real: real, outcome: &outcome)
          change = .set(entries.joined(separator: ":"), tag: request.tag)
        }
      }
      guard let change else {
        outcome.status = .unchanged
        outcome.tag = outcome.beforeTag
        outcome.after = outcome.before
        return outcome
      }
      if request.mode != .compute {
        outcome.broken = try brokenLibraries(real: real, original: current, change: change)
      }
      changedMeanwhile = try !edit(
        file: file, real: real, change: change, original: (current, readStatus), lastAttempt: lastAttempt,
        outcome: &outcome)
    } catch {
      outcome.status = .failed
      outcome.error =
        error.path == real && real != file ? ElfError(file, error.kind, error.message).description : error.description
    }
    return outcome
  }

  /// Locks the file, plans the edit, writes it (unless --dry-run) and checks the result. Returns
  /// false, having changed nothing, when the locked file is not the one `original` was read from
  /// (another run replaced or edited it meanwhile); on the last attempt that is an error.
  private func edit(
    file: String, real: String, change: RunpathChange, original read: (file: ElfFile, status: stat),
    lastAttempt: Bool, outcome: inout SetRpathOutcome
  ) throws(ElfError) -> Bool {
    let original = read.file
    let locked = try LockedFile(path: real, mode: request.dryRun ? .replace : request.writeMode)
    defer { locked.close() }
    if !LockedFile.sameState(locked.status, read.status) {
      guard lastAttempt else { return false }
      throw ElfError(real, .io(errno: 0), "not changed: another program keeps changing it while elfdyn edits it")
    }
    let source = try PatchSource(path: real, descriptor: locked.descriptor)
    let editor = DynamicEditor(source: source)
    let plan = try editor.plan(change)
    // A real edit adds a copy of the string table (and .dynamic) and some alignment. A plan that
    // grows the file far beyond that comes from absurd segment values: refuse it rather than
    // write gigabytes.
    let limit = source.fileSize &+ 2 &* source.stringTableSize &+ (16 << 20)
    guard plan.newFileSize <= limit else {
      throw ElfError(
        real, .malformed,
        "the edit would grow the file from \(source.fileSize) to \(plan.newFileSize) bytes: its segments' "
          + "addresses or alignments are not plausible (not changed)")
    }
    outcome.strategy = plan.strategy
    outcome.details += plan.details
    outcome.newSize = plan.newFileSize
    switch change {
    case .remove:
      outcome.tag = nil
      outcome.after = nil
    case .set(let value, let tag):
      outcome.tag = tag ?? outcome.beforeTag ?? .runpath
      outcome.after = value
    }
    if plan.changesNothing {
      outcome.status = .unchanged
      return true
    }
    if request.dryRun {
      outcome.status = .planned
      return true
    }
    let expected = outcome.after
    let expectedTag = outcome.tag
    let planned = outcome.sources
    let writer = PatchWriter(file: locked, mode: request.writeMode)
    outcome.details += try writer.apply(plan) { (written: String) throws(ElfError) in
      try verify(written, original: original, expected: expected, tag: expectedTag, sources: planned, real: real)
    }
    outcome.status = .written
    if request.writeMode == .replace, locked.status.st_nlink > 1 {
      outcome.details.append(
        "the file had \(locked.status.st_nlink) hard links: the other names keep the old content (--in-place changes them all)"
      )
    }
    return true
  }

  /// Re-reads the result and re-resolves it: the value reads back, nothing else in the dynamic
  /// section changed, and every library the runpath was computed for is found through it alone.
  private func verify(
    _ written: String, original: ElfFile, expected: String?, tag: RunpathTag?, sources: [RunpathSource], real: String
  ) throws(ElfError) {
    // Errors name the file being edited, not the temporary file the result is in.
    func reread<T>(_ body: () throws(ElfError) -> T) throws(ElfError) -> T {
      do {
        return try body()
      } catch {
        throw ElfError(real, .malformed, "after the edit the result does not read back (\(error.message)); not changed")
      }
    }
    let result = try reread { () throws(ElfError) in try ElfFile(path: written) }
    guard let dynamic = result.dynamic, let before = original.dynamic else {
      throw ElfError(real, .malformed, "after the edit the dynamic section cannot be read back")
    }
    let value = tag == .rpath ? dynamic.rpath : dynamic.runpath
    guard value == expected, expected != nil || (dynamic.runpath == nil && dynamic.rpath == nil) else {
      throw ElfError(
        real, .malformed, "after the edit the runpath reads back as \(value ?? "nothing"), not \(expected ?? "nothing")"
      )
    }
    guard dynamic.needed == before.needed, dynamic.soname == before.soname, dynamic.flags == before.flags,
      dynamic.flags1 == before.flags1, result.interpreter == original.interpreter
    else {
      throw ElfError(real, .malformed, "after the edit the dynamic section reads back differently (internal error)")
    }
    // Re-resolved always (the result must at least resolve like any input); for computed values
    // without -L and LD_LIBRARY_PATH, so that only the new runpath can find the libraries.
    var options = request.search
    if !sources.isEmpty {
      options.libraryPath = []
      options.environmentLibraryPath = nil
    }
    options.dlopen = sources.contains { $0.dlopen }
    let graph = try reread { () throws(ElfError) in try Resolver(options: options).resolve(written) }
    for source in sources {
      let path: String?
      if source.dlopen {
        path = graph.dlopen.first?.edges.first { $0.name == source.library && $0.found }?.hostPath(in: graph)
      } else {
        let edge = graph.edges.first?.first { $0.name == source.library }
        let object = edge.map { graph.objects[$0.to] }
        path = object.flatMap { $0.found ? $0.hostPath : nil }
      }
      guard let path, Paths.realPath(path) == Paths.realPath(source.path) else {
        throw ElfError(
          real, .malformed,
          "after the edit \(source.library) would not be loaded from \(source.path) (not changed)")
      }
    }
  }

  // MARK: - Computing the value

  /// The runpath entries for the file's needed libraries, in the order they are needed.
  private func compute(
    file: String, real: String, outcome: inout SetRpathOutcome, closure: inout [String]
  ) throws(ElfError) -> [String] {
    var options = request.search
    let fileDirectory = Paths.directory(of: real, cwd: options.currentDirectory)
    var extra: [String] = []
    if let deps = CargoProject.depsDirectory(containing: fileDirectory) { extra.append(deps) }
    if request.files.isEmpty {
      let target = CargoProject.targetDirectory(environment: request.environment, cwd: options.currentDirectory)
      let deps = Paths.join(Paths.join(target, CargoProject.profileDirectoryName(request.profile)), "deps")
      if !extra.contains(deps) { extra.append(deps) }
    }
    if !extra.isEmpty {
      extra += RustToolchains.libraryDirectories(environment: request.environment, cwd: options.currentDirectory)
    }
    for dir in extra where !options.libraryPath.contains(dir) { options.libraryPath.append(dir) }
    options.dlopen = request.dlopen != .none
    let graph = try Resolver(options: options).resolve(real)
    let projectRoot = Paths.realPath(request.relativeTo ?? options.currentDirectory) ?? options.currentDirectory
    let system = graph.loader
    let defaultDirs = Set(system.defaultDirectories.map { Paths.realPath(system.hostPath($0)) ?? $0 })

    func isSystem(_ object: LoadedObject, name: String) -> Bool {
      switch object.via {
      case .cache, .defaultPath, .interpreter: return true
      default: break
      }
      guard let path = object.hostPath else { return false }
      let dir = Paths.realPath(Paths.directory(of: path, cwd: options.currentDirectory))
      if let dir, defaultDirs.contains(dir) { return true }
      if let cached = system.cache?.lookup(name, flags: system.cacheFlags, hwcaps: system.hwcaps),
        let a = Paths.realPath(system.hostPath(cached)), a == Paths.realPath(path)
      {
        return true
      }
      return false
    }

    /// The runpath entry for a library at `path`: $ORIGIN-relative inside the project tree.
    func entryFor(_ path: String, ownDirectory: String) -> String {
      let rawDirectory = Paths.directory(of: path, cwd: options.currentDirectory)
      let directory = Paths.realPath(rawDirectory) ?? rawDirectory
      if request.relativeAll || Self.isInside(directory, projectRoot) {
        return Self.originRelative(from: ownDirectory, to: directory)
      }
      return directory
    }
    var dlopenNotes: [String] = []

    func entries(for index: Int, file: String) -> ([String], [RunpathSource], [String]) {
      var result: [String] = []
      var sources: [RunpathSource] = []
      var missing: [String] = []
      let ownDirectory =
        Paths.realPath(Paths.directory(of: file, cwd: options.currentDirectory))
        ?? Paths.directory(of: file, cwd: options.currentDirectory)
      for edge in graph.edges[index] where edge.kind != .preload {
        let object = graph.objects[edge.to]
        guard object.found, let path = object.hostPath else {
          if !(object.auxiliary && object.via == .notFound) && !missing.contains(edge.name) {
            missing.append(edge.name)
          }
          continue
        }
        if edge.name.contains("/") || isSystem(object, name: edge.name) { continue }
        let entry = entryFor(path, ownDirectory: ownDirectory)
        sources.append(RunpathSource(library: edge.name, path: path, entry: entry))
        if !result.contains(entry) { result.append(entry) }
      }
      // Then the libraries the file dlopen()s, as its .note.dlopen declares them: dlopen() from the
      // file searches its runpath like a DT_NEEDED would. One already loaded at startup needs no
      // entry of its own; a missing `required` one counts as missing, a missing other one is named.
      let declared = index < graph.dlopen.count ? graph.dlopen[index].edges : []
      for edge in declared where request.dlopen.includes(edge.dependency.priority) {
        switch edge.target {
        case .loaded: continue
        case .found(let object):
          guard let path = object.hostPath, !edge.name.contains("/"), !isSystem(object, name: edge.name) else {
            continue
          }
          let entry = entryFor(path, ownDirectory: ownDirectory)
          sources.append(RunpathSource(library: edge.name, path: path, entry: entry, dlopen: true))
          if !result.contains(entry) { result.append(entry) }
        case .missing, .failed:
          let name = edge.dependency.sonames.joined(separator: " | ")
          if edge.dependency.priority == .required {
            if !missing.contains(name) { missing.append(name) }
          } else {
            dlopenNotes.append(
              "\(edge.dependency.priority.rawValue) dlopen dependency \(name) is not found: no runpath entry for it")
          }
        }
      }
      return (result, sources, missing)
    }

    let (result, sources, missing) = entries(for: 0, file: real)
    outcome.sources = sources
    outcome.missing = missing
    outcome.details += dlopenNotes
    if request.recursive {
      for index in graph.objects.indices.dropFirst() {
        let object = graph.objects[index]
        guard object.found, let path = object.hostPath, !isSystem(object, name: object.name) else { continue }
        if let realLibrary = Paths.realPath(path), !closure.contains(realLibrary) { closure.append(realLibrary) }
      }
      // The libraries it dlopen()s get their own runpath too.
      for edge in graph.dlopen.first?.edges ?? [] where request.dlopen.includes(edge.dependency.priority) {
        guard case .found(let object) = edge.target, let path = object.hostPath, !isSystem(object, name: edge.name)
        else { continue }
        if let realLibrary = Paths.realPath(path), !closure.contains(realLibrary) { closure.append(realLibrary) }
      }
    }
    return result
  }

  /// Whether `path` is `root` or inside it (both real paths).
  static func isInside(_ path: String, _ root: String) -> Bool {
    path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
  }

  /// "$ORIGIN", "$ORIGIN/deps", "$ORIGIN/../../toolchain/lib": `to` relative to `from` (absolute).
  static func originRelative(from: String, to: String) -> String {
    let a = from.split(separator: "/").map(String.init)
    let b = to.split(separator: "/").map(String.init)
    var common = 0
    while common < a.count, common < b.count, a[common] == b[common] { common += 1 }
    let parts = Array(repeating: "..", count: a.count - common) + b[common...]
    return parts.isEmpty ? "$ORIGIN" : "$ORIGIN/" + parts.joined(separator: "/")
  }

  /// --shrink: the entries of `value` in which at least one needed library exists as a loadable file
  /// of the same class and machine. Entries with tokens other than $ORIGIN are kept as they are.
  private func shrink(_ value: String, file: ElfFile, real: String) -> String {
    var kept: [String] = []
    for entry in Self.entries(value) where servesNeeded(entry, file: file, real: real) != false {
      if !kept.contains(entry) { kept.append(entry) }
    }
    return kept.joined(separator: ":")
  }

  /// The computed entries merged into the old value: entries of the old value in which no needed
  /// library is found may serve dlopen and are kept where they were (named in `outcome.kept`); the
  /// computed entries take the place of the first old entry that finds a needed library (or come
  /// first when none does).
  private func merge(
    _ computed: [String], into old: String, file: ElfFile, real: String, outcome: inout SetRpathOutcome
  ) -> [String] {
    var result: [String] = []
    var inserted = false
    var kept: [String] = []
    for entry in Self.entries(old) {
      if servesNeeded(entry, file: file, real: real) == true {
        if !inserted { result += computed.filter { !result.contains($0) } }
        inserted = true
      } else if !result.contains(entry) && !computed.contains(entry) {
        result.append(entry)
        kept.append(entry)
      }
    }
    if !inserted { result = computed + result }
    outcome.kept = kept
    for entry in kept {
      outcome.details.append("\(entry) kept: no needed library is there, but it may serve dlopen (--shrink drops it)")
    }
    return result
  }

  /// The non-empty entries of a runpath value, in order.
  static func entries(_ value: String) -> [String] {
    value.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
  }

  /// Whether one of the file's needed libraries exists in `entry` as a loadable file of its class
  /// and machine; nil for an entry with tokens other than $ORIGIN (it cannot be told).
  private func servesNeeded(_ entry: String, file: ElfFile, real: String) -> Bool? {
    let origin = Paths.directory(of: real, cwd: request.search.currentDirectory)
    var dir = entry
    for token in ["${ORIGIN}", "$ORIGIN"] { dir = dir.replacingAll(token, with: origin) }
    if dir.contains("$") { return nil }
    return (file.dynamic?.needed ?? []).contains { name in
      // A candidate that cannot be read does not count as found there.
      guard let library = try? ElfFile(path: Paths.join(dir, name)) else { return false }
      return library.identity.canLoad(into: file.identity)
    }
  }

  // MARK: - What an explicit value breaks

  /// The needed libraries (of the whole closure) that resolve now and would not with the change:
  /// each is named once, where the search for it fails.
  private func brokenLibraries(real: String, original: ElfFile, change: RunpathChange) throws(ElfError) -> [String] {
    guard var dynamic = original.dynamic else { return [] }
    switch change {
    case .remove:
      dynamic.runpath = nil
      dynamic.rpath = nil
    case .set(let value, nil):
      if dynamic.runpath == nil && dynamic.rpath == nil { dynamic.runpath = value }
      if dynamic.runpath != nil { dynamic.runpath = value }
      if dynamic.rpath != nil { dynamic.rpath = value }
    case .set(let value, .runpath?):
      dynamic.runpath = value
      dynamic.rpath = nil
    case .set(let value, .rpath?):
      dynamic.runpath = nil
      dynamic.rpath = value
    }
    let resolver = Resolver(options: request.search)
    let before = try resolver.resolve(real)
    let after = resolver.resolve(real, as: ElfFile(original, dynamic: dynamic))
    let foundBefore = Set(before.objects.filter(\.found).map(\.name))
    let foundAfter = Set(after.objects.filter(\.found).map(\.name))
    var broken: [String] = []
    for object in after.objects where !object.found && !object.auxiliary {
      if foundBefore.contains(object.name), !foundAfter.contains(object.name), !broken.contains(object.name) {
        broken.append(object.name)
      }
    }
    return broken
  }
}

extension Resolver {
  /// Resolves `file` (read from `path`) as it is given, not as it is on disk: a planned edit.
  func resolve(_ path: String, as file: ElfFile) -> LoadGraph {
    let system = LoaderModel(
      root: options.root, identity: file.identity, interpreter: file.interpreter, kind: options.loader)
    var state = ResolveState(options: options, system: system)
    return state.run(input: path, file: file)
  }
}

extension String {
  /// Every occurrence of `target` replaced (no Foundation).
  func replacingAll(_ target: String, with replacement: String) -> String {
    guard !target.isEmpty else { return self }
    var result = ""
    var rest = Substring(self)
    while let range = rest.range(of: target) {
      result += rest[..<range.lowerBound]
      result += replacement
      rest = rest[range.upperBound...]
    }
    return result + rest
  }

  fileprivate func range(of target: String) -> Range<String.Index>? { Substring(self).range(of: target) }
}

extension Substring {
  fileprivate func range(of target: String) -> Range<String.Index>? {
    guard !target.isEmpty else { return nil }
    var index = startIndex
    while index < endIndex {
      if self[index...].hasPrefix(target) {
        return index..<(self.index(index, offsetBy: target.count))
      }
      index = self.index(after: index)
    }
    return nil
  }
}
