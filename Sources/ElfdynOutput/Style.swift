import ElfTool

/// Terminal styling: ANSI colour when enabled, plain text otherwise.
public struct Style: Sendable {
  /// Whether escape sequences are written at all.
  public var enabled: Bool
  /// A style that colours only when `enabled`.
  public init(enabled: Bool) { self.enabled = enabled }

  /// The emphases, each with its escape sequence.
  enum Tone {
    case bold, dim, red, yellow, cyan, green

    var escape: StaticString {
      switch self {
      case .bold: return "\u{1B}[1m"
      case .dim: return "\u{1B}[2m"
      case .red: return "\u{1B}[1;31m"
      case .yellow: return "\u{1B}[33m"
      case .cyan: return "\u{1B}[36m"
      case .green: return "\u{1B}[32m"
      }
    }

    /// The sequence that ends any of them.
    static let reset: StaticString = "\u{1B}[0m"
  }

  func wrap(_ text: String, _ tone: Tone) -> String {
    enabled ? "\(tone.escape)\(text)\(Tone.reset)" : text
  }
  /// `text` in bold.
  public func bold(_ text: String) -> String { wrap(text, .bold) }
  /// `text` dimmed (secondary information).
  public func dim(_ text: String) -> String { wrap(text, .dim) }
  /// `text` in bold red (errors).
  public func red(_ text: String) -> String { wrap(text, .red) }
  /// `text` in yellow (hints and warnings).
  public func yellow(_ text: String) -> String { wrap(text, .yellow) }
  /// `text` in cyan (search steps).
  public func cyan(_ text: String) -> String { wrap(text, .cyan) }
  /// `text` in green (success).
  public func green(_ text: String) -> String { wrap(text, .green) }
}
