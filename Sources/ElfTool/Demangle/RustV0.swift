// Rust's v0 mangling (RFC 2603), `_R` <path> [<instantiating-crate>] [.<vendor suffix>]: a port of
// rustc-demangle's v0.rs, with the same output, errors shown inside the text
// (`{invalid syntax}`, `{recursion limit reached}`, then `?`) and the same depth limit.

enum RustV0 {
  /// Nesting allowed for paths, types, constants and backrefs together (rustc-demangle's).
  static let maxDepth = 500

  /// The demangled text of `inner` (the symbol after `_R`), nil when it is not a valid v0 name or
  /// the text would exceed `limit` bytes.
  static func demangle(_ inner: [UInt8], alternate: Bool, limit: Int) -> [UInt8]? {
    guard let first = inner.first, first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") else { return nil }
    guard !inner.contains(where: { $0 >= 0x80 }) else { return nil }
    // Check the whole path first, without printing (backrefs are not followed).
    var check = Printer(sym: inner, printing: false, alternate: alternate, limit: limit)
    check.printPath(inValue: false)
    guard var cursor = check.parser else { return nil }
    // The instantiating crate, not printed.
    if let next = cursor.peek(), next >= UInt8(ascii: "A"), next <= UInt8(ascii: "Z") {
      check.printPath(inValue: false)
      guard let after = check.parser else { return nil }
      cursor = after
    }
    guard let suffix = Demangler.acceptableSuffix(inner, from: cursor.next) else { return nil }
    var printer = Printer(sym: inner, printing: true, alternate: alternate, limit: limit)
    printer.printPath(inValue: true)
    printer.print(suffix)
    guard !printer.overflowed else { return nil }
    return printer.out
  }

  enum ParseError: Error {
    case invalid, recursedTooDeep

    /// What the text shows where the error was found.
    var message: String {
      switch self {
      case .invalid: return "{invalid syntax}"
      case .recursedTooDeep: return "{recursion limit reached}"
      }
    }
  }

  /// An identifier: its ASCII part and its Punycode insertions (`u` identifiers).
  struct Ident {
    var ascii: ArraySlice<UInt8>
    var punycode: ArraySlice<UInt8>
    var isEmpty: Bool { ascii.isEmpty && punycode.isEmpty }
  }

  /// The parsing position in the symbol, and the current nesting depth.
  struct Cursor {
    let sym: [UInt8]
    var next: Int
    var depth: Int

    mutating func pushDepth() throws(ParseError) {
      depth += 1
      if depth > RustV0.maxDepth { throw .recursedTooDeep }
    }

    mutating func popDepth() { depth -= 1 }

    func peek() -> UInt8? { next < sym.count ? sym[next] : nil }

    mutating func eat(_ byte: UInt8) -> Bool {
      guard peek() == byte else { return false }
      next += 1
      return true
    }

    mutating func nextByte() throws(ParseError) -> UInt8 {
      guard let byte = peek() else { throw .invalid }
      next += 1
      return byte
    }

    /// Lowercase hex digits up to `_` (not included).
    mutating func hexNibbles() throws(ParseError) -> ArraySlice<UInt8> {
      let start = next
      while true {
        let byte = try nextByte()
        if byte == UInt8(ascii: "_") { break }
        guard isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) else { throw .invalid }
      }
      return sym[start..<(next - 1)]
    }

    mutating func digit10() throws(ParseError) -> Int {
      guard let byte = peek(), isDigit(byte) else { throw .invalid }
      next += 1
      return Int(byte - UInt8(ascii: "0"))
    }

