/// How much a program needs a library it loads with dlopen(), as `.note.dlopen` says.
public enum DlopenPriority: String, Sendable, Equatable, Comparable, CaseIterable {
  /// The program does not work without it.
  case required
  /// Important features need it (the specification's default when no priority is given).
  case recommended
  /// An optional extra.
  case suggested

  /// Rank: required < recommended < suggested (most needed first).
  private var rank: Int {
    switch self {
    case .required: 0
    case .recommended: 1
    case .suggested: 2
    }
  }

  /// Whether `lhs` is needed more than `rhs`.
  public static func < (lhs: DlopenPriority, rhs: DlopenPriority) -> Bool { lhs.rank < rhs.rank }
}

/// One library a file declares that it loads with dlopen(): one entry of the JSON array of a
/// `.note.dlopen` note.
public struct DlopenDependency: Sendable, Equatable {
  /// The names it passes to dlopen(), alternatives in order of preference (the first one found is
  /// loaded).
  public var sonames: [String]
  /// A short name for what it provides ("XKB", "PCRE2").
  public var feature: String?
  /// What it is used for, in a sentence.
  public var description: String?
  /// How much it is needed.
  public var priority: DlopenPriority

  /// A dependency on the first of `sonames` that can be found.
  public init(sonames: [String], feature: String? = nil, description: String? = nil, priority: DlopenPriority) {
    self.sonames = sonames
    self.feature = feature
    self.description = description
    self.priority = priority
  }
}

/// What a file's `.note.dlopen` notes declare, and what is wrong with them.
public struct DlopenMetadata: Sendable, Equatable {
  /// Every usable entry, in note order.
  public var dependencies: [DlopenDependency] = []
  /// A sentence per malformed note or entry (without the file name).
  public var problems: [String] = []

  /// Nothing declared, nothing wrong.
  public init() {}

  /// The entries of one note descriptor: a NUL-terminated (and NUL-padded) JSON array of objects
  /// with `soname` (an array of strings, or a string in older texts of the specification),
  /// `feature`, `description` and `priority`; a single object instead of the array is accepted
  /// too. Unknown members are ignored, as the specification asks.
  public static func parse(descriptor: [UInt8]) -> DlopenMetadata {
    var result = DlopenMetadata()
    let text = descriptor.prefix { $0 != 0 }
    guard text.count < descriptor.count else {
      result.problems.append("a .note.dlopen descriptor is not NUL-terminated (the note is cut off)")
      return result
    }
    let value: MiniJSON.Value
    do {
      value = try MiniJSON.parse(Array(text))
    } catch {
      result.problems.append("a .note.dlopen descriptor is not valid JSON: \(error.message)")
      return result
    }
    let entries: [MiniJSON.Value]
    switch value {
    case .array(let items): entries = items
    case .object: entries = [value]
    default:
      result.problems.append("a .note.dlopen descriptor is not a JSON array of objects")
      return result
    }
    for (number, entry) in entries.enumerated() {
      guard case .object(let members) = entry else {
        result.problems.append("entry \(number + 1) of a .note.dlopen descriptor is not a JSON object")
        continue
      }
      func member(_ name: String) -> MiniJSON.Value? { members.first { $0.0 == name }?.1 }
      var sonames: [String] = []
      switch member("soname") {
      case .string(let name): sonames = [name]
      case .array(let items):
        for case .string(let name) in items { sonames.append(name) }
        if sonames.count != items.count { sonames = [] }
      default: break
      }
      sonames = sonames.filter { !$0.isEmpty }
      guard !sonames.isEmpty else {
        result.problems.append(
          "entry \(number + 1) of a .note.dlopen descriptor has no \"soname\" (a non-empty string or array of strings)")
        continue
      }
      var priority = DlopenPriority.recommended
      switch member("priority") {
      case nil: break
      case .string(let text)?:
        if let known = DlopenPriority(rawValue: text) {
          priority = known
        } else {
          result.problems.append(
            "entry \(number + 1) of a .note.dlopen descriptor has priority \"\(text)\", taken as \"recommended\"")
        }
      default:
        result.problems.append(
          "entry \(number + 1) of a .note.dlopen descriptor has a priority that is not a string, taken as \"recommended\""
        )
      }
      func text(_ name: String) -> String? {
        if case .string(let value)? = member(name) { return value }
        return nil
      }
      result.dependencies.append(
        DlopenDependency(
          sonames: sonames, feature: text("feature"), description: text("description"), priority: priority))
    }
    return result
  }
}

