/// Reads integers in a file's byte order from bytes (an array or a view of a mapping), with
/// bounds checks: nil past the end, never a trap. Used where libelf has no type to convert with:
/// e_ident, version tables, ld.so.cache.
struct ByteReader<Bytes: RandomAccessCollection> where Bytes.Element == UInt8, Bytes.Index == Int {
  let bytes: Bytes
  let order: ByteOrder

  private func value<T: FixedWidthInteger & UnsignedInteger>(_ at: Int, _: T.Type) -> T? {
    let size = MemoryLayout<T>.size
    guard at >= bytes.startIndex, at <= bytes.endIndex - size else { return nil }
    var result: T = 0
    for i in 0..<size {
      let byte = T(bytes[order == .little ? at + size - 1 - i : at + i])
      result = result << 8 | byte
    }
    return result
  }

  func u16(_ at: Int) -> UInt16? { value(at, UInt16.self) }
  func u32(_ at: Int) -> UInt32? { value(at, UInt32.self) }
  func u64(_ at: Int) -> UInt64? { value(at, UInt64.self) }
}
