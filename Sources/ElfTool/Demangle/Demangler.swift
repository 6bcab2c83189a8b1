// Symbol demangling for display: Rust (legacy and v0, as rustc-demangle prints them) in Swift,
// C++ through libstdc++'s demangler. Never traps: bad input gives nil or a partial text, recursion
// and output are bounded.

internal import CSystem

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Turns mangled symbol names into readable ones.
public enum Demangler {
  /// The most text one demangled name may produce; longer results are abandoned (nil).
  static let outputLimit = 1 << 16

  /// `symbol` (a bare name, without `@VERSION`) demangled, or nil when it is not a mangled name or
  /// cannot be demangled. Rust names come out as rustc-demangle's alternate form (`{:#}`): no
  /// legacy hash, no crate disambiguators, and like it a v0 name that passes the syntax check but
  /// goes wrong while printing keeps `{invalid syntax}` or `{recursion limit reached}` in the text.
  /// C++ names come out as `__cxa_demangle` prints them.
  public static func demangle(_ symbol: String) -> String? {
    demangle(symbol, keepHash: false)
  }

  /// `demangle(_:)`, with `keepHash` selecting rustc-demangle's full form (`{}`) for Rust: the
  /// legacy `::h…` hash, v0 crate disambiguators (`std[1a2b…]`) and typed v0 constants (`3usize`).
  /// C++ is the same either way.
  public static func demangle(_ symbol: String, keepHash: Bool) -> String? {
    var bytes = Array(symbol.utf8)
    guard bytes.count > 2, bytes[0] == UInt8(ascii: "_") else { return nil }
    let second = bytes[1]
    guard second == UInt8(ascii: "Z") || second == UInt8(ascii: "R") else { return nil }
    if let text = demangleRust(&bytes, alternate: !keepHash) {
      return text.isEmpty ? nil : String(decoding: text, as: UTF8.self)
    }
    guard second == UInt8(ascii: "Z") else { return nil }
    return demangleCxx(symbol)
  }

  /// Rust, legacy or v0, as rustc-demangle's `demangle`: a ThinLTO `.llvm.<hex>` ending is dropped
  /// and any other `.`-suffix kept verbatim; nil when `bytes` is not a Rust name.
  static func demangleRust(_ bytes: inout [UInt8], alternate: Bool) -> [UInt8]? {
    stripLLVMSuffix(&bytes)
    if let legacy = RustLegacy(bytes) {
      guard let suffix = acceptableSuffix(bytes, from: legacy.end) else { return nil }
      var out = legacy.render(bytes, alternate: alternate)
      guard out.count + suffix.count <= outputLimit else { return nil }
      out.append(contentsOf: suffix)
      return out
    }
    guard bytes.count > 2, bytes[0] == UInt8(ascii: "_"), bytes[1] == UInt8(ascii: "R") else { return nil }
    return RustV0.demangle(Array(bytes[2...]), alternate: alternate, limit: outputLimit)
  }

  /// Cuts `.llvm.` and what follows when that is only `[0-9A-F@]` (rustc-demangle's rule).
  static func stripLLVMSuffix(_ bytes: inout [UInt8]) {
    let marker = Array(".llvm.".utf8)
    guard bytes.count >= marker.count else { return }
    for start in 0...(bytes.count - marker.count) where bytes[start] == UInt8(ascii: ".") {
      guard bytes[start..<(start + marker.count)].elementsEqual(marker) else { continue }
      let allHex = bytes[(start + marker.count)...].allSatisfy { byte in
        isDigit(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F")) || byte == UInt8(ascii: "@")
      }
      if allHex { bytes.removeSubrange(start...) }
      return
    }
  }

  /// What follows a Rust name: nothing, or a `.` and ASCII letters, digits and punctuation (kept in
  /// the output); nil for anything else (then it is not a Rust name).
  static func acceptableSuffix(_ bytes: [UInt8], from start: Int) -> ArraySlice<UInt8>? {
    guard start < bytes.count else { return [] }
    let suffix = bytes[start...]
    guard suffix.first == UInt8(ascii: "."), suffix.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return nil }
    return suffix
  }

  /// C++ through libstdc++'s demangler, bounded by `outputLimit`.
  static func demangleCxx(_ symbol: String) -> String? {
    guard let text = elfdyn_cxx_demangle(symbol, outputLimit) else { return nil }
    defer { free(text) }
    return String(cString: text)
  }

  /// `__cxa_demangle` itself, unbounded: only for tests that check `demangleCxx` against it.
  static func cxaDemangle(_ symbol: String) -> String? {
    guard let text = elfdyn_cxa_demangle(symbol) else { return nil }
    defer { free(text) }
    return String(cString: text)
  }
}
