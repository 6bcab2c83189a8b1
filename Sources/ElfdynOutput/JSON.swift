import ElfTool

/// JSON string quoting, for the few places that write JSON by hand.
public enum JSONWriter {
  /// `string` as a JSON string literal, quotes and escapes included.
  public static func quote(_ string: String) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(string.utf8.count + 2)
    append(string, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// Appends `string` as a JSON string literal to `out`: its UTF-8 bytes (a Swift string is valid
  /// UTF-8) with `"`, `\` and the control characters escaped.
  static func append(_ string: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    var string = string
    string.withUTF8 { bytes in
      var start = 0
      for (index, byte) in bytes.enumerated()
      where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        start = index + 1
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
        case UInt8(ascii: "\n"): out.append(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): out.append(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): out.append(UInt8(ascii: "t"))
        default:
          let digits = Array("0123456789abcdef".utf8)
          out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
          out.append(digits[Int(byte >> 4)])
          out.append(digits[Int(byte & 0xf)])
        }
      }
      out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
    }
    out.append(UInt8(ascii: "\""))
  }
}

/// A JSON value built in memory, serialised with keys in insertion order (elfdyn's JSON output is a
/// contract, written field by field in a fixed order).
public indirect enum JSONValue: Sendable {
  case string(String)
  case number(Int)
  case bool(Bool)
  case null
  case array([JSONValue])
  case object([(String, JSONValue)])

  /// A string, or `null` when `value` is nil.
  public static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

  /// The fields that say an answer is incomplete, each only when it has entries:
  /// "missingLibraries": [{"name", "neededBy"}] and "unreadable": [{"path", "reason"}].
  static func incompleteness(missing: [MissingLibrary], unreadable: [UncheckedObject]) -> [(String, JSONValue)] {
    var fields: [(String, JSONValue)] = []
    if !missing.isEmpty {
      fields.append(
        (
          "missingLibraries",
          .array(missing.map { .object([("name", .string($0.name)), ("neededBy", .string($0.neededBy))]) })
        ))
    }
    if !unreadable.isEmpty {
      fields.append(
        (
          "unreadable",
          .array(unreadable.map { .object([("path", .string($0.path)), ("reason", .string($0.reason))]) })
        ))
    }
    return fields
  }

  /// Compact serialisation (one line).
  public func serialized() -> String { String(decoding: serializedBytes(), as: UTF8.self) }

  /// Compact serialisation (one line) as UTF-8 bytes, what is written to standard output.
  public func serializedBytes() -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(4096)
    write(into: &out)
    return out
  }

  private func write(into out: inout [UInt8]) {
    switch self {
    case .string(let s): JSONWriter.append(s, to: &out)
    case .number(let n): out.append(contentsOf: String(n).utf8)
    case .bool(let b): out.append(contentsOf: b ? "true".utf8 : "false".utf8)
    case .null: out.append(contentsOf: "null".utf8)
    case .array(let items):
      out.append(UInt8(ascii: "["))
      for (i, item) in items.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        item.write(into: &out)
      }
      out.append(UInt8(ascii: "]"))
    case .object(let fields):
      out.append(UInt8(ascii: "{"))
      for (i, (key, value)) in fields.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        JSONWriter.append(key, to: &out)
        out.append(UInt8(ascii: ":"))
        value.write(into: &out)
      }
      out.append(UInt8(ascii: "}"))
    }
  }
}
