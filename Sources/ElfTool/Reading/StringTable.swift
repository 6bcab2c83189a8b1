/// A string table (the dynamic one, or .strtab) as a range of a file's mapping.
struct StringTable: Sendable {
  let mapping: FileMapping
  /// Where the table starts in the file, and its size; inside the mapping (checked by `init`).
  let offset: Int
  let size: Int

  /// The table at [offset, offset+size) of `mapping`; an error naming `what` when it is outside.
  init(mapping: FileMapping, offset: UInt64, size: UInt64, what: String) throws(ElfError) {
    guard offset <= UInt64(mapping.count), size <= UInt64(mapping.count) - offset else {
      throw ElfError(
        mapping.path, .malformed,
        "\(what) at offset \(hex(offset)) with size \(hex(size)) lies outside the file (size \(hex(mapping.count)))")
    }
    self.mapping = mapping
    self.offset = Int(offset)
    self.size = Int(size)
  }

  /// Lends `body` the table's bytes.
  @inline(__always)
  func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    mapping.withBytes { body(UnsafeRawBufferPointer(rebasing: $0[offset..<offset + size])) }
  }

  /// The NUL-terminated string at `at`; an error when the offset or the string leaves the table.
  func string(at: UInt64, what: String) throws(ElfError) -> String {
    let text: String? = withBytes { bytes in
      guard at < UInt64(bytes.count) else { return nil }
      return ByteReader(bytes, order: .little).cString(Int(at))
    }
    guard let text else {
      throw at < UInt64(size)
        ? ElfError(mapping.path, .malformed, "\(what) at offset \(hex(at)) runs past the end of the string table")
        : ElfError(
          mapping.path, .malformed, "\(what) offset \(hex(at)) is outside the string table (size \(hex(size)))")
    }
    return text
  }
}

extension ElfImage {
  /// The strings at `offsets` of the string table at [tableOffset, tableOffset+size), read in as
  /// few small windows as possible (a large library's .dynstr can be megabytes; resolution needs a
  /// few dozen bytes of it).
  func strings(_ offsets: [UInt64], tableOffset: UInt64, size: UInt64, what: String) throws(ElfError) -> [(
    offset: UInt64, text: String
  )] {
    // Sizes come from the file: with the table inside the file, no sum below can pass 2^64.
    guard tableOffset <= fileSize, size <= fileSize - tableOffset else {
      throw ElfError(
        path, .malformed,
        "\(what) at offset \(hex(tableOffset)) with size \(hex(size)) lies outside the file (size \(hex(fileSize)))")
    }
    for offset in offsets where offset >= size {
      throw ElfError(
        path, .malformed, "a string offset \(hex(offset)) is outside the string table (\(what), size \(hex(size)))")
    }
    // A few dozen strings at most: a list searched linearly costs less than hashing.
    var result: [(offset: UInt64, text: String)] = []
    result.reserveCapacity(offsets.count)
    func has(_ offset: UInt64) -> Bool { result.contains { $0.offset == offset } }
    let sorted = offsets.sorted()
    let slack: UInt64 = 1024
    var index = 0
    while index < sorted.count {
      // A window from this offset over every following offset within 16 KiB, plus slack.
      let start = sorted[index]
      var last = start
      var next = index + 1
      while next < sorted.count, sorted[next] - start < 16 * 1024 {
        last = sorted[next]
        next += 1
      }
      var windowEnd = min(size, last + slack)
      while true {
        let complete = try withBytes(offset: tableOffset + start, size: windowEnd - start, what: what) {
          (bytes: UnsafeRawBufferPointer) throws(ElfError) -> Bool in
          let reader = ByteReader(bytes, order: .little)
          var complete = true
          for offset in sorted[index..<next] where !has(offset) {
            if let text = reader.cString(Int(offset - start)) {
              result.append((offset, text))
            } else {
              complete = false
            }
          }
          return complete
        }
        if complete { break }
        guard windowEnd < size else { throw ElfError(path, .malformed, "a string runs past the end of \(what)") }
        windowEnd = min(size, windowEnd + 64 * 1024)
      }
      index = next
    }
    return result
  }
}
