import ElfTool

/// JSON string quoting, for the few places that write JSON by hand.
public enum JSONWriter {
  /// `string` as a JSON string literal, quotes and escapes included.
  public static func quote(_ string: String) -> String {
    // Most strings (paths, symbol names) need no escaping: copy them whole.
    if !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
      return "\"" + string + "\""
    }
    var out = "\""
    out.reserveCapacity(string.utf8.count + 2)
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
    return out
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
  public func serialized() -> String {
    var out = ""
    write(into: &out)
    return out
  }

  private func write(into out: inout String) {
    switch self {
    case .string(let s): out += JSONWriter.quote(s)
    case .number(let n): out += String(n)
    case .bool(let b): out += b ? "true" : "false"
    case .null: out += "null"
    case .array(let items):
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += "," }
        item.write(into: &out)
      }
      out += "]"
    case .object(let fields):
      out += "{"
      for (i, (key, value)) in fields.enumerated() {
        if i > 0 { out += "," }
        out += JSONWriter.quote(key)
        out += ":"
        value.write(into: &out)
      }
      out += "}"
    }
  }
}
