import ElfTool

/// Terminal styling: ANSI colour when enabled, plain text otherwise.
public struct Style: Sendable {
  /// Whether escape sequences are written at all.
  public var enabled: Bool
  /// A style that colours only when `enabled`.
  public init(enabled: Bool) { self.enabled = enabled }

  func wrap(_ text: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
  /// `text` in bold.
  public func bold(_ text: String) -> String { wrap(text, "1") }
  /// `text` dimmed (secondary information).
  public func dim(_ text: String) -> String { wrap(text, "2") }
  /// `text` in bold red (errors).
  public func red(_ text: String) -> String { wrap(text, "1;31") }
  /// `text` in yellow (hints and warnings).
  public func yellow(_ text: String) -> String { wrap(text, "33") }
  /// `text` in cyan (search steps).
  public func cyan(_ text: String) -> String { wrap(text, "36") }
  /// `text` in green (success).
  public func green(_ text: String) -> String { wrap(text, "32") }
}
