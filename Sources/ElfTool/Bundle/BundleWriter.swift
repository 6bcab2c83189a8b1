#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

extension Bundler {
  /// The options a bundled file is resolved with when verified, and when its runpath is written:
  /// no LD_LIBRARY_PATH, no -L, no preload; the same sysroot and loader rules.
  var verificationOptions: ResolveOptions {
    var options = ResolveOptions()
    options.root = request.search.root
    options.currentDirectory = request.search.currentDirectory
    options.loader = request.search.loader
    return options
  }

  /// Writes the bundle into a new directory next to `directory`, verifies it, and renames it into
  /// place. On any problem the new directory is removed and `directory` is left as it was.
  func write(_ planned: [PlannedFile], directory: String, outcome: inout BundleOutcome) throws(ElfError) {
    let cwd = request.search.currentDirectory
    let target = directory.hasPrefix("/") ? directory : Paths.join(cwd, directory)
    let existing = pathKind(target)
    if existing.exists {
      guard existing.directory else { throw ElfError(directory, .usage, "exists and is not a directory") }
      guard listDirectory(target).isEmpty || exists(Paths.join(target, Self.markerName)) else {
        throw ElfError(
          directory, .usage,
          "exists and is not a bundle elfdyn wrote (it has no \(Self.markerName)); remove it or choose another directory"
        )
      }
    }
    let parent = Paths.directory(of: target, cwd: cwd)
    guard isDirectory(parent) else {
      throw ElfError(directory, .io(errno: ENOENT), "its parent directory \(parent) does not exist")
    }
    let staging = try makeTemporaryDirectory(
      Paths.join(parent, "." + Paths.basename(target) + ".elfdyn-XXXXXX"), about: directory)
    var keep = false
    defer { if !keep { removeTree(staging) } }
    let mask = umask(0)
    umask(mask)
    guard chmod(staging, 0o777 & ~mask) == 0 else { throw posixError(staging, "cannot set its mode") }
    let realStaging = Paths.realPath(staging) ?? staging
    // Messages name the bundle directory, not the temporary one.
    let show = { (text: String) -> String in
      text.replacingAll(realStaging, with: directory).replacingAll(staging, with: directory)
        .replacingAll("/bin/../lib/", with: "/lib/")
    }

    // Copies, links for the other names, runpaths.
    var sources: [String: stat] = [:]
    for subdirectory in ["bin", "lib"] where planned.contains(where: { $0.file.path.hasPrefix(subdirectory + "/") }) {
      guard mkdir(Paths.join(staging, subdirectory), 0o777 & ~mask) == 0 else {
        throw posixError(Paths.join(directory, subdirectory), "cannot create it")
      }
    }
    for item in planned {
      sources[item.file.path] = try copyFile(from: item.real, to: Paths.join(staging, item.file.path))
    }
    if planned.contains(where: { !$0.file.aliases.isEmpty }), !isDirectory(Paths.join(staging, "lib")) {
      guard mkdir(Paths.join(staging, "lib"), 0o777 & ~mask) == 0 else {
        throw posixError(Paths.join(directory, "lib"), "cannot create it")
      }
    }
    for item in planned {
      let linkTarget = item.file.path.hasPrefix("lib/") ? Paths.basename(item.file.path) : "../" + item.file.path
      for alias in item.file.aliases {
        guard symlink(linkTarget, Paths.join(Paths.join(staging, "lib"), alias)) == 0 else {
          throw posixError(Paths.join(directory, "lib/" + alias), "cannot create the symbolic link")
        }
      }
    }
    for item in planned {
      let copy = Paths.join(staging, item.file.path)
      if let message = setRunpath(copy, to: item.file.runpath) {
        outcome.problems.append(.editFailed(file: item.file.path, message: show(message)))
        continue
      }
      guard let original = sources[item.file.path] else { continue }
      guard chmod(copy, original.st_mode & 0o7777) == 0 else { throw posixError(copy, "cannot set its mode") }
      var times = [original.st_atim, original.st_mtim]
      guard utimensat(AT_FDCWD, copy, &times, 0) == 0 else { throw posixError(copy, "cannot set its times") }
      var st = stat()
      if stat(copy, &st) == 0, let index = outcome.files.firstIndex(where: { $0.path == item.file.path }) {
        outcome.files[index].size = UInt64(max(st.st_size, 0))
      }
    }
    guard outcome.problems.isEmpty else { return }

    try verify(planned, staging: staging, realStaging: realStaging, show: show, outcome: &outcome)
    guard outcome.problems.isEmpty else { return }
    var highest: GlibcVersion?
    for item in planned {
      let file = try ElfFile(path: Paths.join(staging, item.file.path))
      if let version = try GlibcRequirement.highest(in: file), highest.map({ $0 < version }) ?? true {
        highest = version
      }
    }
    outcome.glibc = highest

    // The manifest takes the newest copy's time: a second run gives the same files and times.
    let newest = sources.values.max {
      ($0.st_mtim.tv_sec, $0.st_mtim.tv_nsec) < ($1.st_mtim.tv_sec, $1.st_mtim.tv_nsec)
    }
    try writeManifest(outcome, to: Paths.join(staging, Self.markerName), time: newest?.st_mtim)
    // Into place: a new name, or an atomic exchange with the earlier bundle, which is then removed.
    if existing.exists {
      if exchangePaths(staging, target) {
        keep = false
      } else {
        let old = staging + ".old"
        try renamePath(target, old, about: directory)
        do throws(ElfError) {
          try renamePath(staging, target, about: directory)
        } catch {
          _ = rename(old, target)
          throw error
        }
        removeTree(old)
      }
      outcome.replaced = true
    } else {
      try renamePath(staging, target, about: directory)
      keep = true
    }
    syncDirectory(parent)
    outcome.status = .written
  }