    mutating func digit62() throws(ParseError) -> UInt64 {
      guard let byte = peek() else { throw .invalid }
      let value: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "z"): value = 10 + byte - UInt8(ascii: "a")
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = 36 + byte - UInt8(ascii: "A")
      default: throw .invalid
      }
      next += 1
      return UInt64(value)
    }

    /// `_` is 0, `<base 62 digits>_` their value plus 1.
    mutating func integer62() throws(ParseError) -> UInt64 {
      if eat(UInt8(ascii: "_")) { return 0 }
      var value: UInt64 = 0
      while !eat(UInt8(ascii: "_")) {
        let digit = try digit62()
        let (times, overflow1) = value.multipliedReportingOverflow(by: 62)
        let (sum, overflow2) = times.addingReportingOverflow(digit)
        guard !overflow1, !overflow2 else { throw .invalid }
        value = sum
      }
      let (result, overflow) = value.addingReportingOverflow(1)
      guard !overflow else { throw .invalid }
      return result
    }

    /// 0 without `tag`, else 1 + the integer that follows.
    mutating func optInteger62(_ tag: UInt8) throws(ParseError) -> UInt64 {
      guard eat(tag) else { return 0 }
      let (result, overflow) = try integer62().addingReportingOverflow(1)
      guard !overflow else { throw .invalid }
      return result
    }

    mutating func disambiguator() throws(ParseError) -> UInt64 { try optInteger62(UInt8(ascii: "s")) }

    /// An uppercase namespace (closure, shim…) is returned, a lowercase one is nil.
    mutating func namespace() throws(ParseError) -> UInt8? {
      let byte = try nextByte()
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte
      case UInt8(ascii: "a")...UInt8(ascii: "z"): return nil
      default: throw .invalid
      }
    }

    /// The cursor for a backref (its `B` just read): an earlier position, one level deeper.
    mutating func backref() throws(ParseError) -> Cursor {
      let tagPosition = next - 1
      let target = try integer62()
      guard target < UInt64(tagPosition) else { throw .invalid }
      var cursor = Cursor(sym: sym, next: Int(target), depth: depth)
      try cursor.pushDepth()
      return cursor
    }

    mutating func ident() throws(ParseError) -> Ident {
      let isPunycode = eat(UInt8(ascii: "u"))
      var length = try digit10()
      if length != 0 {
        while let byte = peek(), isDigit(byte) {
          next += 1
          let (times, overflow1) = length.multipliedReportingOverflow(by: 10)
          let (sum, overflow2) = times.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
          guard !overflow1, !overflow2 else { throw .invalid }
          length = sum
        }
      }
      _ = eat(UInt8(ascii: "_"))
      let start = next
      guard length <= sym.count - start else { throw .invalid }
      next = start + length
      let text = sym[start..<next]
      guard isPunycode else { return Ident(ascii: text, punycode: []) }
      let ident: Ident
      if let underscore = text.lastIndex(of: UInt8(ascii: "_")) {
        ident = Ident(ascii: text[..<underscore], punycode: text[(underscore + 1)...])
      } else {
        ident = Ident(ascii: [], punycode: text)
      }
      guard !ident.punycode.isEmpty else { throw .invalid }
      return ident
    }
  }

  /// Prints while parsing. `parser` is nil once an error was found: everything after it prints as
  /// `?`. With `printing` false it only checks the syntax (rustc-demangle's "skipping printing").
  struct Printer {
    var parser: Cursor?
    var printing: Bool
    let alternate: Bool
    let limit: Int
    var out: [UInt8] = []
    var overflowed = false
    /// Lifetimes bound by `for<…>` binders around the current entity.
    var boundLifetimeDepth = 0

    init(sym: [UInt8], printing: Bool, alternate: Bool, limit: Int) {
      parser = Cursor(sym: sym, next: 0, depth: 0)
      self.printing = printing
      self.alternate = alternate
      self.limit = limit
    }

    // MARK: Output

    mutating func print<S: Sequence<UInt8>>(_ bytes: S) {
      guard printing, !overflowed else { return }
      out.append(contentsOf: bytes)
      if out.count > limit {
        overflowed = true
        out.removeAll()
      }
    }

    mutating func print(_ text: StaticString) {
      text.withUTF8Buffer { print($0) }
    }

    mutating func print(decimal value: UInt64) { print(String(value).utf8) }

    mutating func print(_ ident: Ident) {
      guard printing, !overflowed else { return }
      if ident.punycode.isEmpty {
        print(ident.ascii)
      } else if let scalars = RustV0.punycodeDecode(ident) {
        var text: [UInt8] = []
        for scalar in scalars { appendUTF8(scalar, to: &text) }
        print(text)
      } else {
        print("punycode{")
        if !ident.ascii.isEmpty {
          print(ident.ascii)
          print("-")
        }
        print(ident.punycode)
        print("}")
      }
    }

    /// `quote`, the characters escaped as Rust's `char::escape_debug` does (for ASCII and C1
    /// controls; other code points print as they are), `quote`.
    mutating func printQuoted(_ quote: UInt8, _ scalars: [UInt32]) {
      var text: [UInt8] = [quote]
      for scalar in scalars {
        switch scalar {
        case 0: text += Array(#"\0"#.utf8)
        case 0x09: text += Array(#"\t"#.utf8)
        case 0x0a: text += Array(#"\n"#.utf8)
        case 0x0d: text += Array(#"\r"#.utf8)
        case 0x5c: text += Array(#"\\"#.utf8)
        case 0x22, 0x27:
          if scalar == UInt32(quote) { text.append(0x5c) }
          text.append(UInt8(scalar))
        default:
          if isControl(scalar) {
            text += Array(#"\u{"#.utf8) + Array(String(scalar, radix: 16).utf8) + [UInt8(ascii: "}")]
          } else {
            appendUTF8(scalar, to: &text)
          }
        }
      }
      text.append(quote)
      print(text)
    }

    // MARK: Parsing steps (rustc-demangle's `parse!`)

    /// Runs a parsing step; on an error prints its message and stops parsing. Once stopped, a
    /// step prints `?` and gives nil.
    mutating func parse<T>(_ step: (inout Cursor) throws -> T) -> T? {
      guard var cursor = parser else {
        print("?")
        return nil
      }
      do {
        let value = try step(&cursor)
        parser = cursor
        return value
      } catch {
        // Cursor's steps only throw ParseError.
        let error = error as? ParseError ?? .invalid
        print(error.message.utf8)
        parser = nil
        return nil
      }
    }

    /// Marks the syntax invalid (rustc-demangle's `invalid!`).
    mutating func invalid() {
      print(ParseError.invalid.message.utf8)
      parser = nil
    }

    mutating func eat(_ byte: UInt8) -> Bool { parser?.eat(byte) ?? false }

    mutating func popDepth() { parser?.popDepth() }

    /// Prints a backref's target with `body`; only parses the reference when not printing.
    mutating func printBackref(_ body: (inout Printer) -> Void) {
      guard let target = parse({ try $0.backref() }) else { return }
      guard printing, !overflowed else { return }
      let saved = parser
      parser = target
      body(&self)
      parser = saved
    }

    mutating func printLifetime(_ index: UInt64) {
      guard printing else { return }
      print("'")
      if index == 0 {
        print("_")
        return
      }
      let bound = UInt64(boundLifetimeDepth)
      guard index <= bound else { return invalid() }
      let depth = bound - index
      if depth < 26 {
        print(CollectionOfOne(UInt8(ascii: "a") + UInt8(depth)))
      } else {
        print("_")
        print(decimal: depth)
      }
    }

    /// An optional `G` binder: prints `for<'a, …> ` and makes those lifetimes visible to `body`.
    mutating func inBinder(_ body: (inout Printer) -> Void) {
      guard let count = parse({ try $0.optInteger62(UInt8(ascii: "G")) })
      else { return }
      guard printing else { return body(&self) }
      // A binder cannot bind more lifetimes than there are characters in the symbol.
      guard count <= UInt64(parser?.sym.count ?? 0) else { return invalid() }
      if count > 0 {
        print("for<")
        for i in 0..<count {
          if i > 0 { print(", ") }
          boundLifetimeDepth += 1
          printLifetime(1)
        }
        print("> ")
      }
      body(&self)
      boundLifetimeDepth -= Int(count)
    }

    /// Elements with `body` and `separator` up to `E` (or an error); how many there were.
    @discardableResult
    mutating func printList(separator: StaticString, _ body: (inout Printer) -> Void) -> Int {
      var count = 0
      while parser != nil, !eat(UInt8(ascii: "E")) {
        if overflowed { return count }
        if count > 0 { print(separator) }
        body(&self)
        count += 1
      }
      return count
    }

    // MARK: Grammar

    mutating func printPath(inValue: Bool) {
      guard parse({ try $0.pushDepth() }) != nil else { return }
      guard let tag = parse({ try $0.nextByte() }) else { return }
      switch tag {
      case UInt8(ascii: "C"):
        guard let dis = parse({ try $0.disambiguator() }),
          let name = parse({ try $0.ident() })
        else { return }
        print(name)
        if !alternate && dis != 0 {
          print("[")
          print(String(dis, radix: 16).utf8)
          print("]")
        }
      case UInt8(ascii: "N"):
        guard let ns = parse({ try $0.namespace() }) else { return }
        printPath(inValue: inValue)
        if parser == nil { print("::") }
        guard let dis = parse({ try $0.disambiguator() }),
          let name = parse({ try $0.ident() })
        else { return }
        if let ns {
          print("::{")
          switch ns {
          case UInt8(ascii: "C"): print("closure")
          case UInt8(ascii: "S"): print("shim")
          default: print(CollectionOfOne(ns))
          }
          if !name.isEmpty {
            print(":")
            print(name)
          }
          print("#")
          print(decimal: dis)
          print("}")
        } else if !name.isEmpty {
          print("::")
          print(name)
        }
      case UInt8(ascii: "M"), UInt8(ascii: "X"), UInt8(ascii: "Y"):
        if tag != UInt8(ascii: "Y") {
          // The impl's own path is not printed.
          guard parse({ try $0.disambiguator() }) != nil else { return }
          let wasPrinting = printing
          printing = false
          printPath(inValue: false)
          printing = wasPrinting
        }
        print("<")
        printType()
        if tag != UInt8(ascii: "M") {
          print(" as ")
          printPath(inValue: false)
        }
        print(">")
      case UInt8(ascii: "I"):
        printPath(inValue: inValue)
        if inValue { print("::") }
        print("<")
        printList(separator: ", ") { $0.printGenericArg() }
        print(">")
      case UInt8(ascii: "B"):
        printBackref { $0.printPath(inValue: inValue) }
      default:
        return invalid()
      }
      popDepth()
    }

    mutating func printGenericArg() {
      if eat(UInt8(ascii: "L")) {
        guard let index = parse({ try $0.integer62() }) else { return }
        printLifetime(index)
      } else if eat(UInt8(ascii: "K")) {
        printConst(inValue: false)
      } else {
        printType()
      }
    }

    mutating func printType() {
      guard let tag = parse({ try $0.nextByte() }) else { return }
      if let basic = RustV0.basicType(tag) { return print(basic) }
      guard parse({ try $0.pushDepth() }) != nil else { return }
      switch tag {
      case UInt8(ascii: "R"), UInt8(ascii: "Q"):
        print("&")
        if eat(UInt8(ascii: "L")) {
          guard let index = parse({ try $0.integer62() }) else { return }
          if index != 0 {
            printLifetime(index)
            print(" ")
          }
        }
        if tag != UInt8(ascii: "R") { print("mut ") }
        printType()
      case UInt8(ascii: "P"), UInt8(ascii: "O"):
        print(tag == UInt8(ascii: "P") ? "*const " : "*mut ")
        printType()
      case UInt8(ascii: "A"), UInt8(ascii: "S"):
        print("[")
        printType()
        if tag == UInt8(ascii: "A") {
          print("; ")
          printConst(inValue: true)
        }
        print("]")
      case UInt8(ascii: "T"):
        print("(")
        let count = printList(separator: ", ") { $0.printType() }
        if count == 1 { print(",") }
        print(")")
      case UInt8(ascii: "F"):
        inBinder { $0.printFnSignature() }
      case UInt8(ascii: "D"):
        print("dyn ")
        inBinder { $0.printList(separator: " + ") { $0.printDynTrait() } }
        guard eat(UInt8(ascii: "L")) else { return invalid() }
        guard let index = parse({ try $0.integer62() }) else { return }
        if index != 0 {
          print(" + ")
          printLifetime(index)
        }
      case UInt8(ascii: "B"):
        printBackref { $0.printType() }
      default:
        // A path: give the tag back so that printPath sees it.
        parser?.next -= 1
        printPath(inValue: false)
      }
      popDepth()
    }

    /// After `F` and its binder: `unsafe extern "abi" fn(…) -> …`.
    mutating func printFnSignature() {
      let isUnsafe = eat(UInt8(ascii: "U"))
      var abi: ArraySlice<UInt8>?
      if eat(UInt8(ascii: "K")) {
        if eat(UInt8(ascii: "C")) {
          abi = ArraySlice("C".utf8)
        } else {
          guard let name = parse({ try $0.ident() }) else { return }
          guard !name.ascii.isEmpty, name.punycode.isEmpty else { return invalid() }
          abi = name.ascii
        }
      }
      if isUnsafe { print("unsafe ") }
      if let abi {
        // `-` in ABI names was mangled as `_`.
        print("extern \"")
        print(abi.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: "-") : $0 })
        print("\" ")
      }
      print("fn(")
      printList(separator: ", ") { $0.printType() }
      print(")")
      if !eat(UInt8(ascii: "u")) {
        print(" -> ")
        printType()
      }
    }

    /// A path whose generic arguments are left open (no `>`) for associated type bindings;
    /// whether it did so.
    mutating func printPathMaybeOpenGenerics() -> Bool {
      if eat(UInt8(ascii: "B")) {
        var open = false
        printBackref { open = $0.printPathMaybeOpenGenerics() }
        return open
      } else if eat(UInt8(ascii: "I")) {
        printPath(inValue: false)
        print("<")
        printList(separator: ", ") { $0.printGenericArg() }
        return true
      } else {
        printPath(inValue: false)
        return false
      }
    }

    /// One trait of a `dyn`, with its `Name = Type` bindings.
    mutating func printDynTrait() {
      var open = printPathMaybeOpenGenerics()
      while eat(UInt8(ascii: "p")) {
        print(open ? ", " : "<")
        open = true
        guard let name = parse({ try $0.ident() }) else { return }
        print(name)
        print(" = ")
        printType()
      }
      if open { print(">") }
    }

    mutating func printConst(inValue: Bool) {
      guard let tag = parse({ try $0.nextByte() }) else { return }
      guard parse({ try $0.pushDepth() }) != nil else { return }
      // Anything but a literal needs braces in generic argument position.
      var openedBrace = false
      func openBrace(_ printer: inout Printer) {
        if inValue { return }
        openedBrace = true
        printer.print("{")
      }
      switch tag {
      case UInt8(ascii: "p"):
        print("_")
      // Unsigned integers (u8 u16 u32 u64 u128 usize), then signed ones.
      case UInt8(ascii: "h"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "y"), UInt8(ascii: "o"),
        UInt8(ascii: "j"):
        printConstUInt(tag)
      case UInt8(ascii: "a"), UInt8(ascii: "s"), UInt8(ascii: "l"), UInt8(ascii: "x"), UInt8(ascii: "n"),
        UInt8(ascii: "i"):
        if eat(UInt8(ascii: "n")) { print("-") }
        printConstUInt(tag)
      case UInt8(ascii: "b"):
        guard let nibbles = parse({ try $0.hexNibbles() }) else { return }
        switch RustV0.parseUInt(nibbles) {
        case 0: print("false")
        case 1: print("true")
        default: return invalid()
        }
      case UInt8(ascii: "c"):
        guard let nibbles = parse({ try $0.hexNibbles() }) else { return }
        guard let value = RustV0.parseUInt(nibbles), value <= UInt64(UInt32.max), Unicode.Scalar(UInt32(value)) != nil
        else { return invalid() }
        printQuoted(UInt8(ascii: "'"), [UInt32(value)])
      case UInt8(ascii: "e"):
        // A `str` value: `*"…"`.
        openBrace(&self)
        print("*")
        printConstStr()
      case UInt8(ascii: "R"), UInt8(ascii: "Q"):
        if tag == UInt8(ascii: "R") && eat(UInt8(ascii: "e")) {
          printConstStr()
        } else {
          openBrace(&self)
          print(tag == UInt8(ascii: "R") ? "&" : "&mut ")
          printConst(inValue: true)
        }
      case UInt8(ascii: "A"):
        openBrace(&self)
        print("[")
        printList(separator: ", ") { $0.printConst(inValue: true) }
        print("]")
      case UInt8(ascii: "T"):
        openBrace(&self)
        print("(")
        let count = printList(separator: ", ") { $0.printConst(inValue: true) }
        if count == 1 { print(",") }
        print(")")
      case UInt8(ascii: "V"):
        openBrace(&self)
        printPath(inValue: true)
        guard let kind = parse({ try $0.nextByte() }) else { return }
        switch kind {
        case UInt8(ascii: "U"):
          break
        case UInt8(ascii: "T"):
          print("(")
          printList(separator: ", ") { $0.printConst(inValue: true) }
          print(")")
        case UInt8(ascii: "S"):
          print(" { ")
          printList(separator: ", ") { printer in
            guard printer.parse({ try $0.disambiguator() }) != nil,
              let name = printer.parse({ try $0.ident() })
            else { return }
            printer.print(name)
            printer.print(": ")
            printer.printConst(inValue: true)
          }
          print(" }")
        default:
          return invalid()
        }
      case UInt8(ascii: "B"):
        printBackref { $0.printConst(inValue: inValue) }
      default:
        return invalid()
      }
      if openedBrace { print("}") }
      popDepth()
    }

    mutating func printConstUInt(_ typeTag: UInt8) {
      guard let nibbles = parse({ try $0.hexNibbles() }) else { return }
      if let value = RustV0.parseUInt(nibbles) {
        print(decimal: value)
      } else {
        print("0x")
        print(nibbles)
      }
      if !alternate, let type = RustV0.basicType(typeTag) { print(type) }
    }

    mutating func printConstStr() {
      guard let nibbles = parse({ try $0.hexNibbles() }) else { return }
      guard let scalars = RustV0.parseUTF8(nibbles) else { return invalid() }
      printQuoted(UInt8(ascii: "\""), scalars)
    }
  }

  static func basicType(_ tag: UInt8) -> StaticString? {
    switch tag {
    case UInt8(ascii: "b"): return "bool"
    case UInt8(ascii: "c"): return "char"
    case UInt8(ascii: "e"): return "str"
    case UInt8(ascii: "u"): return "()"
    case UInt8(ascii: "a"): return "i8"
    case UInt8(ascii: "s"): return "i16"
    case UInt8(ascii: "l"): return "i32"
    case UInt8(ascii: "x"): return "i64"
    case UInt8(ascii: "n"): return "i128"
    case UInt8(ascii: "i"): return "isize"
    case UInt8(ascii: "h"): return "u8"
    case UInt8(ascii: "t"): return "u16"
    case UInt8(ascii: "m"): return "u32"
    case UInt8(ascii: "y"): return "u64"
    case UInt8(ascii: "o"): return "u128"
    case UInt8(ascii: "j"): return "usize"
    case UInt8(ascii: "f"): return "f32"
    case UInt8(ascii: "d"): return "f64"
    case UInt8(ascii: "z"): return "!"
    case UInt8(ascii: "p"): return "_"
    case UInt8(ascii: "v"): return "..."
    default: return nil
    }
  }

  /// Hex nibbles (most significant first) as a number, nil when it does not fit 64 bits.
  static func parseUInt(_ nibbles: ArraySlice<UInt8>) -> UInt64? {
    let significant = nibbles.drop { $0 == UInt8(ascii: "0") }
    guard significant.count <= 16 else { return nil }
    var value: UInt64 = 0
    for nibble in significant {
      guard let digit = hexValue(nibble) else { return nil }
      value = value << 4 | UInt64(digit)
    }
    return value
  }

  /// Hex byte pairs as UTF-8, decoded to code points; nil when not valid UTF-8.
  static func parseUTF8(_ nibbles: ArraySlice<UInt8>) -> [UInt32]? {
    guard nibbles.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(nibbles.count / 2)
    var at = nibbles.startIndex
    while at < nibbles.endIndex {
      guard let high = hexValue(nibbles[at]), let low = hexValue(nibbles[at + 1]) else { return nil }
      bytes.append(high << 4 | low)
      at += 2
    }
    var scalars: [UInt32] = []
    var decoder = UTF8()
    var iterator = bytes.makeIterator()
    loop: while true {
      switch decoder.decode(&iterator) {
      case .scalarValue(let scalar): scalars.append(scalar.value)
      case .emptyInput: break loop
      case .error: return nil
      }
    }
    return scalars
  }

  /// Punycode (RFC 3492, as v0 uses it) decoding of an identifier: at most 128 code points, nil
  /// when invalid or longer (then it is shown as `punycode{…}`).
  static func punycodeDecode(_ ident: Ident) -> [UInt32]? {
    let maxLength = 128
    var out: [UInt32] = ident.ascii.map { UInt32($0) }
    guard out.count <= maxLength, !ident.punycode.isEmpty else { return nil }
    let base = 36, tMin = 1, tMax = 26, skew = 38
    var damp = 700, bias = 72
    var i = 0
    var n = 0x80
    var input = ident.punycode.makeIterator()
    var pending = input.next()
    while true {
      // One delta: a variable-length base-36 integer.
      var delta = 0
      var weight = 1
      var k = 0
      while true {
        k += base
        let t = min(max(k > bias ? k - bias : 0, tMin), tMax)
        guard let byte = pending else { return nil }
        pending = input.next()
        let digit: Int
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = Int(byte - UInt8(ascii: "a"))
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = 26 + Int(byte - UInt8(ascii: "0"))
        default: return nil
        }
        let (scaled, overflow1) = digit.multipliedReportingOverflow(by: weight)
        let (sum, overflow2) = delta.addingReportingOverflow(scaled)
        guard !overflow1, !overflow2 else { return nil }
        delta = sum
        if digit < t { break }
        let (nextWeight, overflow3) = weight.multipliedReportingOverflow(by: base - t)
        guard !overflow3 else { return nil }
        weight = nextWeight
      }
      // The new character and where it goes.
      let length = out.count + 1
      let (position, overflow1) = i.addingReportingOverflow(delta)
      guard !overflow1 else { return nil }
      let (code, overflow2) = n.addingReportingOverflow(position / length)
      guard !overflow2, code <= 0x10FFFF, Unicode.Scalar(UInt32(code)) != nil else { return nil }
      n = code
      i = position % length
      guard length <= maxLength else { return nil }
      out.insert(UInt32(code), at: i)
      i += 1
      if pending == nil { return out }
      // Bias adaptation.
      delta /= damp
      damp = 2
      delta += delta / length
      k = 0
      while delta > ((base - tMin) * tMax) / 2 {
        delta /= base - tMin
        k += base
      }
      bias = k + ((base - tMin + 1) * delta) / (delta + skew)
    }
  }
}
