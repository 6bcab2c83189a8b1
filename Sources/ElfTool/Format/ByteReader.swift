/// Reads integers in a file's byte order from bytes, with bounds checks: nil past the end, never a
/// trap. A view for the length of a `withBytes`/`withUnsafeBytes` closure, never stored: it is how
/// every decoder in Reading/ turns file bytes into values.
struct ByteReader {
  let bytes: UnsafeRawBufferPointer
  let order: ByteOrder

  init(_ bytes: UnsafeRawBufferPointer, order: ByteOrder) {
    self.bytes = bytes
    self.order = order
  }

  var count: Int { bytes.count }

  @inline(__always)
  private func load<T: FixedWidthInteger>(_ at: Int, _: T.Type) -> T? {
    guard at >= 0, at <= bytes.count - MemoryLayout<T>.size else { return nil }
    let raw = bytes.loadUnaligned(fromByteOffset: at, as: T.self)
    return order == .little ? T(littleEndian: raw) : T(bigEndian: raw)
  }

  /// Whether [at, at+size) lies in the bytes: one check before several `unchecked` reads.
  @inline(__always) func contains(_ at: Int, size: Int) -> Bool { at >= 0 && size >= 0 && at <= bytes.count - size }

  /// A read whose range the caller has checked with `contains` (or a table's `parse`).
  @inline(__always)
  func unchecked<T: FixedWidthInteger>(_ at: Int, as _: T.Type) -> T {
    let raw = bytes.loadUnaligned(fromByteOffset: at, as: T.self)
    return order == .little ? T(littleEndian: raw) : T(bigEndian: raw)
  }

  /// The largest of the `count` 32-bit words from `at`, a range the caller has checked. The byte
  /// order is decided once, outside the loop, which the compiler can then vectorise (a GNU hash
  /// table's buckets: tens of thousands of words in a large library).
  func maximumU32(_ at: Int, count: Int) -> UInt32 {
    let native = (order == .little) == (UInt32(1).littleEndian == 1)
    var result: UInt32 = 0
    var index = 0
    if native {
      while index < count {
        result = max(result, bytes.loadUnaligned(fromByteOffset: at &+ index &* 4, as: UInt32.self))
        index &+= 1
      }
    } else {
      while index < count {
        result = max(result, bytes.loadUnaligned(fromByteOffset: at &+ index &* 4, as: UInt32.self).byteSwapped)
        index &+= 1
      }
    }
    return result
  }

  @inline(__always) func u8(_ at: Int) -> UInt8? { at >= 0 && at < bytes.count ? bytes[at] : nil }
  @inline(__always) func u16(_ at: Int) -> UInt16? { load(at, UInt16.self) }
  @inline(__always) func u32(_ at: Int) -> UInt32? { load(at, UInt32.self) }
  @inline(__always) func u64(_ at: Int) -> UInt64? { load(at, UInt64.self) }
  /// A 4- or 8-byte address, offset or size field, by class.
  @inline(__always) func word(_ at: Int, _ elfClass: ElfClass) -> UInt64? {
    elfClass == .elf64 ? u64(at) : u32(at).map(UInt64.init)
  }
  /// A signed 4- or 8-byte field (d_tag), by class.
  @inline(__always) func signedWord(_ at: Int, _ elfClass: ElfClass) -> Int64? {
    elfClass == .elf64
      ? u64(at).map { Int64(bitPattern: $0) } : u32(at).map { Int64(Int32(bitPattern: $0)) }
  }

  /// The NUL-terminated string at `at`; nil when `at` is outside or no NUL follows.
  func cString(_ at: Int) -> String? {
    guard let range = cStringRange(at) else { return nil }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
  }

  /// The byte range of the NUL-terminated string at `at` (without the NUL).
  func cStringRange(_ at: Int) -> Range<Int>? {
    guard at >= 0, at < bytes.count else { return nil }
    guard let end = bytes[at...].firstIndex(of: 0) else { return nil }
    return at..<end
  }
}
