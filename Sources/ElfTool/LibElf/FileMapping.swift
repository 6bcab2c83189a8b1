#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The one owner of a file's mapped bytes: a read-only private mmap of the whole file (or a copy of
/// bytes in memory). The bytes are lent to closures (`withBytes`) and never stored elsewhere: every
/// decoder in Reading/ keeps offsets into a mapping, not pointers.
///
/// It is the one `@unchecked Sendable` type of ElfTool. That is safe because the bytes never
/// change after `init` (PROT_READ, MAP_PRIVATE; a memory copy is written once before it is
/// shared), `base` is a `let`, and the memory is released only in `deinit`, when no thread can
/// hold the object any more.
final class FileMapping: @unchecked Sendable {
  /// The path it was mapped from (or the name given to bytes in memory).
  let path: String
  /// Identity, size and modification time when mapped.
  let stamp: FileStamp
  private let base: UnsafeRawBufferPointer
  private let isMapped: Bool

  /// Maps `path`.
  convenience init(path: String) throws(ElfError) {
    let fd = try openFile(path)
    defer { close(fd) }
    try self.init(descriptor: fd, path: path)
  }

  /// Maps the file open on `descriptor` (the caller closes it; the mapping outlives it).
  init(descriptor fd: Int32, path: String) throws(ElfError) {
    self.path = path
    let status = try fileStatus(fd, path: path)
    stamp = status.stamp
    guard status.size > 0 else {
      base = UnsafeRawBufferPointer(start: nil, count: 0)
      isMapped = false
      return
    }
    guard status.size <= UInt64(Int.max) else {
      throw ElfError(path, .malformed, "the file is too large to map (\(status.size) bytes)")
    }
    let size = Int(status.size)
    guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
      let code = errno
      throw ElfError(path, .io(errno: code), "cannot map it: \(String(cString: strerror(code)))")
    }
    base = UnsafeRawBufferPointer(start: address, count: size)
    isMapped = true
  }

  /// A copy of `bytes`, named `name` in messages.
  init(bytes: [UInt8], name: String) {
    path = name
    stamp = FileStamp(id: FileID(device: 0, inode: 0), size: UInt64(bytes.count), seconds: 0, nanoseconds: 0)
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
    copy.copyBytes(from: bytes)
    base = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(copy)[0..<bytes.count])
    isMapped = false
  }

  deinit {
    if isMapped {
      munmap(UnsafeMutableRawPointer(mutating: base.baseAddress), base.count)
    } else if let address = base.baseAddress {
      address.deallocate()
    }
  }

  /// The size of the file in bytes.
  var count: Int { base.count }

  /// Lends `body` the file's bytes; they are valid only inside `body`.
  @inline(__always)
  func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
    try body(base)
  }

  /// Lends `body` the bytes of several mappings at once (nil entries lend an empty buffer): the
  /// symbol lookups of a scope read every table of it in one loop.
  static func withBytes<R>(of mappings: [FileMapping?], _ body: ([UnsafeRawBufferPointer]) -> R) -> R {
    withExtendedLifetime(mappings) {
      body(mappings.map { $0?.base ?? UnsafeRawBufferPointer(start: nil, count: 0) })
    }
  }
}
