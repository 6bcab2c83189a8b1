import Synchronization

/// What the resolutions of one process share so that each file is read once, however many inputs
/// load it: decoded files by path (and by device, inode, size and time when two paths name one
/// file), files that could not be opened, the loader models (ld.so.cache parsed once), and which
/// hardware subdirectories exist. Safe to use from several threads at once.
///
/// The files are taken to stay as they are while the cache is alive: it belongs to read-only
/// commands (`tree`, `check-undefined`), never to one that writes a file and reads it again.
public final class LoadCache: Sendable {
  private struct State {
    var byPath: [String: Result<ElfFile, ElfError>] = [:]
    var byStamp: [FileStamp: ElfFile] = [:]
    var models: [(key: ModelKey, model: LoaderModel)] = []
    var subdirectories: [String: [String]] = [:]
    var realDirectories: [String: String?] = [:]
  }

  private struct ModelKey: Equatable {
    var root: String
    var identity: ElfIdentity
    var interpreter: String?
    var kind: LoaderModel.Kind?
  }

  private let state = Mutex(State())

  /// One lock of a set: a file is decoded under the lock its path hashes to, so that two workers
  /// that want it at the same time (every program's libc at the start) read it once, while other
  /// files are decoded in parallel.
  private final class Stripe: Sendable {
    let lock = Mutex(())
  }
  private let stripes: [Stripe] = (0..<16).map { _ in Stripe() }

  /// An empty cache.
  public init() {}

  /// The decoded file at `path` (a host path), read once; the error it gave, once.
  func file(_ path: String) -> Result<ElfFile, ElfError> {
    if let known = state.withLock({ $0.byPath[path] }) { return known }
    let stripe = stripes[Int(UInt(bitPattern: path.hashValue) % UInt(stripes.count))]
    return stripe.lock.withLock { _ in
      if let known = state.withLock({ $0.byPath[path] }) { return known }
      return decode(path)
    }
  }

  /// Reads `path` (or finds it decoded under another name) and records the outcome. The file is
  /// opened first and its fstat(2) compared with the files decoded before: a name that does not
  /// exist costs one failed open, and another name of a known file no reading.
  private func decode(_ path: String) -> Result<ElfFile, ElfError> {
    let made: Result<ElfFile, ElfError>
    do throws(ElfError) {
      made = .success(try ElfFile.open(path) { stamp in self.state.withLock { $0.byStamp[stamp] } })
    } catch {
      made = .failure(error)
    }
    return state.withLock { state in
      state.byPath[path] = made
      if case .success(let file) = made, file.fileID.inode != 0, state.byStamp[file.stamp] == nil {
        state.byStamp[file.stamp] = file
      }
      return made
    }
  }

  /// realpath(3) of a directory, resolved once: the programs given together mostly share one
  /// (/usr/bin), and realpath reads every component's link again for each of them.
  func realDirectory(_ directory: String) -> String? {
    if let known = state.withLock({ $0.realDirectories[directory] }) { return known }
    let made = Paths.realPath(directory)
    state.withLock { $0.realDirectories[directory] = made }
    return made
  }

  /// The loader model for these arguments, made once.
  func model(root: String, identity: ElfIdentity, interpreter: String?, kind: LoaderModel.Kind?) -> LoaderModel {
    let key = ModelKey(root: root, identity: identity, interpreter: interpreter, kind: kind)
    if let known = state.withLock({ $0.models.first(where: { $0.key == key })?.model }) { return known }
    let made = LoaderModel(root: root, identity: identity, interpreter: interpreter, kind: kind)
    return state.withLock { state in
      if let known = state.models.first(where: { $0.key == key })?.model { return known }
      state.models.append((key, made))
      return made
    }
  }

  /// The subdirectories known to exist under a search directory (keyed by the caller).
  func subdirectories(_ key: String) -> [String]? { state.withLock { $0.subdirectories[key] } }

  /// Records the subdirectories that exist under a search directory.
  func setSubdirectories(_ key: String, _ value: [String]) { state.withLock { $0.subdirectories[key] = value } }
}
