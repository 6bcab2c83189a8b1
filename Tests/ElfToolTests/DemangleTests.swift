import Foundation
import Testing

@testable import ElfTool

/// Demangler against two oracles on real symbols, and against hostile input.
///
/// Oracles: GNU `c++filt -i` (binutils 2.40) for everything, and for Rust the rustc-demangle crate
/// itself (the copy in the nightly toolchain, Fixtures/demangle/rustc-demangle-oracle.rs), whose
/// alternate form `{:#}` is what `Demangler.demangle` promises. `-i` (--no-verbose) is the
/// normalisation: it leaves out the legacy `::h<hash>` and the v0 `[<hex>]` crate disambiguators
/// that plain c++filt prints (make-fixtures.sh checks that plain c++filt with those deleted gives
/// the same text), and prints C++ as `__cxa_demangle` does.
///
/// Where c++filt and rustc-demangle disagree, the Demangler follows rustc-demangle; those names
/// are counted apart. Seen: c++filt drops `.<n>` suffixes (rustc-demangle keeps them), leaves
/// legacy `$u<hex>$` escapes of non-ASCII characters undecoded, prints v0 `char` constants with
/// `\u{…}` for non-ASCII and `'''` for a quote, and mangles integer constants over 64 bits.
@Suite struct DemangleTests {
  static let fixtures = Fixtures.packageRoot + "/Tests/ElfToolTests/Fixtures/demangle"

  // MARK: Examples

  @Test func plainNamesAreNotMangled() {
    for name in [
      "", "vsnprintf_wrapper", "main", "_start", "_init", "_Z", "_R", "_ZN", "_ZNE", "__cxa_demangle", "R", "Z",
      "_Rust_panic", "_RNv", "_ZN3foo", "i", "_GLOBAL__sub_I_main", "_RNvC7mycrate3foo\u{e9}",
    ] {
      #expect(Demangler.demangle(name) == nil, "\(name)")
    }
  }

