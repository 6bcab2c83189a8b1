// ELF notes: the header layout and the note types elfdyn reads.

/// `n_type` of an ELF note, meaningful together with the note's owner name.
public struct NoteType: RawRepresentable, Hashable, Sendable {
  /// The note type number.
  public var rawValue: UInt32
  /// A note type by its number.
  public init(rawValue: UInt32) { self.rawValue = rawValue }

  /// The `FDO` note listing the libraries a program loads with dlopen(): a JSON array in the
  /// descriptor (the "ELF dlopen metadata" specification of the UAPI group, systemd's
  /// `SD_ELF_NOTE_DLOPEN_TYPE`).
  public static let fdoDlopen = NoteType(rawValue: 0x407c_0c0a)
}

/// The layout of a note entry: a 12-byte header (n_namesz, n_descsz, n_type as 4-byte words in the
/// file's byte order), the owner name, then the descriptor, each starting at a multiple of the
/// note segment's alignment (4, or 8 for segments aligned to 8) from the start of the entry.
enum NoteLayout {
  /// The size of the header: three 4-byte words.
  static let headerSize = 12
  /// The owner name of the dlopen note, without its NUL.
  static let fdoOwner = "FDO"
  /// The alignment of note entries in a PT_NOTE segment with this `p_align`: 8 for 8, else 4
  /// (0 and 1 mean no constraint; binutils reads them as 4). nil for any other value, which no
  /// linker produces.
  static func alignment(segmentAlign: UInt64) -> Int? {
    switch segmentAlign {
    case 0, 1, 4: return 4
    case 8: return 8
    default: return nil
    }
  }
}
