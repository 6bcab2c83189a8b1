// Rust's legacy mangling: `_ZN` <length><identifier>… `E`, the last identifier a hash `h` + 16 hex
// digits, `$..$` escapes and `..` for `::` inside identifiers. A port of rustc-demangle's legacy.rs.

/// A legacy Rust name, checked: the identifiers' ranges in the symbol.
struct RustLegacy {
  /// The identifiers (without their lengths), in order; the last one is the hash.
  let elements: [Range<Int>]
  /// Just after the closing `E`.
  let end: Int

  /// Parses `_ZN…E` whose last identifier is `h` and 16 lowercase hex digits; nil otherwise
  /// (a C++ name, or not a well-formed one).
  init?(_ bytes: [UInt8]) {
    guard bytes.count > 4, bytes[0] == UInt8(ascii: "_"), bytes[1] == UInt8(ascii: "Z"), bytes[2] == UInt8(ascii: "N")
    else { return nil }
    var elements: [Range<Int>] = []
    var at = 3
    while true {
      guard at < bytes.count else { return nil }
      if bytes[at] == UInt8(ascii: "E") { break }
      // A decimal length, then that many bytes.
      guard isDigit(bytes[at]) else { return nil }
      var length = 0
      while at < bytes.count, isDigit(bytes[at]) {
        let (times, overflow1) = length.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times.addingReportingOverflow(Int(bytes[at] - UInt8(ascii: "0")))
        guard !overflow1, !overflow2 else { return nil }
        length = sum
        at += 1
      }
      guard length <= bytes.count - at else { return nil }
      elements.append(at..<(at + length))
      at += length
    }
    // rustc-demangle wants ASCII between `_ZN` and `E`.
    guard !bytes[3..<at].contains(where: { $0 >= 0x80 }) else { return nil }
    guard let last = elements.last, RustLegacy.isHash(bytes[last]) else { return nil }
    self.elements = elements
    self.end = at + 1
  }

  /// `h` and exactly 16 lowercase hex digits.
  static func isHash(_ element: ArraySlice<UInt8>) -> Bool {
    guard element.count == 17, element.first == UInt8(ascii: "h") else { return false }
    return element.dropFirst().allSatisfy { isDigit($0) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
  }

  /// The readable path, `::`-separated; the hash only when not `alternate`.
  func render(_ bytes: [UInt8], alternate: Bool) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    for (index, range) in elements.enumerated() {
      var rest = bytes[range]
      if alternate && index + 1 == elements.count { break }
      if index != 0 { out.append(contentsOf: "::".utf8) }
      if rest.starts(with: "_$".utf8) { rest = rest.dropFirst() }
      while let first = rest.first {
        if first == UInt8(ascii: ".") {
          if rest.dropFirst().first == UInt8(ascii: ".") {
            out.append(contentsOf: "::".utf8)
            rest = rest.dropFirst(2)
          } else {
            out.append(first)
            rest = rest.dropFirst()
          }
        } else if first == UInt8(ascii: "$") {
          guard let close = rest.dropFirst().firstIndex(of: UInt8(ascii: "$")),
            let text = RustLegacy.unescape(rest[(rest.startIndex + 1)..<close])
          else { break }
          out.append(contentsOf: text)
          rest = rest[(close + 1)...]
        } else {
          let stop = rest.firstIndex { $0 == UInt8(ascii: "$") || $0 == UInt8(ascii: ".") } ?? rest.endIndex
          out.append(contentsOf: rest[..<stop])
          rest = rest[stop...]
        }
      }
      // What could not be decoded is printed as it is (rustc-demangle does the same).
      out.append(contentsOf: rest)
    }
    return out
  }

  /// The text of one `$…$` escape (without the dollars), nil when unknown.
  static func unescape(_ escape: ArraySlice<UInt8>) -> [UInt8]? {
    switch String(decoding: escape, as: UTF8.self) {
    case "SP": return Array("@".utf8)
    case "BP": return Array("*".utf8)
    case "RF": return Array("&".utf8)
    case "LT": return Array("<".utf8)
    case "GT": return Array(">".utf8)
    case "LP": return Array("(".utf8)
    case "RP": return Array(")".utf8)
    case "C": return Array(",".utf8)
    default: break
    }
    // `u` and lowercase hex: a code point, unless a control character.
    guard escape.first == UInt8(ascii: "u"), escape.count > 1 else { return nil }
    var value: UInt32 = 0
    for byte in escape.dropFirst() {
      guard let digit = hexValue(byte), byte < UInt8(ascii: "A") || byte > UInt8(ascii: "F"), value < 0x1000_0000
      else { return nil }
      value = value << 4 | UInt32(digit)
    }
    guard Unicode.Scalar(value) != nil, !isControl(value) else { return nil }
    var text: [UInt8] = []
    appendUTF8(value, to: &text)
    return text
  }
}

@inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

/// The value of a hex digit, either case.
func hexValue(_ byte: UInt8) -> UInt8? {
  switch byte {
  case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
  case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
  case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
  default: return nil
  }
}

/// Unicode general category Cc.
func isControl(_ value: UInt32) -> Bool { value < 0x20 || (value >= 0x7f && value <= 0x9f) }

/// Appends the UTF-8 form of a Unicode scalar value (the caller checked it is one).
func appendUTF8(_ value: UInt32, to out: inout [UInt8]) {
  switch value {
  case 0..<0x80:
    out.append(UInt8(value))
  case 0x80..<0x800:
    out.append(0xc0 | UInt8(value >> 6))
    out.append(0x80 | UInt8(value & 0x3f))
  case 0x800..<0x10000:
    out.append(0xe0 | UInt8(value >> 12))
    out.append(0x80 | UInt8(value >> 6 & 0x3f))
    out.append(0x80 | UInt8(value & 0x3f))
  default:
    out.append(0xf0 | UInt8(value >> 18 & 0x07))
    out.append(0x80 | UInt8(value >> 12 & 0x3f))
    out.append(0x80 | UInt8(value >> 6 & 0x3f))
    out.append(0x80 | UInt8(value & 0x3f))
  }
}
