// POSIX file I/O for the whole library: one place that retries on EINTR and turns -1 into an
// ElfError naming the file.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Runs a system call until it is not interrupted (EINTR); -1 becomes an `ElfError` that names
/// `path` and says `what` failed, with strerror's text.
@inline(__always)
func valueOrErrno<T: SignedInteger>(
  _ path: String, _ what: @autoclosure () -> String, _ call: () -> T
) throws(ElfError) -> T {
  while true {
    let result = call()
    if result != -1 { return result }
    if errno == EINTR { continue }
    throw posixError(path, what())
  }
}

/// An `ElfError` from errno: "WHAT: strerror".
func posixError(_ path: String, _ what: String) -> ElfError {
  let code = errno
  return ElfError(path, .io(errno: code), "\(what): \(String(cString: strerror(code)))")
}

/// open(2) for reading; errors name the file.
func openFile(_ path: String) throws(ElfError) -> Int32 {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  if fd < 0 {
    let code = errno
    throw ElfError(path, .io(errno: code), String(cString: strerror(code)))
  }
  return fd
}

/// fstat(2) of an ELF candidate: a directory and anything but a regular file are errors.
func fileStatus(_ fd: Int32, path: String) throws(ElfError) -> FileStatus {
  var st = stat()
  _ = try valueOrErrno(path, "cannot read its status") { fstat(fd, &st) }
  if (st.st_mode & S_IFMT) == S_IFDIR {
    throw ElfError(path, .io(errno: EISDIR), "cannot read file data: is a directory")
  }
  guard (st.st_mode & S_IFMT) == S_IFREG else { throw ElfError(path, .io(errno: 0), "not a regular file") }
  let size = UInt64(max(st.st_size, 0))
  let id = FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
  // getuid, getgid and fstatvfs only for a file with a set-ID bit; the kernel ignores the bits on
  // a filesystem mounted nosuid.
  let secure =
    ((st.st_mode & S_ISUID != 0 && st.st_uid != getuid()) || (st.st_mode & S_ISGID != 0 && st.st_gid != getgid()))
    && !mountedNoSetID(fd)
  return FileStatus(
    size: size,
    stamp: FileStamp(id: id, size: size, seconds: Int64(st.st_mtim.tv_sec), nanoseconds: Int64(st.st_mtim.tv_nsec)),
    startsSecure: secure)
}

/// Whether the filesystem of an open file is mounted nosuid (statvfs's ST_NOSUID); false when it
/// cannot be told.
private func mountedNoSetID(_ fd: Int32) -> Bool {
  var info = statvfs()
  return fstatvfs(fd, &info) == 0 && info.f_flag & UInt(ST_NOSUID) != 0
}

/// What fstat(2) says of a regular file that elfdyn reads.
struct FileStatus {
  var size: UInt64
  var stamp: FileStamp
  /// Whether the kernel would start it with AT_SECURE for this process's user: set-user-ID to
  /// another user or set-group-ID to another group, on a filesystem not mounted nosuid (file
  /// capabilities are not looked at).
  var startsSecure: Bool
}

/// The first `count` bytes of an open file (fewer for a shorter file).
func readHead(_ fd: Int32, count: Int, path: String) throws(ElfError) -> [UInt8] {
  try preadAll(fd, count: count, at: 0, path: path, what: "cannot read file data")
}

/// The first `count` bytes of a file; nil when it cannot be read.
func readHead(path: String, count: Int) -> [UInt8]? {
  guard let fd = try? openFile(path) else { return nil }  // unreadable: the caller treats it as absent
  defer { close(fd) }
  return try? readHead(fd, count: count, path: path)
}

/// pread(2) until `count` bytes or the end of the file.
func preadAll(_ fd: Int32, count: Int, at offset: UInt64, path: String, what: String = "cannot read it")
  throws(ElfError) -> [UInt8]
{
  var buffer = [UInt8](repeating: 0, count: count)
  let read = buffer.withUnsafeMutableBytes { bytes in
    Result { () throws(ElfError) in try preadInto(fd, bytes, count: count, at: offset, path: path, what: what) }
  }
  return Array(buffer[..<(try read.get())])
}

/// pread(2) into `buffer` until `count` bytes or the end of the file; returns how many were read.
func preadInto(
  _ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, count: Int, at offset: UInt64, path: String,
  what: @autoclosure () -> String
) throws(ElfError) -> Int {
  let count = min(count, buffer.count)
  var done = 0
  while done < count {
    let n = try valueOrErrno(path, what()) {
      pread(fd, buffer.baseAddress.map { $0 + done }, count - done, off_t(offset) + off_t(done))
    }
    if n == 0 { break }
    done += n
  }
  return done
}

/// pwrite(2) of all of `bytes`.
func pwriteAll(_ fd: Int32, _ bytes: [UInt8], at offset: UInt64, path: String) throws(ElfError) {
  var done = 0
  while done < bytes.count {
    done += try valueOrErrno(path, "cannot write it") {
      bytes.withUnsafeBytes {
        pwrite(fd, $0.baseAddress.map { $0 + done }, bytes.count - done, off_t(offset) + off_t(done))
      }
    }
  }
}

/// stat(2) says it is a directory (following symlinks).
func isDirectory(_ path: String) -> Bool {
  var st = stat()
  return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

/// Whether anything exists at `path` (access(2) F_OK).
func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// Device and inode of `path` (following symlinks), nil when it does not exist.
public func fileID(_ path: String) -> FileID? {
  var st = stat()
  guard stat(path, &st) == 0 else { return nil }
  return FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
}

/// Whether `path` itself (not following a symlink) is a regular file of at least `minimumSize` bytes.
func isRegularFile(_ path: String, minimumSize: Int = 0) -> Bool {
  var st = stat()
  return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && st.st_size >= minimumSize
}

/// The whole of a small file, or nil when it cannot be read or is larger than `limit`.
func readWholeFile(_ path: String, limit: Int) -> [UInt8]? {
  guard let fd = try? openFile(path) else { return nil }  // absent: the callers' files are optional
  defer { close(fd) }
  var st = stat()
  guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size >= 0, st.st_size <= limit else {
    return nil
  }
  return try? preadAll(fd, count: Int(st.st_size), at: 0, path: path)  // unreadable: as absent
}

/// The names in a directory, without "." and "..", empty when it cannot be read.
func listDirectory(_ path: String) -> [String] {
  guard let dir = opendir(path) else { return [] }
  defer { closedir(dir) }
  var names: [String] = []
  while let entry = readdir(dir) {
    // d_name is as long as the name, not sizeof(d_name): read it up to its NUL only (found by
    // AddressSanitizer through the fuzz target).
    let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
      pointer.withMemoryRebound(to: CChar.self, capacity: 1) { String(cString: $0) }
    }
    if name != "." && name != ".." { names.append(name) }
  }
  return names
}
