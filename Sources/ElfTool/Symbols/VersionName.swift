/// A symbol version name split into its namespace and its number: `GLIBC_2.34` is version `2.34`
/// of namespace `GLIBC`, `GLIBCXX_3.4.29` version `3.4.29` of `GLIBCXX`, `LIBFFI_BASE_7.0` version
/// `7.0` of `LIBFFI_BASE`. A name without a number (`GLIBC_PRIVATE`, `Qt_5_PRIVATE_API`) has no
/// rank; its namespace is the part before its first `_` (the whole name when it has none).
public struct SymbolVersionName: Sendable, Hashable, CustomStringConvertible {
  /// The full name, as in DT_VERNEED (`GLIBC_2.34`).
  public let name: String
  /// The name without its number (`GLIBC`).
  public let namespace: String
  /// The number (`2.34`), nil for a name that has none.
  public let number: String?

  /// Splits `name` at the first `_` followed by a number: digits in groups separated by `.` or
  /// `_`, optionally ending in letters (`OPENSSL_1_1_0d`).
  public init(_ name: String) {
    self.name = name
    let bytes = Array(name.utf8)
    var split: Int?
    for index in bytes.indices where bytes[index] == UInt8(ascii: "_") && index > 0 {
      let rest = bytes[(index + 1)...]
      if Self.isNumber(rest) {
        split = index
        break
      }
    }
    if let split {
      namespace = String(decoding: bytes[..<split], as: UTF8.self)
      number = String(decoding: bytes[(split + 1)...], as: UTF8.self)
    } else {
      namespace = String(decoding: bytes.prefix(while: { $0 != UInt8(ascii: "_") }), as: UTF8.self)
      number = nil
    }
  }

  /// The full name.
  public var description: String { name }

  /// Whether `bytes` is a version number: `[0-9]+([._][0-9]+)*[a-z]*`.
  static func isNumber(_ bytes: ArraySlice<UInt8>) -> Bool {
    var sawDigit = false
    var inLetters = false
    var afterSeparator = false
    for byte in bytes {
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"):
        if inLetters { return false }
        sawDigit = true
        afterSeparator = false
      case UInt8(ascii: "."), UInt8(ascii: "_"):
        if inLetters || !sawDigit || afterSeparator { return false }
        afterSeparator = true
      case UInt8(ascii: "a")...UInt8(ascii: "z"):
        if !sawDigit || afterSeparator { return false }
        inLetters = true
      default: return false
      }
    }
    return sawDigit && !afterSeparator
  }

  /// Orders two version numbers as glibc and GCC number their versions: numeric components compare
  /// as numbers (2.9 < 2.17 < 2.34, 3.4.9 < 3.4.10), a number that is a prefix of another is the
  /// smaller (2.2 < 2.2.5), letters after a number compare as text (1_1_0 < 1_1_0d). Returns a
  /// negative number, zero or a positive number, as `a` is lower, equal or higher.
  public static func compareNumbers(_ a: String, _ b: String) -> Int {
    let left = components(a)
    let right = components(b)
    for (x, y) in zip(left, right) {
      let order = compare(x, y)
      if order != 0 { return order }
    }
    return left.count - right.count
  }

  /// Whether `self` is a higher version than `other` of the same namespace (false when either has no
  /// number).
  public func isHigher(than other: SymbolVersionName) -> Bool {
    guard let number, let otherNumber = other.number else { return false }
    return Self.compareNumbers(number, otherNumber) > 0
  }

  private enum Component {
    case number(ArraySlice<UInt8>)
    case text(ArraySlice<UInt8>)
  }

  /// The runs of digits and of other characters, separators (`.`, `_`) dropped.
  private static func components(_ value: String) -> [Component] {
    let bytes = Array(value.utf8)
    var result: [Component] = []
    var start = 0
    while start < bytes.count {
      let byte = bytes[start]
      if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") {
        start += 1
        continue
      }
      let digit = isDigit(byte)
      var end = start
      while end < bytes.count, isDigit(bytes[end]) == digit, bytes[end] != UInt8(ascii: "."),
        bytes[end] != UInt8(ascii: "_")
      {
        end += 1
      }
      result.append(digit ? .number(bytes[start..<end]) : .text(bytes[start..<end]))
      start = end
    }
    return result
  }

  private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

  /// Numbers by value (any length, without converting: leading zeros dropped, then the longer is
  /// larger, then digit by digit); a number is lower than text; text byte by byte.
  private static func compare(_ x: Component, _ y: Component) -> Int {
    switch (x, y) {
    case (.number(let a), .number(let b)):
      let a = a.drop(while: { $0 == UInt8(ascii: "0") })
      let b = b.drop(while: { $0 == UInt8(ascii: "0") })
      if a.count != b.count { return a.count - b.count }
      for (p, q) in zip(a, b) where p != q { return Int(p) - Int(q) }
      return 0
    case (.number, .text): return -1
    case (.text, .number): return 1
    case (.text(let a), .text(let b)):
      for (p, q) in zip(a, b) where p != q { return Int(p) - Int(q) }
      return a.count - b.count
    }
  }
}

/// glibc's own libraries: what they require of each other any system that has them provides, and
/// the definitions they share are glibc's business.
public enum GlibcLibraries {
  private static let names: Set<String> = [
    "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libutil.so.1", "libresolv.so.2",
    "libanl.so.1", "libnsl.so.1", "libmvec.so.1", "libthread_db.so.1", "libBrokenLocale.so.1",
    "libc_malloc_debug.so.0", "ld.so.1",
  ]

  /// Whether a library named `name` (a soname, a DT_NEEDED string or a path) is one of glibc's:
  /// libc, the loader (`ld-linux*`, `ld64.so.*`), libm, libpthread, libdl, librt, libutil,
  /// libresolv, libanl, libnsl.so.1, libmvec, libthread_db, libBrokenLocale, libc_malloc_debug and
  /// the libnss_* modules.
  public static func contains(_ name: String) -> Bool {
    let base = name.split(separator: "/").last.map(String.init) ?? name
    if names.contains(base) { return true }
    return base.hasPrefix("ld-linux") || base.hasPrefix("ld64.so.") || base.hasPrefix("libnss_")
  }

  /// Whether the loaded object is one of glibc's libraries (by soname, name or path, or being the
  /// program interpreter).
  public static func contains(_ object: LoadedObject) -> Bool {
    if object.via == .interpreter { return true }
    if let soname = object.soname { return contains(soname) }
    return contains(object.name) || object.path.map { contains($0) } == true
  }
}
