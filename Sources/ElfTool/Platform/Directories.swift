// Whole directories: a fresh one next to a destination, an atomic swap of two, a recursive removal
// that never follows symbolic links. Used by `bundle`, which builds a directory and renames it into
// place.

internal import CSystem

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// mkdtemp(3) of `template` (ending in XXXXXX): the new directory's path, mode 0700.
func makeTemporaryDirectory(_ template: String, about path: String) throws(ElfError) -> String {
  var bytes = Array(template.utf8CString)
  let made = bytes.withUnsafeMutableBufferPointer { buffer -> Bool in
    guard let base = buffer.baseAddress else { return false }
    return mkdtemp(base) != nil
  }
  guard made else { throw posixError(path, "cannot create a directory next to it") }
  return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Swaps two existing paths atomically (renameat2 RENAME_EXCHANGE); false when the kernel or the
/// file system cannot, and the caller falls back to two renames.
func exchangePaths(_ a: String, _ b: String) -> Bool { elfdyn_exchange_paths(a, b) == 0 }

/// rename(2); errors name `path`.
func renamePath(_ from: String, _ to: String, about path: String) throws(ElfError) {
  guard rename(from, to) == 0 else { throw posixError(path, "cannot rename \(from) to \(to)") }
}

/// Removes `path` and everything under it; symbolic links are removed, never followed. Best
/// effort: what cannot be removed stays.
func removeTree(_ path: String) {
  var st = stat()
  guard lstat(path, &st) == 0 else { return }
  if (st.st_mode & S_IFMT) == S_IFDIR {
    for name in listDirectory(path) { removeTree(Paths.join(path, name)) }
    _ = rmdir(path)
  } else {
    _ = unlink(path)
  }
}

/// lstat(2) of `path`: whether it exists, and whether it is a directory (not following a link).
func pathKind(_ path: String) -> (exists: Bool, directory: Bool) {
  var st = stat()
  guard lstat(path, &st) == 0 else { return (false, false) }
  return (true, (st.st_mode & S_IFMT) == S_IFDIR)
}

/// fsync(2) of a directory, so that renames in it survive a crash; failures are ignored.
func syncDirectory(_ path: String) {
  let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
  guard fd >= 0 else { return }
  _ = fsync(fd)
  close(fd)
}
