#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// How an edit reaches the disk.
public enum WriteMode: Sendable {
  /// A temporary file in the same directory, fsync, rename over the original: atomic, keeps mode,
  /// owner and times, gives the path a new inode (hard links keep the old content).
  case replace
  /// The changed ranges written into the original inode (keeps hard links). Not atomic against a
  /// crash; a failed edit is rolled back.
  case inPlace
}

/// An open, flock-ed file: the descriptor stays locked (LOCK_EX) until `close()`.
final class LockedFile {
  let path: String
  let descriptor: Int32
  let status: stat

  /// Opens `path` (read-only for `.replace`, read-write for `.inPlace`) and takes an exclusive flock.
  /// Retries when another process replaced the file while this one waited for the lock.
  init(path: String, mode: WriteMode) throws(ElfError) {
    self.path = path
    var attempts = 0
    while true {
      attempts += 1
      let flags = (mode == .inPlace ? O_RDWR : O_RDONLY) | O_CLOEXEC
      let fd = open(path, flags)
      guard fd >= 0 else { throw posixError(path, "cannot open it\(mode == .inPlace ? " for writing" : "")") }
      while flock(fd, LOCK_EX) != 0 {
        if errno == EINTR { continue }
        let error = posixError(path, "cannot lock it")
        Glibc.close(fd)
        throw error
      }
      var opened = stat()
      var named = stat()
      guard fstat(fd, &opened) == 0 else {
        let error = posixError(path, "cannot read its status")
        Glibc.close(fd)
        throw error
      }
      if stat(path, &named) == 0, named.st_ino == opened.st_ino, named.st_dev == opened.st_dev || attempts > 5 {
        guard (opened.st_mode & S_IFMT) == S_IFREG else {
          Glibc.close(fd)
          throw ElfError(path, .io(errno: 0), "not a regular file")
        }
        descriptor = fd
        status = opened
        return
      }
      Glibc.close(fd)
      if attempts > 5 { throw ElfError(path, .io(errno: 0), "the file keeps being replaced while elfdyn waits for it") }
    }
  }

  func close() { _ = Glibc.close(descriptor) }

  /// Reads `path` under a shared flock, so that a run editing it in place (which holds LOCK_EX
  /// while it writes) is never seen halfway; returns the file and the status it was read with.
  static func readShared(_ path: String) throws(ElfError) -> (file: ElfFile, status: stat) {
    let fd = try openFile(path)
    defer { Glibc.close(fd) }
    while flock(fd, LOCK_SH) != 0 {
      if errno == EINTR { continue }
      throw posixError(path, "cannot lock it")
    }
    var status = stat()
    guard fstat(fd, &status) == 0 else { throw posixError(path, "cannot read its status") }
    let file = try ElfFile(image: try ElfImage(borrowing: fd, path: path), memory: nil)
    return (file, status)
  }

  /// Whether two statuses are of the same file, unchanged in between: an edit, in place or by
  /// rename, changes the inode or the status-change time (which no one can set back).
  static func sameState(_ a: stat, _ b: stat) -> Bool {
    a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size
      && a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec
  }
}

/// Writes an `EditPlan`: copies the unchanged bytes with copy_file_range, writes only the changed
/// ranges, and lets a check see the result before it replaces the original.
struct PatchWriter {
  let file: LockedFile
  let mode: WriteMode

  /// Applies `plan`. `verify` gets the path of the result (a temporary file for `.replace`) and
  /// throws when the result is not right; the original is then left exactly as it was.
  /// Returns notes for people about what could not be kept (the times of a file written in place
  /// by someone other than its owner).
  func apply(_ plan: EditPlan, verify: (String) throws(ElfError) -> Void) throws(ElfError) -> [String] {
    // Only a file the caller may write is edited, whatever the directory allows (patchelf and
    // chrpath refuse too): replacing it needs only the directory, but the file is not theirs to change.
    if let code = writeAccessError(file.path) {
      throw ElfError(
        file.path, .io(errno: code),
        "not changed: you may not write it (\(String(cString: strerror(code))))")
    }
    switch mode {
    case .replace:
      try replace(plan, verify: verify)
      return []
    case .inPlace: return try writeInPlace(plan, verify: verify)
    }
  }

