/// DT_RUNPATH or DT_RPATH.
public enum RunpathTag: String, Sendable, CaseIterable {
  case runpath, rpath

  var dynamicTag: DynamicTag { self == .runpath ? .runpath : .rpath }
  /// "DT_RUNPATH" or "DT_RPATH".
  public var name: String { self == .runpath ? "DT_RUNPATH" : "DT_RPATH" }
}

/// How an edit was written, cheapest first (see docs/set-rpath.md).
public enum PatchStrategy: String, Sendable {
  /// The file already had the value: no byte changed.
  case unchanged
  /// The string (or the entry's tag, or its removal) was rewritten where it was.
  case inPlace = "in-place"
  /// A new entry went into a spare DT_NULL slot; the string table grew at the end of the file.
  case spareSlot = "spare-slot"
  /// The segment an earlier edit added was grown (or shrunk) to hold the new string.
  case growSegment = "grow-segment"
  /// A new read-only (or, holding .dynamic, writable) PT_LOAD at the end of the file holds the grown
  /// string table, and .dynamic when it had to move.
  case newSegment = "new-segment"
}

/// One piece of what is written from `tailOffset` on.
enum TailPiece: Sendable {
  case bytes([UInt8])
  /// `count` bytes copied from the original file at `from` (copy_file_range).
  case copy(from: UInt64, count: UInt64)
  case zeros(UInt64)

  var size: UInt64 {
    switch self {
    case .bytes(let b): return UInt64(b.count)
    case .copy(_, let count): return count
    case .zeros(let n): return n
    }
  }
}

/// The byte ranges an edit changes: a few small writes into the original bytes, and what replaces
/// everything from `tailOffset` on (usually appended at the end of the file).
struct EditPlan: Sendable {
  var strategy: PatchStrategy = .unchanged
  /// What was done, in order, for people ("DT_RUNPATH string rewritten in place", ...).
  var details: [String] = []
  /// (file offset, bytes) replacing bytes of the original, all below `tailOffset`.
  var writes: [(offset: UInt64, bytes: [UInt8])] = []
  /// Where the tail starts; equal to the original size when nothing is appended.
  var tailOffset: UInt64 = 0
  var tail: [TailPiece] = []
  var originalSize: UInt64 = 0

  var newFileSize: UInt64 { tail.reduce(tailOffset) { $0 + $1.size } }
  var bytesAdded: Int64 { Int64(bitPattern: newFileSize) - Int64(bitPattern: originalSize) }
  var changesNothing: Bool { writes.isEmpty && tail.isEmpty && tailOffset == originalSize }
}