  /// Copies `source` to the new file `destination` (mode 0600 until the runpath is written) with
  /// copy_file_range; returns the source's status (mode and times for the finished copy).
  private func copyFile(from source: String, to destination: String) throws(ElfError) -> stat {
    let input = try openFile(source)
    defer { close(input) }
    var st = stat()
    _ = try valueOrErrno(source, "cannot read its status") { fstat(input, &st) }
    let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard output >= 0 else { throw posixError(destination, "cannot create it") }
    defer { close(output) }
    try copyFileRange(from: input, at: 0, to: output, at: 0, count: UInt64(max(st.st_size, 0)), path: source)
    guard fsync(output) == 0 else { throw posixError(destination, "cannot sync it to disk") }
    return st
  }

  /// Writes `value` as the copy's DT_RUNPATH (replacing DT_RPATH and every other entry) through
  /// set-rpath; the error message when it fails.
  private func setRunpath(_ copy: String, to value: String) -> String? {
    var edit = SetRpathRequest()
    edit.files = [copy]
    edit.mode = .set(value)
    edit.tag = .runpath
    edit.search = verificationOptions
    var failure: String?
    do throws(ElfError) {
      try SetRpath(request: edit).run { result in
        if result.status == .failed || result.status == .missing {
          failure = result.error ?? "\(copy): the runpath could not be written"
        }
      }
    } catch {
      failure = error.description
    }
    return failure
  }

  /// Re-resolves every file of the bundle as if only the bundle and the base system existed, and
  /// checks its symbols: a library from anywhere else, or anything unresolved, is a problem.
  private func verify(
    _ planned: [PlannedFile], staging: String, realStaging: String, show: (String) -> String,
    outcome: inout BundleOutcome
  ) throws(ElfError) {
    let options = verificationOptions
    let resolver = Resolver(options: options)
    let inside = realStaging + "/"
    var covered = Set<FileID>()
    var programs: [String] = []
    for item in planned {
      let copy = Paths.join(staging, item.file.path)
      let graph = try resolver.resolve(copy)
      if item.file.role == .program {
        programs.append(copy)
        for object in graph.objects.dropFirst() where object.found {
          if let id = object.fileID { covered.insert(id) }
        }
      }
      for (index, edges) in graph.edges.enumerated() {
        let needer = show(graph.objects[index].hostPath ?? graph.objects[index].name)
        for edge in edges where edge.kind != .preload {
          let object = graph.objects[edge.to]
          guard object.found, let path = object.hostPath else {
            if object.auxiliary && object.via == .notFound { continue }
            let problem = BundleProblem.unresolvedLibrary(file: item.file.path, library: edge.name, neededBy: needer)
            if !outcome.problems.contains(problem) { outcome.problems.append(problem) }
            continue
          }
          if object.via == .interpreter { continue }
          let real = Paths.realPath(path) ?? path
          if real.hasPrefix(inside) { continue }
          if request.base.reason(name: edge.name, path: path) != nil { continue }
          let problem = BundleProblem.outside(file: item.file.path, library: edge.name, path: path)
          if !outcome.problems.contains(problem) { outcome.problems.append(problem) }
        }
      }
    }
    guard outcome.problems.isEmpty else { return }
    // Symbols: each program with its closure; a library no program loads alone, or (--add) in the
    // scope of the first program, as the program that dlopens it would load it.
    var checks: [(file: String, host: String?)] = programs.map { ($0, nil) }
    for item in planned where item.file.role != .program {
      let copy = Paths.join(staging, item.file.path)
      guard let id = fileID(copy), !covered.contains(id) else { continue }
      checks.append((copy, item.file.role == .added ? programs.first : nil))
    }
    for check in checks {
      var checkOptions = CheckOptions()
      checkOptions.host = check.host
      let result = try SymbolChecker(resolver: resolver, options: checkOptions).check(check.file)
      let file = planned.first { Paths.join(staging, $0.file.path) == check.file }?.file.path ?? show(check.file)
      for symbol in result.undefined where !symbol.weak {
        outcome.problems.append(
          .undefinedSymbol(
            file: file, symbol: symbol.symbol, version: symbol.version,
            referencedBy: show(symbol.referencedBy)))
      }
      for version in result.missingVersions where !version.weak {
        outcome.problems.append(
          .missingVersion(
            file: file, version: version.version, library: show(version.library),
            requiredBy: show(version.requiredBy)))
      }
      for library in result.missingLibraries {
        let problem = BundleProblem.unresolvedLibrary(
          file: file, library: library.name, neededBy: show(library.neededBy))
        if !outcome.problems.contains(problem) { outcome.problems.append(problem) }
      }
      for object in result.unchecked {
        outcome.problems.append(
          .unchecked(file: file, object: show(object.path), reason: object.reason))
      }
    }
  }

  /// The marker that makes the directory replaceable by a later run: what was copied from where.
  /// Deterministic (no times), so that the same inputs give the same bundle byte for byte.
  private func writeManifest(_ outcome: BundleOutcome, to path: String, time: timespec?) throws(ElfError) {
    var text = "elfdyn bundle 1\n"
    for file in outcome.files {
      text += "\(file.path)\t\(file.size)\t\(file.source)\n"
      for alias in file.aliases { text += "lib/\(alias)\t->\t\(file.path)\n" }
    }
    for library in outcome.host { text += "host\t\(library.name)\t\(library.path ?? "")\n" }
    if let glibc = outcome.glibc { text += "glibc\t\(glibc)\n" }
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw posixError(path, "cannot create it") }
    defer { close(fd) }
    try pwriteAll(fd, Array(text.utf8), at: 0, path: path)
    if let time {
      var times = [time, time]
      _ = futimens(fd, &times)
    }
  }
}