  private func replace(_ plan: EditPlan, verify: (String) throws(ElfError) -> Void) throws(ElfError) {
    let path = file.path
    let directory = Paths.directory(of: path, cwd: Paths.currentDirectory())
    var template = Array(Paths.join(directory, "." + Paths.basename(path) + ".elfdyn-XXXXXX").utf8CString)
    let out = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
      guard let base = buffer.baseAddress else { return -1 }
      return mkstemp(base)
    }
    guard out >= 0 else {
      let error = posixError(path, "cannot create a temporary file in \(directory)")
      throw ElfError(error.path, error.kind, error.message + " (--in-place writes into the file itself)")
    }
    let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var renamed = false
    defer {
      Glibc.close(out)
      if !renamed { unlink(temporary) }
    }
    let attributes = try ExtendedAttributes.read(file.descriptor, path: path)
    try copyUnchangedBytes(plan, to: out)
    for write in plan.writes { try pwriteAll(out, write.bytes, at: write.offset, path: temporary) }
    try writeTail(plan, to: out, path: temporary, endOfData: plan.tailOffset)
    guard ftruncate(out, off_t(plan.newFileSize)) == 0 else { throw posixError(temporary, "cannot set its size") }
    // What is still dirty goes to disk while the metadata is set and the result is checked.
    startWriteback(out, offset: 0, count: 0)
    // Owner first: chown may clear set-user-ID bits and file capabilities that are set again after it.
    // The new file must belong to whom the old one did: a file the caller may write but does not own
    // would otherwise become theirs.
    guard fchown(out, file.status.st_uid, file.status.st_gid) == 0 else {
      let code = errno
      throw ElfError(
        path, .io(errno: code),
        "not changed: a new file cannot keep its owner and group (uid \(file.status.st_uid), gid \(file.status.st_gid)) "
          + "(\(String(cString: strerror(code)))); --in-place writes into the file itself and keeps them")
    }
    guard fchmod(out, file.status.st_mode & 0o7777) == 0 else { throw posixError(temporary, "cannot set its mode") }
    do throws(ElfError) {
      try attributes.apply(to: out, path: temporary)
    } catch {
      throw ElfError(path, error.kind, "not changed: \(error.message)")
    }
    try restoreTimes(out, path: temporary)
    // Checked before fsync, while the disk is still writing it (the check reads the page cache);
    // the rename waits for fsync, so only a complete file can take the original's place.
    try verify(temporary)
    guard fsync(out) == 0 else { throw posixError(temporary, "cannot sync it to disk") }
    guard rename(temporary, path) == 0 else { throw posixError(path, "cannot replace it") }
    renamed = true
    let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dir >= 0 {
      _ = fsync(dir)
      Glibc.close(dir)
    }
  }

  /// Copies the original's bytes [0, tailOffset) into the new, empty file `out` in the kernel
  /// (copy_file_range, which shares the blocks on a filesystem with reflinks, such as btrfs and
  /// XFS; read/write where it is not supported), in 64 MiB pieces, each handed to the disk as soon
  /// as it is copied: the copying and the writing overlap, and the fsync later waits for less.
  private func copyUnchangedBytes(_ plan: EditPlan, to out: Int32) throws(ElfError) {
    let piece: UInt64 = 64 << 20
    var done: UInt64 = 0
    while done < plan.tailOffset {
      let count = min(piece, plan.tailOffset - done)
      try copy(from: file.descriptor, at: done, to: out, at: done, count: count)
      startWriteback(out, offset: done, count: count)
      done += count
    }
  }

  private func writeInPlace(_ plan: EditPlan, verify: (String) throws(ElfError) -> Void) throws(ElfError)
    -> [String]
  {
    let fd = file.descriptor
    let path = file.path
    let original = plan.originalSize
    // What the edit overwrites, to put back if anything fails.
    var saved: [(offset: UInt64, bytes: [UInt8])] = []
    for write in plan.writes {
      saved.append((write.offset, try preadAll(fd, count: write.bytes.count, at: write.offset, path: path)))
    }
    if plan.tailOffset < original {
      saved.append(
        (plan.tailOffset, try preadAll(fd, count: Int(original - plan.tailOffset), at: plan.tailOffset, path: path)))
    }
    // A write makes the kernel drop file capabilities (security.capability) and, for a caller
    // without CAP_FSETID, the set-user-ID and set-group-ID bits: both are put back afterwards.
    let attributes = try ExtendedAttributes.read(fd, path: path)
    // Only who may set file capabilities may put them back: find out before anything is written.
    if !attributes.canSetAgain(named: "security.capability", on: fd) {
      let code = errno
      throw ElfError(
        path, .io(errno: code),
        "not changed: its file capabilities (security.capability) could not be put back after writing "
          + "(\(String(cString: strerror(code))))")
    }
    func restoreMetadata() throws(ElfError) {
      var now = stat()
      if fstat(fd, &now) == 0, now.st_mode & 0o7777 != file.status.st_mode & 0o7777 {
        guard fchmod(fd, file.status.st_mode & 0o7777) == 0 else { throw posixError(path, "cannot keep its mode") }
      }
      try attributes.apply(to: fd, path: path)
    }
    func rollBack() {
      _ = ftruncate(fd, off_t(original))
      for range in saved.reversed() { try? pwriteAll(fd, range.bytes, at: range.offset, path: path) }
      try? restoreMetadata()
      _ = fsync(fd)
      try? restoreTimes(fd, path: path)
    }
    do throws(ElfError) {
      // The appended bytes first: nothing refers to them until the headers are written.
      try writeTail(plan, to: fd, path: path, endOfData: original)
      guard ftruncate(fd, off_t(plan.newFileSize)) == 0 else { throw posixError(path, "cannot set its size") }
      for write in plan.writes { try pwriteAll(fd, write.bytes, at: write.offset, path: path) }
      try restoreMetadata()
      guard fsync(fd) == 0 else { throw posixError(path, "cannot sync it to disk") }
      var notes: [String] = []
      do throws(ElfError) {
        try restoreTimes(fd, path: path)
      } catch {
        // Only the owner may set a file's times; anyone allowed to write it may change its content.
        guard case .io(errno: EPERM) = error.kind else { throw error }
        notes.append("its modification time was not kept: only its owner may set it")
      }
      try verify(path)
      return notes
    } catch {
      rollBack()
      throw error
    }
  }

  /// `endOfData`: where the bytes already in `out` end; zeros beyond it are left as a hole
  /// (ftruncate and later writes make them read as zeros) instead of being written.
  private func writeTail(_ plan: EditPlan, to out: Int32, path: String, endOfData: UInt64) throws(ElfError) {
    var position = plan.tailOffset
    for piece in plan.tail {
      switch piece {
      case .bytes(let bytes): try pwriteAll(out, bytes, at: position, path: path)
      case .zeros where position >= endOfData: break
      case .zeros(let count):
        var left = count
        var at = position
        let block = [UInt8](repeating: 0, count: 65536)
        while left > 0 {
          let n = Int(min(left, UInt64(block.count)))
          try pwriteAll(out, Array(block[..<n]), at: at, path: path)
          left -= UInt64(n)
          at += UInt64(n)
        }
      case .copy(let from, let count): try copy(from: file.descriptor, at: from, to: out, at: position, count: count)
      }
      position += piece.size
    }
  }

  private func restoreTimes(_ fd: Int32, path: String) throws(ElfError) {
    var times = [file.status.st_atim, file.status.st_mtim]
    guard futimens(fd, &times) == 0 else { throw posixError(path, "cannot restore its times") }
  }

  private func copy(from input: Int32, at inputOffset: UInt64, to output: Int32, at outputOffset: UInt64, count: UInt64)
    throws(ElfError)
  {
    try copyFileRange(
      from: input, at: inputOffset, to: output, at: outputOffset, count: count, path: file.path)
  }
}