/// A strict, minimal JSON parser (RFC 8259) for note descriptors: ElfTool does not use Foundation.
/// Numbers are kept as their text; nesting is limited so that hostile input cannot exhaust the stack.
enum MiniJSON {
  /// A parsed JSON value; object members keep their order (duplicates too).
  indirect enum Value: Equatable {
    case object([(String, Value)])
    case array([Value])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: Value, rhs: Value) -> Bool {
      switch (lhs, rhs) {
      case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
      case (.array(let a), .array(let b)): a == b
      case (.string(let a), .string(let b)): a == b
      case (.number(let a), .number(let b)): a == b
      case (.bool(let a), .bool(let b)): a == b
      case (.null, .null): true
      default: false
      }
    }
  }

  /// Why a text is not JSON, with the byte offset.
  struct ParseError: Error {
    var message: String
  }

  /// How deep arrays and objects may nest.
  static let maximumDepth = 64

  /// Parses one JSON value that makes up all of `bytes` (whitespace around it allowed).
  static func parse(_ bytes: [UInt8]) throws(ParseError) -> Value {
    var parser = Parser(bytes: bytes)
    parser.skipWhitespace()
    let value = try parser.value(depth: 0)
    parser.skipWhitespace()
    guard parser.at == bytes.count else { throw parser.error("unexpected text after the JSON value") }
    return value
  }

  private struct Parser {
    let bytes: [UInt8]
    var at = 0

    func error(_ message: String) -> ParseError { ParseError(message: "\(message) at byte \(at)") }

    var current: UInt8? { at < bytes.count ? bytes[at] : nil }

    mutating func skipWhitespace() {
      while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d { at += 1 }
    }

    mutating func expect(_ byte: UInt8) throws(ParseError) {
      guard current == byte else {
        throw error(current == nil ? "unexpected end of the text" : "expected '\(Character(Unicode.Scalar(byte)))'")
      }
      at += 1
    }

    mutating func value(depth: Int) throws(ParseError) -> Value {
      guard let byte = current else { throw error("unexpected end of the text") }
      switch byte {
      case UInt8(ascii: "{"):
        guard depth < MiniJSON.maximumDepth else { throw error("nested too deeply") }
        at += 1
        var members: [(String, Value)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") {
          at += 1
          return .object(members)
        }
        while true {
          skipWhitespace()
          guard current == UInt8(ascii: "\"") else { throw error("expected a member name") }
          let name = try string()
          skipWhitespace()
          try expect(UInt8(ascii: ":"))
          skipWhitespace()
          members.append((name, try value(depth: depth + 1)))
          skipWhitespace()
          if current == UInt8(ascii: ",") {
            at += 1
            continue
          }
          try expect(UInt8(ascii: "}"))
          return .object(members)
        }
      case UInt8(ascii: "["):
        guard depth < MiniJSON.maximumDepth else { throw error("nested too deeply") }
        at += 1
        var items: [Value] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
          at += 1
          return .array(items)
        }
        while true {
          skipWhitespace()
          items.append(try value(depth: depth + 1))
          skipWhitespace()
          if current == UInt8(ascii: ",") {
            at += 1
            continue
          }
          try expect(UInt8(ascii: "]"))
          return .array(items)
        }
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"):
        try literal("true")
        return .bool(true)
      case UInt8(ascii: "f"):
        try literal("false")
        return .bool(false)
      case UInt8(ascii: "n"):
        try literal("null")
        return .null
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
      default: throw error("unexpected character")
      }
    }

    mutating func literal(_ word: String) throws(ParseError) {
      for expected in word.utf8 {
        guard current == expected else { throw error("invalid literal") }
        at += 1
      }
    }

    mutating func digits() -> Int {
      let start = at
      while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { at += 1 }
      return at - start
    }

    mutating func number() throws(ParseError) -> String {
      let start = at
      if current == UInt8(ascii: "-") { at += 1 }
      if current == UInt8(ascii: "0") {
        at += 1
      } else {
        guard digits() > 0 else { throw error("invalid number") }
      }
      if current == UInt8(ascii: ".") {
        at += 1
        guard digits() > 0 else { throw error("invalid number") }
      }
      if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
        at += 1
        if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { at += 1 }
        guard digits() > 0 else { throw error("invalid number") }
      }
      return String(decoding: bytes[start..<at], as: UTF8.self)
    }

    mutating func hex4() throws(ParseError) -> UInt32 {
      var value: UInt32 = 0
      for _ in 0..<4 {
        guard let byte = current else { throw error("unexpected end of the text") }
        let digit: UInt32
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A")) + 10
        default: throw error("invalid \\u escape")
        }
        value = value << 4 | digit
        at += 1
      }
      return value
    }

    /// A string starting at the opening quote; the text must be valid UTF-8.
    mutating func string() throws(ParseError) -> String {
      try expect(UInt8(ascii: "\""))
      var out: [UInt8] = []
      while true {
        guard let byte = current else { throw error("unterminated string") }
        at += 1
        switch byte {
        case UInt8(ascii: "\""):
          guard let text = String(validating: out, as: UTF8.self) else { throw error("a string is not valid UTF-8") }
          return text
        case UInt8(ascii: "\\"):
          guard let escape = current else { throw error("unterminated string") }
          at += 1
          switch escape {
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
          case UInt8(ascii: "b"): out.append(0x08)
          case UInt8(ascii: "f"): out.append(0x0c)
          case UInt8(ascii: "n"): out.append(0x0a)
          case UInt8(ascii: "r"): out.append(0x0d)
          case UInt8(ascii: "t"): out.append(0x09)
          case UInt8(ascii: "u"):
            var scalar = try hex4()
            if scalar >= 0xd800 && scalar < 0xdc00 {
              guard current == UInt8(ascii: "\\") else { throw error("unpaired surrogate") }
              at += 1
              try expect(UInt8(ascii: "u"))
              let low = try hex4()
              guard low >= 0xdc00 && low < 0xe000 else { throw error("unpaired surrogate") }
              scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("unpaired surrogate") }
            out.append(contentsOf: String(Character(unicode)).utf8)
          default: throw error("invalid escape")
          }
        case 0..<0x20: throw error("a control character in a string")
        default: out.append(byte)
        }
      }
    }
  }
}

/// Which declared dlopen dependencies set-rpath and bundle take into account (`--dlopen`).
public enum DlopenSelection: String, Sendable, Equatable, CaseIterable {
  /// None: only DT_NEEDED counts.
  case none
  /// Only `required` ones.
  case required
  /// `required` and `recommended` ones (the default).
  case recommended
  /// Every one, `suggested` included.
  case all

  /// Whether a dependency of this priority is taken into account.
  public func includes(_ priority: DlopenPriority) -> Bool {
    switch self {
    case .none: false
    case .required: priority == .required
    case .recommended: priority <= .recommended
    case .all: true
    }
  }
}
