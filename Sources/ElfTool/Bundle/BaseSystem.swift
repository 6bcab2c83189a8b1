#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The libraries a bundle takes from the host instead of copying: the C library and the GCC
/// runtime that every Linux host of the program's kind has.
///
/// - The C library's own objects (glibc's libc, libm, libmvec, libdl, libpthread, librt, libutil,
///   libresolv, libanl, the NSS modules, the loader; musl's libc.so and loader) are always the
///   host's: they must match the loader named by PT_INTERP, an absolute path that a bundle cannot
///   redirect. `--include` does not copy them.
/// - libgcc_s.so.1 is in the base by default (every glibc program may need it: pthread_cancel and
///   C++ exceptions unwind through it). `--include` copies it.
/// - libstdc++.so.6 is not in the base: auditwheel's manylinux policies allow it only together
///   with a ceiling on the GLIBCXX_/CXXABI_ versions a wheel may require, checked per policy, and
///   minimal images (distroless base, busybox with glibc) do not have it at all. A bundle has no
///   such ceiling to check against, so it copies libstdc++ (`--exclude 'libstdc++.so.*'` treats it
///   as auditwheel does).
public struct BaseSystem: Sendable {
  /// The C library's objects: never copied.
  public static let cLibrary: [String] = [
    "libc.so.6", "libm.so.6", "libmvec.so.1", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libutil.so.1",
    "libresolv.so.2", "libanl.so.1", "libBrokenLocale.so.1", "libthread_db.so.1", "libc_malloc_debug.so.0",
    "libnss_*.so.2", "ld-linux*.so.*", "ld64.so.*", "ld.so.1", "libc.so", "ld-musl-*.so.1",
  ]
  /// The GCC runtime libraries in the base by default (`--include` copies them).
  public static let runtime: [String] = ["libgcc_s.so.1"]

  /// Patterns (`--exclude`) whose libraries are taken from the host too.
  public var exclude: [String] = []
  /// Patterns (`--include`) whose libraries are copied even when in the default base or excluded.
  public var include: [String] = []

  /// The default base, adjusted by `exclude` and `include` (shell globs, as fnmatch matches them).
  public init(exclude: [String] = [], include: [String] = []) {
    self.exclude = exclude
    self.include = include
  }

  /// Why a library is not copied.
  public enum Reason: String, Sendable {
    /// The C library or its loader.
    case cLibrary = "C library"
    /// The GCC runtime of the default base.
    case runtime = "GCC runtime"
    /// An `--exclude` pattern.
    case excluded
  }

  /// Why the library requested as `name` (found at `path`) stays on the host; nil when it is copied.
  public func reason(name: String, path: String?) -> Reason? {
    var names = [name]
    if let path {
      let base = Paths.basename(path)
      if base != name { names.append(base) }
    }
    func matches(_ patterns: [String]) -> Bool {
      patterns.contains { pattern in names.contains { fnmatch(pattern, $0, 0) == 0 } }
    }
    if matches(Self.cLibrary) { return .cLibrary }
    if matches(include) { return nil }
    if matches(exclude) { return .excluded }
    if matches(Self.runtime) { return .runtime }
    return nil
  }
}
