/// One note of a PT_NOTE segment: who defined it, its type, and its descriptor bytes.
public struct ElfNote: Sendable, Equatable {
  /// The owner name (`GNU`, `FDO`, ...), without its terminating NUL.
  public var owner: String
  /// `n_type`, meaningful for this owner.
  public var type: NoteType
  /// The descriptor, `n_descsz` bytes as they are in the file (padding excluded).
  public var descriptor: [UInt8]
}

/// The notes of a file that were asked for, and every problem met while reading the note segments.
public struct NoteList: Sendable, Equatable {
  /// The notes whose owner and type were wanted, in file order.
  public var notes: [ElfNote] = []
  /// Sentences about note segments that could not be read entirely (the notes before the damage
  /// are kept).
  public var problems: [String] = []
}

extension ElfFile {
  /// The notes of the PT_NOTE segments whose owner and type `wanted` accepts, read through the
  /// segments (section headers are not needed); `segment` reads the bytes of one segment. Every
  /// size is checked against the segment and the file; a broken entry ends the walk of its segment
  /// with a problem, never a trap. Entries are aligned to 4 bytes, or 8 in a segment whose
  /// `p_align` is 8.
  static func notes(
    programHeaders: [ProgramHeader], fileSize: UInt64, order: ByteOrder,
    segment readSegment: (ProgramHeader) throws(ElfError) -> [UInt8],
    where wanted: (String, NoteType) -> Bool
  ) -> NoteList {
    var list = NoteList()
    for segment in programHeaders where segment.type == .note && segment.filesz > 0 {
      guard segment.offset <= fileSize, segment.filesz <= fileSize - segment.offset else {
        list.problems.append(
          "the PT_NOTE segment at offset \(hex(segment.offset)) with size \(hex(segment.filesz)) lies outside the file")
        continue
      }
      guard segment.filesz <= Self.maximumNoteSegmentSize else {
        list.problems.append(
          "the PT_NOTE segment at offset \(hex(segment.offset)) is \(segment.filesz) bytes long; notes are not read "
            + "from segments over \(Self.maximumNoteSegmentSize) bytes")
        continue
      }
      guard let align = NoteLayout.alignment(segmentAlign: segment.align) else {
        list.problems.append(
          "the PT_NOTE segment at offset \(hex(segment.offset)) has alignment \(segment.align), not 4 or 8")
        continue
      }
      let bytes: [UInt8]
      do throws(ElfError) {
        bytes = try readSegment(segment)
      } catch {
        list.problems.append("its notes cannot be read: \(error.message)")
        return list
      }
      bytes.withUnsafeBytes { buffer in
        Self.readNotes(
          ByteReader(buffer, order: order), start: Int(segment.offset), align: align, wanted: wanted, into: &list)
      }
    }
    return list
  }

  /// PT_NOTE segments are a few hundred bytes; a larger one is not read (a hostile file could
  /// name gigabytes).
  static let maximumNoteSegmentSize: UInt64 = 1 << 24

  /// Walks the entries of one segment's bytes; `start` is the segment's file offset, for messages.
  private static func readNotes(
    _ reader: ByteReader, start: Int, align: Int, wanted: (String, NoteType) -> Bool, into list: inout NoteList
  ) {
    let size = reader.count
    var at = 0
    while at < size {
      let header = NoteLayout.headerSize
      guard size - at >= header, let nameSize = reader.u32(at), let descSize = reader.u32(at + 4),
        let type = reader.u32(at + 8)
      else {
        list.problems.append("a note header at offset \(hex(start + at)) is cut off by the end of its segment")
        return
      }
      // Every quantity is below 2^34 and `size` below 2^24: no sum can overflow an Int.
      let nameStart = at + header
      let descStart = alignUp(nameStart + Int(nameSize), align)
      let descEnd = descStart + Int(descSize)
      guard Int(nameSize) <= size - nameStart, descEnd <= size else {
        list.problems.append(
          "the note at offset \(hex(start + at)) (name size \(nameSize), descriptor size \(descSize)) "
            + "runs past the end of its segment")
        return
      }
      var nameEnd = nameStart + Int(nameSize)
      while nameEnd > nameStart, reader.u8(nameEnd - 1) == 0 { nameEnd -= 1 }
      let owner = String(
        decoding: UnsafeRawBufferPointer(rebasing: reader.bytes[nameStart..<nameEnd]), as: UTF8.self)
      let noteType = NoteType(rawValue: type)
      if wanted(owner, noteType) {
        list.notes.append(
          ElfNote(
            owner: owner, type: noteType,
            descriptor: Array(UnsafeRawBufferPointer(rebasing: reader.bytes[descStart..<descEnd]))))
      }
      at = alignUp(descEnd, align)
    }
  }

  /// `value` rounded up to a multiple of `alignment` (4 or 8); never past Int.max for values below 2^40.
  private static func alignUp(_ value: Int, _ alignment: Int) -> Int {
    (value + alignment - 1) / alignment * alignment
  }

  /// The dependencies a file declares in `.note.dlopen` (`FDO` notes of type 0x407c0c0a), in
  /// note order, and sentences about what is malformed in them (a note that is not valid JSON is
  /// left out; an entry without a usable `soname` is left out; the rest is kept).
  static func dlopenDependencies(
    programHeaders: [ProgramHeader], fileSize: UInt64, order: ByteOrder,
    segment: (ProgramHeader) throws(ElfError) -> [UInt8]
  ) -> DlopenMetadata {
    let list = notes(programHeaders: programHeaders, fileSize: fileSize, order: order, segment: segment) {
      owner, type in owner == NoteLayout.fdoOwner && type == .fdoDlopen
    }
    var result = DlopenMetadata()
    result.problems = list.problems
    for note in list.notes {
      let parsed = DlopenMetadata.parse(descriptor: note.descriptor)
      result.dependencies += parsed.dependencies
      result.problems += parsed.problems
    }
    return result
  }
}