  @Test func rustLegacy() {
    #expect(Demangler.demangle("_ZN3std2rt10lang_start17h0123456789abcdefE") == "std::rt::lang_start")
    #expect(
      Demangler.demangle("_ZN3std2rt10lang_start17h0123456789abcdefE", keepHash: true)
        == "std::rt::lang_start::h0123456789abcdef")
    let closure =
      "_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$"
      + "17h0123456789abcdefE"
    #expect(Demangler.demangle(closure) == "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>")
    #expect(Demangler.demangle("_ZN3foo10a$u20$b..c17h0123456789abcdefE") == "foo::a b::c")
    #expect(Demangler.demangle("_ZN3foo5_$SP$17h0123456789abcdefE") == "foo::@")
    #expect(Demangler.demangle("_ZN3foo16$RF$$BP$$C$$u5b$17h0123456789abcdefE") == "foo::&*,[")
    #expect(Demangler.demangle("_ZN3foo3bar17h0123456789abcdefE.llvm.0123ABCD") == "foo::bar")
    #expect(Demangler.demangle("_ZN3foo3bar17h0123456789abcdefE.cold.1") == "foo::bar.cold.1")
    // Not Rust (no hash): C++.
    #expect(Demangler.demangle("_ZN3foo3barE") == "foo::bar")
    #expect(Demangler.demangle("_ZN3foo3bar17h0123456789abcdefEv") == "foo::bar::h0123456789abcdef()")
  }

  @Test func rustV0() {
    let cases: [(String, String, String)] = [
      ("_RNvCs1234_7mycrate3foo", "mycrate::foo", "mycrate[3c1c0]::foo"),
      ("_RNvNtCs1234_7mycrate3bar5outer.llvm.0123ABCD", "mycrate::bar::outer", "mycrate[3c1c0]::bar::outer"),
      ("_RNvNtCs1234_7mycrate3bar5outer.cold", "mycrate::bar::outer.cold", "mycrate[3c1c0]::bar::outer.cold"),
      (
        "_RINvCs1234_7mycrate4funcKj3_Kb1_Kc61_Klna_EB2_", "mycrate::func::<3, true, 'a', -10>",
        "mycrate[3c1c0]::func::<3usize, true, 'a', -10i32>"
      ),
      ("_RINvC1a1fFG_RL0_hEuEB0_", "a::f::<for<'a> fn(&'a u8)>", "a::f::<for<'a> fn(&'a u8)>"),
      ("_RNvC7mycrateu10mnchen_3ya", "mycrate::münchen", "mycrate::münchen"),
      ("_RINvC1a1fDNtC1b5TraitEL_E", "a::f::<dyn b::Trait>", "a::f::<dyn b::Trait>"),
      (
        "_RINvC1a1fDG_INtC1b2FnTRL0_hEEp6OutputRL0_hEL_EB0_", "a::f::<dyn for<'a> b::Fn<(&'a u8,), Output = &'a u8>>",
        "a::f::<dyn for<'a> b::Fn<(&'a u8,), Output = &'a u8>>"
      ),
      ("_RINvC1a1fKRe616263_EB0_", "a::f::<\"abc\">", "a::f::<\"abc\">"),
      ("_RNCNvC1a1f0B3_", "a::f::{closure#0}", "a::f::{closure#0}"),
      (
        "_RINvC1a1fTAjj2_ShPaOtQmFKCiEuEEB0_",
        "a::f::<([usize; 2], [u8], *const i8, *mut u16, &mut u32, extern \"C\" fn(isize))>",
        "a::f::<([usize; 2usize], [u8], *const i8, *mut u16, &mut u32, extern \"C\" fn(isize))>"
      ),
    ]
    for (mangled, alternate, full) in cases {
      #expect(Demangler.demangle(mangled) == alternate, "\(mangled)")
      #expect(Demangler.demangle(mangled, keepHash: true) == full, "\(mangled)")
    }
  }

  @Test func cxx() {
    #expect(
      Demangler.demangle("_ZNSt6vectorIiSaIiEE9push_backERKi")
        == "std::vector<int, std::allocator<int> >::push_back(int const&)")
    #expect(Demangler.demangle("_ZNSs4swapERSs") == "std::string::swap(std::string&)")
    #expect(Demangler.demangle("_Z3fooi.cold") == "foo(int) [clone .cold]")
    #expect(Demangler.demangle("_ZTVN10__cxxabiv117__class_type_infoE") == "vtable for __cxxabiv1::__class_type_info")
    #expect(Demangler.demangle("_Z3foo_bad") == nil)
  }

  // MARK: Real symbols

  /// One line of a fixture: the name, c++filt's text, and for Rust rustc-demangle's two forms.
  struct Row {
    var mangled: String
    var cxxfilt: String
    var alternate: String?
    var full: String?
  }

  static func rows(_ path: String) throws -> [Row] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return text.split(separator: "\n").map { line in
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      return Row(
        mangled: fields[0], cxxfilt: fields.count > 1 ? fields[1] : "", alternate: fields.count > 2 ? fields[2] : nil,
        full: fields.count > 3 ? fields[3] : nil)
    }
  }

  /// How the Demangler did on a corpus.
  struct Agreement: CustomStringConvertible {
    var label: String
    var total = 0
    var withCxxfilt = 0
    /// Names where c++filt and rustc-demangle differ, and the Demangler is with rustc-demangle.
    var cxxfiltDiffers = 0
    var rustcDemangle = 0
    var rustcDemangleTotal = 0
    var keepHash = 0

    var description: String {
      func rate(_ n: Int, _ of: Int) -> String {
        of == 0 ? "-" : "\(n)/\(of) (" + String(format: "%.2f", 100 * Double(n) / Double(of)) + "%)"
      }
      var text = "\(label): c++filt \(rate(withCxxfilt, total))"
      if cxxfiltDiffers > 0 { text += ", the other \(cxxfiltDiffers) where c++filt differs from rustc-demangle" }
      if rustcDemangleTotal > 0 {
        text += "; rustc-demangle {:#} \(rate(rustcDemangle, rustcDemangleTotal))"
        text += ", {} \(rate(keepHash, rustcDemangleTotal))"
      }
      return text
    }
  }

  /// Compares every row; records an issue for each name the Demangler gets wrong (at most 20).
  static func compare(_ rows: [Row], label: String) -> Agreement {
    var agreement = Agreement(label: label)
    var reported = 0
    func report(_ message: String) {
      reported += 1
      if reported <= 20 { Issue.record(Comment(rawValue: "\(label): \(message)")) }
    }
    for row in rows {
      agreement.total += 1
      let ours = Demangler.demangle(row.mangled)
      if (ours ?? row.mangled) == row.cxxfilt { agreement.withCxxfilt += 1 }
      guard let alternate = row.alternate, let full = row.full else {
        // C++: c++filt is the reference.
        if (ours ?? row.mangled) != row.cxxfilt {
          report("\(row.mangled)\n  c++filt:   \(row.cxxfilt)\n  Demangler: \(ours ?? "nil")")
        }
        continue
      }
      agreement.rustcDemangleTotal += 1
      if (ours ?? row.mangled) == alternate {
        agreement.rustcDemangle += 1
        if ours != row.cxxfilt && alternate != row.cxxfilt { agreement.cxxfiltDiffers += 1 }
      } else {
        report(
          "\(row.mangled)\n  rustc-demangle: \(alternate)\n  c++filt:        \(row.cxxfilt)\n"
            + "  Demangler:      \(ours ?? "nil")")
      }
      let oursFull = Demangler.demangle(row.mangled, keepHash: true)
      if (oursFull ?? row.mangled) == full {
        agreement.keepHash += 1
      } else {
        report("\(row.mangled) with keepHash\n  rustc-demangle: \(full)\n  Demangler:      \(oursFull ?? "nil")")
      }
    }
    return agreement
  }

  @Test(arguments: ["rust-legacy", "rust-v0", "cxx"])
  func fixture(_ name: String) throws {
    let rows = try Self.rows(Self.fixtures + "/\(name).tsv")
    #expect(rows.count >= 300)
    let agreement = Self.compare(rows, label: "fixture \(name)")
    print(agreement)
    #expect(agreement.withCxxfilt + agreement.cxxfiltDiffers == agreement.total)
  }

  /// The fixtures' corpora in full, built now with this machine's toolchains, plus rustc_driver's
  /// and cargo's symbols (make-fixtures.sh --full).
  @Test func liveCorpora() throws {
    let dir = try temporaryDirectory("elfdyn-demangle")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let result = try run("/bin/bash", [Self.fixtures + "/make-fixtures.sh", "--full", dir], timeout: 600)
    if result.status == 77 {
      print("skipped: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
      return
    }
    try #require(result.status == 0, "make-fixtures.sh --full: \(result.stderr)")
    for name in ["rust-legacy", "rust-v0", "cxx"] {
      let rows = try Self.rows(dir + "/\(name).tsv")
      let agreement = Self.compare(rows, label: "live \(name)")
      print(agreement)
      #expect(agreement.withCxxfilt + agreement.cxxfiltDiffers == agreement.total)
    }
  }

  /// The bounded C++ path prints what __cxa_demangle prints.
  @Test func boundedCxxMatchesCxaDemangle() throws {
    let rows = try Self.rows(Self.fixtures + "/cxx.tsv")
    for row in rows {
      #expect(Demangler.demangleCxx(row.mangled) == Demangler.cxaDemangle(row.mangled), "\(row.mangled)")
    }
  }

  // MARK: Hostile input

  static func allFixtureNames() throws -> [String] {
    try ["rust-legacy", "rust-v0", "cxx"].flatMap { try rows(fixtures + "/\($0).tsv").map(\.mangled) }
  }

  /// Every prefix of every fixture name (and each with one byte cut out of its middle).
  @Test func truncations() throws {
    var demangled = 0
    for name in try Self.allFixtureNames() {
      let bytes = Array(name.utf8)
      for length in 0...bytes.count {
        let prefix = String(decoding: bytes[..<length], as: UTF8.self)
        if let text = Demangler.demangle(prefix) {
          demangled += 1
          #expect(text.utf8.count <= Demangler.outputLimit)
        }
        _ = Demangler.demangle(prefix, keepHash: true)
      }
      var cut = bytes
      cut.remove(at: bytes.count / 2)
      _ = Demangler.demangle(String(decoding: cut, as: UTF8.self))
    }
    #expect(demangled > 0)
  }

  @Test func deepNesting() {
    // Paths, types and constants nested far beyond the depth limit: not demangled.
    let paths = "_R" + String(repeating: "Nv", count: 2000) + "C1a" + String(repeating: "1b", count: 2000)
    #expect(Demangler.demangle(paths) == nil)
    let types = "_RINvC1a1f" + String(repeating: "R", count: 5000) + "hE"
    #expect(Demangler.demangle(types) == nil)
    let tuples = "_RINvC1a1f" + String(repeating: "T", count: 5000) + String(repeating: "E", count: 5001)
    #expect(Demangler.demangle(tuples) == nil)
    let consts = "_RINvC1a1fK" + String(repeating: "A", count: 5000) + String(repeating: "E", count: 5001)
    #expect(Demangler.demangle(consts) == nil)
    let generics = "_R" + String(repeating: "INvC1a1f", count: 3000) + String(repeating: "E", count: 3000)
    #expect(Demangler.demangle(generics) == nil)
    // Just under the limit: fine.
    let deep = "_RINvC1a1f" + String(repeating: "R", count: 400) + "hE"
    #expect(Demangler.demangle(deep) == "a::f::<" + String(repeating: "&", count: 400) + "u8>")
    // C++: within __cxa_demangle's 1024-byte limit, then beyond it.
    #expect(Demangler.demangle("_Z1f" + String(repeating: "P", count: 1000) + "i")?.hasSuffix("*)") == true)
    let templates = "_Z1fI" + String(repeating: "1AI", count: 250) + "i" + String(repeating: "E", count: 250) + "Evv"
    #expect(Demangler.demangle(templates)?.hasPrefix("void f<A<A<A<") == true)
    #expect(Demangler.demangle("_Z1f" + String(repeating: "P", count: 100_000) + "i") == nil)
    #expect(Demangler.demangle("_Z1fIL" + String(repeating: "Z1fIL", count: 200) + "i1EE") == nil)
  }

  @Test func backrefLoops() {
    // A path that refers to itself: the recursion limit stops it, as in rustc-demangle.
    let selfPath = Demangler.demangle("_RNvB_1a")
    #expect(selfPath?.hasPrefix("{recursion limit reached}") == true)
    for name in [
      "_RB_", "_RNvB0_1a", "_RINvC1a1fB0_E", "_RINvC1a1fBZZZZZZZZZZZZZZZZ_E", "_RINvC1a1fKB_E", "_RNvMB_B_1a",
      "_RINvC1a1fDB_L_E", "_RINvC1a1fB4_E", "_RINvC1a1fFB_EuE",
    ] {
      if let text = Demangler.demangle(name) { #expect(text.utf8.count <= Demangler.outputLimit, "\(name)") }
    }
    // Backrefs that double the text at each level: stopped by the output limit.
    var inner = "INvC1a1fTh"
    var previous = 8
    for _ in 0..<64 {
      let at = inner.utf8.count
      inner += "TB" + base62(previous) + "B" + base62(previous) + "E"
      previous = at
    }
    let start = Date()
    #expect(Demangler.demangle("_R" + inner + "EB0_") == nil)
    #expect(Date().timeIntervalSince(start) < 10)
  }

  /// A backref's number for position `n`.
  func base62(_ n: Int) -> String {
    if n == 0 { return "_" }
    let digits = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    var value = n - 1
    var text = ""
    repeat {
      text = String(digits[value % 62]) + text
      value /= 62
    } while value > 0
    return text + "_"
  }

  @Test func hugeNumbers() {
    for name in [
      "_RNvCs" + String(repeating: "Z", count: 40) + "_1a1b",
      "_RNvC99999999999999999999999a1b",
      "_RNvC18446744073709551615a",
      "_RNvC9223372036854775807a",
      "_RINvC1a1fKj" + String(repeating: "f", count: 200) + "_E",
      "_RINvC1a1fKc" + String(repeating: "f", count: 20) + "_E",
      "_RINvC1a1fKcd800_E",
      "_RINvC1a1fKb2_E",
      "_RINvC1a1fRL" + String(repeating: "Z", count: 12) + "_hE",
      "_RINvC1a1fFG" + String(repeating: "Z", count: 12) + "_EuE",
      "_RINvC1a1fFG" + String(repeating: "Z", count: 8) + "_EuE",
      "_RINvC1a1fKRe" + String(repeating: "ff", count: 10) + "_E",
      "_RNvC1au" + "9" + String(repeating: "9", count: 30),
      "_RNvC1au20_" + String(repeating: "z", count: 20),
      "_RNvC1au12_abc_99999999",
      "_RNvC1au8_zzzzzzzz",
      "_ZN99999999999999999999999abc17h0123456789abcdefE",
      "_ZN3foo$u110000$17h0123456789abcdefE",
      "_ZN18$uffffffffffffff$17h0123456789abcdefE",
    ] {
      if let text = Demangler.demangle(name) { #expect(text.utf8.count <= Demangler.outputLimit, "\(name)") }
      _ = Demangler.demangle(name, keepHash: true)
    }
    // Punycode that does not decode is shown encoded.
    #expect(Demangler.demangle("_RNvC1au8_zzzzzzzz") == "a::punycode{zzzzzzzz}")
  }

  @Test func cxxBombs() {
    // Each substitution doubles the text: 2^40 pairs from a 350-byte name.
    var name = "_Z1fSt4pairIiiE"
    for i in 0..<40 {
      let sub = i == 0 ? "S0_" : "S" + String(i, radix: 36).uppercased() + "_"
      name += "S_I" + sub + sub + "E"
    }
    let start = Date()
    #expect(Demangler.demangle(name) == nil)
    #expect(Date().timeIntervalSince(start) < 5)
    // A few levels stay under the limit and demangle.
    let small = "_Z1fSt4pairIiiES_IS0_S0_ES_IS1_S1_E"
    #expect(Demangler.demangle(small) == Demangler.cxaDemangle(small))
    #expect(Demangler.demangle(small) != nil)
  }

  /// Fixture names with random edits drawn from the manglings' alphabets.
  @Test func randomMutations() throws {
    var random = SplitMix64(seed: 0x5eed)
    let names = try Self.allFixtureNames().map { Array($0.utf8) }
    let alphabet = Array("_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz$.".utf8)
    for _ in 0..<30_000 {
      var bytes = names[Int(random.next() % UInt64(names.count))]
      for _ in 0..<(1 + Int(random.next() % 4)) {
        guard !bytes.isEmpty else { break }
        let at = Int(random.next() % UInt64(bytes.count))
        switch random.next() % 4 {
        case 0: bytes[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
        case 1: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
        case 2: bytes.remove(at: at)
        default:
          // Repeat a slice: makes backrefs point into repeated structure.
          let end = min(bytes.count, at + 1 + Int(random.next() % 12))
          bytes.insert(contentsOf: bytes[at..<end], at: end)
        }
      }
      let name = String(decoding: bytes, as: UTF8.self)
      if let text = Demangler.demangle(name) { #expect(text.utf8.count <= Demangler.outputLimit) }
    }
  }
}

/// A small deterministic generator for the mutation test.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
