/// The one error type for a file elfdyn cannot use: it names the file, and says what is wrong in a
/// sentence a person can act on ("DT_RUNPATH offset 0x9f3 is outside the string table (size 0x400)").
public struct ElfError: Error, CustomStringConvertible, Sendable, Equatable {
  /// What kind of problem it is; the resolver treats them differently (a wrong class is skipped, a
  /// non-ELF candidate is a fatal load error, a missing file is simply not there).
  public enum Kind: Sendable, Equatable {
    /// The file cannot be opened or read (does not exist, permission denied, is a directory).
    case io(errno: Int32)
    /// The file is not an ELF file at all (a linker script, a text file, too short).
    case notELF
    /// The file is ELF but a structure in it is broken (offsets out of range, bad sizes).
    case malformed
    /// The file is ELF of another class, byte order or machine than wanted.
    case mismatch
    /// A usage problem found while reading (an option that cannot apply to this file).
    case usage
  }

  /// The file the error is about.
  public var path: String
  /// What kind of failure it is (decides how callers react).
  public var kind: Kind
  /// What is wrong, in one sentence without the path.
  public var message: String

  /// An error about the file at `path`.
  public init(_ path: String, _ kind: Kind, _ message: String) {
    self.path = path
    self.kind = kind
    self.message = message
  }

  /// "PATH: MESSAGE", the one-line form printed after `elfdyn: `.
  public var description: String { "\(path): \(message)" }
}

func hex<T: BinaryInteger>(_ value: T) -> String { "0x" + String(value, radix: 16) }
