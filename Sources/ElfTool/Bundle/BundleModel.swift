/// Everything `elfdyn bundle` was asked to do, independent of the command line.
public struct BundleRequest: Sendable {
  /// The programs and libraries to bundle; empty: the executables of the Cargo target directory.
  public var files: [String] = []
  /// The bundle directory; nil: `target/<profile>/bundle` in Cargo mode (required otherwise).
  public var output: String?
  /// What stays on the host.
  public var base = BaseSystem()
  /// Libraries that are only dlopen'd, copied with their closures: paths, or names searched as the
  /// first program would search a DT_NEEDED name.
  public var add: [String] = []
  /// Which `.note.dlopen` dependencies of the copied files are copied too, like `add` (by default
  /// required and recommended ones).
  public var dlopen = DlopenSelection.recommended
  /// The Cargo profile for the no-file mode (default dev, i.e. target/debug).
  public var profile: String?
  /// Plan and report, write nothing.
  public var dryRun = false
  /// Where libraries are searched (-L, LD_LIBRARY_PATH, --preload, --root, --loader).
  public var search = ResolveOptions()
  /// The environment (CARGO_TARGET_DIR, RUSTUP_HOME, RUSTUP_TOOLCHAIN, HOME).
  public var environment: [String: String] = [:]

  /// An empty request.
  public init() {}
}

/// One file of a bundle.
public struct BundledFile: Sendable, Equatable {
  /// What the file is in the bundle.
  public enum Role: String, Sendable {
    /// An input with a program interpreter: `bin/`, runpath `$ORIGIN/../lib`.
    case program
    /// An input library: `lib/`, runpath `$ORIGIN`.
    case library
    /// A library of an input's closure: `lib/`, runpath `$ORIGIN`.
    case dependency
    /// A library given with `--add` or declared in a copied file's `.note.dlopen`, or of its
    /// closure only: `lib/`, runpath `$ORIGIN`.
    case added
  }

  /// Its path inside the bundle: "bin/app", "lib/libz.so.1".
  public var path: String
  /// Where it was copied from (as found: given, or as the search found it).
  public var source: String
  /// Its role.
  public var role: Role
  /// Other names it is needed by, each a symbolic link to it in `lib/`.
  public var aliases: [String] = []
  /// Its size in the bundle (after the runpath edit; the source's size in a dry run).
  public var size: UInt64 = 0
  /// The runpath written into it.
  public var runpath: String
}

/// A library the bundle uses from the host.
public struct HostLibrary: Sendable, Equatable {
  /// The name it is needed by.
  public var name: String
  /// Where it is on this machine (nil: the program interpreter as named).
  public var path: String?
  /// Why it is not copied.
  public var reason: BaseSystem.Reason
}

/// Why a bundle could not be made (exit status 1; nothing was written).
public enum BundleProblem: Sendable, Equatable {
  /// A needed library is not found (or not loadable) where the inputs' search looks.
  case notFound(library: String, neededBy: String, error: String?, location: LibraryLocation?)
  /// A DT_NEEDED entry with a slash: the loader opens that path, which a bundle cannot redirect.
  case pathName(library: String, neededBy: String)
  /// Two different files would have the same name in the bundle.
  case nameClash(name: String, first: String, second: String)
  /// Verification: this file of the bundle would load `library` from `path`, outside the bundle.
  case outside(file: String, library: String, path: String)
  /// Verification: this file of the bundle would not find `library`.
  case unresolvedLibrary(file: String, library: String, neededBy: String)
  /// Verification: a symbol reference nothing in the bundle or the base satisfies.
  case undefinedSymbol(file: String, symbol: String, version: String?, referencedBy: String)
  /// Verification: a version requirement nothing satisfies.
  case missingVersion(file: String, version: String, library: String, requiredBy: String)
  /// Verification: an object whose symbols could not be checked.
  case unchecked(file: String, object: String, reason: String)
  /// The runpath edit of a copy failed.
  case editFailed(file: String, message: String)
}

/// What `bundle` did, or would do.
public struct BundleOutcome: Sendable {
  /// Written and verified, planned (--dry-run), or refused (exit status 1).
  public enum Status: String, Sendable {
    /// The bundle was written, verified and renamed into place.
    case written
    /// --dry-run: what would be written (closures resolved, nothing written or verified).
    case planned = "dry-run"
    /// A problem: nothing was written.
    case failed
  }

  /// The bundle directory as given.
  public var directory: String
  /// The outcome.
  public var status: Status
  /// The files, programs first, then libraries by name.
  public var files: [BundledFile] = []
  /// The host's libraries the bundle uses.
  public var host: [HostLibrary] = []
  /// The highest GLIBC_x.y any file requires: the oldest glibc the bundle runs on.
  public var glibc: GlibcVersion?
  /// Why it failed.
  public var problems: [BundleProblem] = []
  /// The directory existed (an earlier bundle) and was replaced.
  public var replaced = false
  /// Sentences about what was left out without failing (a `recommended` or `suggested` dlopen
  /// dependency that is not found).
  public var notes: [String] = []

  /// The sum of the files' sizes.
  public var totalSize: UInt64 { files.reduce(0) { $0 &+ $1.size } }

  init(directory: String, status: Status) {
    self.directory = directory
    self.status = status
  }
}
