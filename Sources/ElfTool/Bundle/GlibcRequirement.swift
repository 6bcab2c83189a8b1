/// A glibc symbol version such as GLIBC_2.34, as numbers that order correctly (2.34 > 2.4).
public struct GlibcVersion: Sendable, Comparable, CustomStringConvertible {
  /// The numbers after "GLIBC_": [2, 34], [2, 2, 5].
  public var parts: [Int]

  /// Parses "GLIBC_2.34"; nil for anything else (GLIBC_PRIVATE, GLIBCXX_3.4, ...).
  public init?(versionName name: String) {
    guard name.hasPrefix("GLIBC_") else { return nil }
    var parts: [Int] = []
    for piece in name.dropFirst("GLIBC_".count).split(separator: ".", omittingEmptySubsequences: false) {
      guard !piece.isEmpty, piece.count <= 6, let number = Int(piece) else { return nil }
      parts.append(number)
    }
    guard !parts.isEmpty else { return nil }
    self.parts = parts
  }

  /// "2.34".
  public var description: String { parts.map(String.init).joined(separator: ".") }

  /// Part by part, a missing part counting as 0.
  public static func < (a: GlibcVersion, b: GlibcVersion) -> Bool {
    for index in 0..<max(a.parts.count, b.parts.count) {
      let x = index < a.parts.count ? a.parts[index] : 0
      let y = index < b.parts.count ? b.parts[index] : 0
      if x != y { return x < y }
    }
    return false
  }

  /// Equal part by part, a missing part counting as 0.
  public static func == (a: GlibcVersion, b: GlibcVersion) -> Bool { !(a < b) && !(b < a) }
}

/// The oldest glibc a set of files can run on: the highest GLIBC_x.y any of them requires.
public enum GlibcRequirement {
  /// The highest GLIBC_x.y version in `file`'s DT_VERNEED (any needed library; glibc's own objects
  /// are the only ones that define GLIBC_ versions), nil when it requires none.
  public static func highest(in file: ElfFile) throws(ElfError) -> GlibcVersion? {
    guard file.dynamic?.value(of: .verneed) != nil else { return nil }
    let mapping = try file.mapping()
    let strings = try file.dynamicStrings(in: mapping)
    let records = try file.versionRecords(in: mapping)
    var best: GlibcVersion?
    for requirement in records.requirements {
      for needed in requirement.versions {
        let name = try strings.string(at: UInt64(needed.name), what: "a needed version name")
        if let version = GlibcVersion(versionName: name), best.map({ $0 < version }) ?? true { best = version }
      }
    }
    return best
  }
}
