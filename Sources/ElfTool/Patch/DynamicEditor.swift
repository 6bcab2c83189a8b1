/// What to do with a file's runpath.
enum RunpathChange: Sendable, Equatable {
  /// Set the value; the tag is the requested one, or the kind the file has (DT_RUNPATH if none).
  case set(String, tag: RunpathTag?)
  /// Delete every DT_RUNPATH and DT_RPATH entry.
  case remove
}

/// Plans the cheapest correct edit of a file's DT_RUNPATH/DT_RPATH (see docs/set-rpath.md and
/// PATCHING.md): the string in place, a spare DT_NULL slot, growing a segment an earlier edit added,
/// or a new PT_LOAD at the end of the file. It only computes byte ranges; `PatchWriter` writes them.
struct DynamicEditor {
  let source: PatchSource
  private var codec: ByteWriter { source.codec }
  private var checked: Checked { source.checked }
  private var path: String { source.path }

  init(source: PatchSource) { self.source = source }

  /// The current DT_RUNPATH and DT_RPATH strings (the first of each).
  func currentValues() throws(ElfError) -> (runpath: String?, rpath: String?) {
    var runpath: String?
    var rpath: String?
    for entry in source.liveEntries {
      if entry.tag == DynamicTag.runpath, runpath == nil { runpath = try source.dynamicString(at: entry.value) }
      if entry.tag == DynamicTag.rpath, rpath == nil { rpath = try source.dynamicString(at: entry.value) }
    }
    return (runpath, rpath)
  }

  func plan(_ change: RunpathChange) throws(ElfError) -> EditPlan {
    var plan = EditPlan()
    plan.originalSize = source.fileSize
    plan.tailOffset = source.fileSize
    let live = Array(source.liveEntries)
    let pathIndexes = live.indices.filter { live[$0].tag == DynamicTag.runpath || live[$0].tag == DynamicTag.rpath }
    switch change {
    case .remove:
      guard !pathIndexes.isEmpty else {
        plan.details.append("the file has no DT_RUNPATH or DT_RPATH")
        return plan
      }
      let kept = live.indices.filter { !pathIndexes.contains($0) }.map { live[$0] }
      plan.writes += dynamicSlotWrites(newLive: kept)
      plan.strategy = .inPlace
      let names = pathIndexes.map { live[$0].tag == DynamicTag.runpath ? "DT_RUNPATH" : "DT_RPATH" }
      plan.details.append("\(names.joined(separator: " and ")) removed in place (the entries after it moved up)")
      return plan
    case .set(let value, let requestedTag):
      return try planSet(value, requestedTag: requestedTag, live: live, pathIndexes: pathIndexes, plan: plan)
    }
  }

  // MARK: - Setting a value

  private func planSet(
    _ value: String, requestedTag: RunpathTag?, live: [DynamicEntry], pathIndexes: [Int], plan: EditPlan
  ) throws(ElfError) -> EditPlan {
    var plan = plan
    let valueBytes = Array(value.utf8)
    guard !valueBytes.contains(0) else { throw ElfError(path, .usage, "a runpath cannot contain a NUL byte") }
    let hasRunpath = pathIndexes.contains { live[$0].tag == DynamicTag.runpath }
    let hasRpath = pathIndexes.contains { live[$0].tag == DynamicTag.rpath }
    let defaultTag: RunpathTag = hasRunpath ? .runpath : (hasRpath ? .rpath : .runpath)
    // With an explicit tag the file ends with one entry of that tag; without, every existing entry
    // keeps its tag and takes the value.
    var keep = pathIndexes
    var drop: [Int] = []
    if requestedTag != nil, pathIndexes.count > 1 {
      keep = [pathIndexes[0]]
      drop = Array(pathIndexes.dropFirst())
    }
    func finalTag(_ index: Int) -> DynamicTag { requestedTag?.dynamicTag ?? live[index].tag }

    var oldStrings: [Int: String] = [:]
    for index in keep { oldStrings[index] = try source.dynamicString(at: live[index].value) }
    if !keep.isEmpty, drop.isEmpty, keep.allSatisfy({ finalTag($0) == live[$0].tag && oldStrings[$0] == value }) {
      plan.details.append("the file already has this value")
      return plan
    }

    // Where the string goes: where it is, overwritten in place, or appended to the table.
    var stringOffset: UInt64?
    var stringWrites: [(offset: UInt64, bytes: [UInt8])] = []
    let commonOffset: UInt64? =
      keep.isEmpty ? nil : (Set(keep.map { live[$0].value }).count == 1 ? live[keep[0]].value : nil)
    var reclaimable: (offset: UInt64, length: UInt64)?
    if let offset = commonOffset, let old = oldStrings[keep[0]] {
      let oldLength = UInt64(old.utf8.count)
      let ignoring = Set(keep + drop)
      if old == value {
        stringOffset = offset
      } else if try !isShared(offset: offset, length: oldLength, ignoring: ignoring) {
        reclaimable = (offset, oldLength)
        if valueBytes.count <= old.utf8.count {
          stringOffset = offset
          let padded = valueBytes + [UInt8](repeating: 0, count: old.utf8.count - valueBytes.count + 1)
          stringWrites.append((try checked.add(source.stringTableOffset, offset, "string offset"), padded))
          plan.details.append(
            "the string was rewritten in place (\(valueBytes.count) of \(old.utf8.count) bytes, padded with NUL)")
        }
      }
    }

    // The entries after the edit, values filled in once the string's offset is known.
    var newLive = live
    var newEntryIndex: Int?
    for index in keep { newLive[index].tag = finalTag(index) }
    for index in drop.reversed() { newLive.remove(at: index) }
    if keep.isEmpty {
      newLive.append(DynamicEntry(tag: (requestedTag ?? defaultTag).dynamicTag, value: 0))
      newEntryIndex = newLive.count - 1
    }
    let keptPositions: [Int] = keep.map { index in index - drop.filter { $0 < index }.count }
    let targetPositions = keptPositions + (newEntryIndex.map { [$0] } ?? [])
    let moveDynamic = newEntryIndex != nil && !hasSpareSlot(forCount: newLive.count)
    if moveDynamic && source.identity.machine == .mips {
      // DT_MIPS_RLD_MAP_REL is relative to its own entry's address: .dynamic cannot simply move.
      throw ElfError(path, .usage, "a new entry needs .dynamic to move, which elfdyn does not do for MIPS files")
    }
    if let newEntryIndex, !moveDynamic {
      plan.details.append(
        "a new \(RunpathTag(tag: newLive[newEntryIndex].tag).name) entry went into a spare DT_NULL slot")
    }

    if let stringOffset {
      for position in targetPositions { newLive[position].value = stringOffset }
      plan.writes += stringWrites
      plan.writes += dynamicSlotWrites(newLive: newLive)
      if !drop.isEmpty { plan.details.append("the other runpath entry was removed (one tag was asked for)") }
      if keep.contains(where: { finalTag($0) != live[$0].tag }) {
        plan.details.append("the entry was retagged \((requestedTag ?? defaultTag).name)")
      }
      plan.strategy = .inPlace
      return plan
    }

    // The string table must grow.
    if !moveDynamic,
      let grown = try growOwnSegment(
        value: valueBytes, reclaim: reclaimable, newLive: newLive,
        targets: targetPositions, plan: plan)
    {
      var grown = grown
      if newEntryIndex != nil { grown.strategy = .spareSlot }
      return grown
    }
    var result = try newSegment(
      value: valueBytes, newLive: newLive, targets: targetPositions, moveDynamic: moveDynamic, plan: plan)
    if newEntryIndex != nil && !moveDynamic { result.strategy = .spareSlot }
    return result
  }

  /// Whether the table has a DT_NULL slot after the terminator for one more entry: `count` live
  /// entries plus a terminator fit in PT_DYNAMIC and in the .dynamic section, and every slot from the
  /// first DT_NULL on is DT_NULL.
  private func hasSpareSlot(forCount count: Int) -> Bool {
    let slots = source.dynamicSlots
    guard let null = source.nullIndex, count + 1 <= slots.count else { return false }
    guard slots[null...].allSatisfy({ $0.tag == DynamicTag.null }) else { return false }
    if let section = source.dynamicSection, section.size < UInt64(count + 1) * UInt64(codec.dynSize) { return false }
    return true
  }

  /// Writes for the slots of the dynamic table (in place) that differ after the edit.
  private func dynamicSlotWrites(newLive: [DynamicEntry]) -> [(offset: UInt64, bytes: [UInt8])] {
    let slots = source.dynamicSlots
    var writes: [(offset: UInt64, bytes: [UInt8])] = []
    let base = source.dynamicHeader.offset
    for index in slots.indices {
      let wanted = index < newLive.count ? newLive[index] : DynamicEntry(tag: DynamicTag.null, value: 0)
      if index >= newLive.count && index > (source.nullIndex ?? slots.count) { break }
      guard slots[index] != wanted else { continue }
      writes.append((base + UInt64(index * codec.dynSize), codec.encode(wanted)))
    }
    return writes
  }

  // MARK: - Does anything else use these bytes?

  /// Whether any string reference other than the entries in `ignoring` points into
  /// [offset, offset+length] of the dynamic string table, or the string is the tail of another
  /// (tail merging). Answers true when it cannot tell.
  private func isShared(offset: UInt64, length: UInt64, ignoring: Set<Int>) throws(ElfError) -> Bool {
    let end = offset + length
    if offset > 0 {
      let before = try source.read(
        offset: source.stringTableOffset + offset - 1, count: 1, what: "the dynamic string table")
      if before.first != 0 { return true }
    }
    func inside(_ value: UInt64) -> Bool { value >= offset && value <= end }
    for (index, entry) in source.liveEntries.enumerated() where !ignoring.contains(index) {
      if entry.tag.namesString, inside(entry.value) { return true }
    }
    let live = source.liveEntries
    // Symbol names.
    if live.contains(where: { $0.tag == DynamicTag.symtab }) {
      guard let dynsym = source.sections.first(where: { $0.type == .dynsym }) else { return true }
      var shared = false
      try source.forEachSymbolWindow(section: dynsym) { _, symbols in
        if symbols.contains(where: { inside(UInt64($0.name)) }) {
          shared = true
          return false
        }
        return true
      }
      if shared { return true }
    }
    // Version definition and requirement names.
    guard let names = source.versionNameOffsets() else { return true }
    return names.contains(where: inside)
  }

  // MARK: - Growing the segment an earlier edit added

  /// When the dynamic string table ends the last PT_LOAD, which ends the file (what an earlier edit
  /// leaves), the string is written there: over the old value when that was the table's last string,
  /// else appended. Nil when the file is not laid out so.
  private func growOwnSegment(
    value: [UInt8], reclaim: (offset: UInt64, length: UInt64)?, newLive: [DynamicEntry], targets: [Int],
    plan: EditPlan
  ) throws(ElfError) -> EditPlan? {
    var plan = plan
    let phdrs = source.programHeaders
    let strsz = source.stringTableSize
    let tableEnd = try checked.add(source.stringTableOffset, strsz, "string table end")
    guard tableEnd == source.fileSize,
      let loadIndex = phdrs.indices.first(where: {
        phdrs[$0].type == .load
          && phdrs[$0].containsFileImage(address: source.stringTableAddress, size: strsz)
      })
    else { return nil }
    let load = phdrs[loadIndex]
    let maxVaddr = phdrs.filter { $0.type == .load }.map(\.vaddr).max() ?? 0
    // An earlier edit that moved PT_GNU_RELRO here padded the segment's memory size to a page.
    let relroIndex = phdrs.indices.first {
      phdrs[$0].type == .gnuRelro && phdrs[$0].vaddr == load.vaddr && phdrs[$0].memsz == load.memsz
    }
    guard load.offset.addingReportingOverflow(load.filesz) == (source.fileSize, false),
      load.memsz == load.filesz || relroIndex != nil, load.vaddr == maxVaddr
    else {
      return nil
    }
    if !source.sections.isEmpty, source.dynamicStringSection == nil { return nil }
    var start = strsz
    if let reclaim {
      // The old value is the table's last string (possibly followed by the NUL padding of an earlier,
      // shorter in-place edit): the new one is written over it.
      let after = reclaim.offset + reclaim.length + 1
      if after == strsz {
        start = reclaim.offset
      } else if after < strsz, strsz - after <= 65536 {
        let rest = try source.read(
          offset: source.stringTableOffset + after, count: Int(strsz - after), what: "the dynamic string table")
        if rest.allSatisfy({ $0 == 0 }) { start = reclaim.offset }
      }
    }
    let newSize = start + UInt64(value.count) + 1
    var grown = load
    grown.filesz = load.filesz - strsz + newSize
    grown.memsz = grown.filesz
    if relroIndex != nil {
      let page = max(phdrs.filter { $0.type == .load }.map(\.align).max() ?? 1, 0x1000)
      guard page & (page - 1) == 0 else { return nil }
      let end = try checked.alignUp(try checked.add(grown.vaddr, grown.filesz, "segment end"), page, "segment end")
      grown.memsz = end - grown.vaddr
    }
    guard try checked.add(grown.vaddr, grown.memsz, "segment end") <= codec.maxWord else { return nil }
    if let relroIndex {
      var relro = phdrs[relroIndex]
      relro.filesz = grown.filesz
      relro.memsz = grown.memsz
      plan.writes.append((phdrOffset(relroIndex), codec.encode(relro)))
    }
    var entries = newLive
    for position in targets { entries[position].value = start }
    for index in entries.indices where entries[index].tag == DynamicTag.strsz { entries[index].value = newSize }
    plan.writes += dynamicSlotWrites(newLive: entries)
    plan.writes.append((phdrOffset(loadIndex), codec.encode(grown)))
    if var section = source.dynamicStringSection {
      section.size = newSize
      plan.writes.append(
        (try sectionHeaderOffset(section.index), codec.encode(section, nameOffset: section.nameOffset)))
    }
    plan.tailOffset = source.stringTableOffset + start
    plan.tail = [.bytes(value + [0])]
    plan.strategy = .growSegment
    plan.details.append(
      start < strsz
        ? "the string replaced the old one at the end of the segment an earlier edit added"
        : "the string was appended to the segment an earlier edit added")
    return plan
  }

  private func phdrOffset(_ index: Int) -> UInt64 { source.header.phoff + UInt64(index * codec.phdrSize) }

  private func sectionHeaderOffset(_ index: Int) throws(ElfError) -> UInt64 {
    try checked.add(source.header.shoff, UInt64(index * codec.shdrSize), "section header offset")
  }

  // MARK: - A new segment

  /// How the program header table gets room for one more entry.
  private enum Room {
    case nullSlot(Int)
    case slack
    /// Sections right after the table (.interp, notes), moved as one block into the new segment.
    case moveBlock(start: UInt64, end: UInt64, sections: [Int], segments: [Int])
    case moveTable
  }

  private func newSegment(
    value: [UInt8], newLive: [DynamicEntry], targets: [Int], moveDynamic: Bool, plan: EditPlan
  ) throws(ElfError) -> EditPlan {
    var plan = plan
    let phdrs = source.programHeaders
    let header = source.header
    let loads = phdrs.indices.filter { phdrs[$0].type == .load }
    guard let lastLoad = loads.last else { throw ElfError(path, .malformed, "the file has no PT_LOAD segment") }
    let align = max(1, loads.map { phdrs[$0].align }.max() ?? 1)
    guard align & (align - 1) == 0 else {
      throw ElfError(path, .malformed, "a PT_LOAD alignment (\(hex(align))) is not a power of two")
    }
    let page = max(align, 0x1000)
    var maxEnd: UInt64 = 0
    for index in loads {
      maxEnd = max(maxEnd, try checked.add(phdrs[index].vaddr, phdrs[index].memsz, "a PT_LOAD's end"))
    }
    let entrySize = UInt64(codec.phdrSize)
    let tableSize = try checked.multiply(UInt64(header.phnum), entrySize, "the program header table size")
    let tableEnd = try checked.add(header.phoff, tableSize, "the program header table end")
    let room = try programHeaderRoom(tableEnd: tableEnd)
    let isProgram = phdrs.contains { $0.type == .interp } || header.type == .executable

    // Lay out the tail: [program header table] [moved block] [.dynamic] [.dynstr + the new string].
    var tailStart = try checked.alignUp(source.fileSize, 16, "the end of the file")
    // A gap of the largest dynamic symbol's size (address space only, no file bytes): eu-elflint
    // counts a relocation against a symbol as touching [r_offset, r_offset + st_size], and would
    // otherwise find relocations that "modify" the new read-only segment.
    let gap = try checked.alignUp(try largestDynamicSymbolSize(), page, "the new segment's address")
    let segmentBase = try checked.add(
      try checked.alignUp(maxEnd, page, "the new segment's address"), gap, "the new segment's address")
    var vaddr: UInt64
    if case .moveTable = room, isProgram, let first = loads.min(by: { phdrs[$0].vaddr < phdrs[$1].vaddr }),
      phdrs[first].vaddr >= phdrs[first].offset
    {
      // Old kernels compute AT_PHDR as (first segment's address - its offset) + e_phoff: keep that
      // difference for the new segment so they find the moved table.
      let base = phdrs[first].vaddr - phdrs[first].offset
      if try checked.add(base, tailStart, "the new segment's address") < segmentBase {
        tailStart = segmentBase - base
      }
      vaddr = base + tailStart
    } else {
      vaddr = try checked.add(segmentBase, tailStart % page, "the new segment's address")
    }
    var cursor = tailStart
    var tableOffset: UInt64?
    let newPhnum: Int
    if case .nullSlot = room { newPhnum = header.phnum } else { newPhnum = header.phnum + 1 }
    guard newPhnum < ElfHeaderLayout.extendedCount else {
      throw ElfError(path, .usage, "the program header table is full (65534 entries)")
    }
    if case .moveTable = room {
      tableOffset = cursor
      cursor += UInt64(newPhnum) * entrySize
    }
    var blockOffset: UInt64?
    if case .moveBlock(let start, let end, _, _) = room {
      cursor = try checked.alignUp(cursor, 64, "layout") + start % 64
      blockOffset = cursor
      cursor += end - start
    }
    var dynamicOffset: UInt64?
    let dynamicCount = newLive.count + 1 + (moveDynamic ? 3 : 0)
    if moveDynamic {
      cursor = try checked.alignUp(cursor, 16, "layout")
      dynamicOffset = cursor
      cursor += UInt64(dynamicCount * codec.dynSize)
    }
    cursor = try checked.alignUp(cursor, 8, "layout")
    let stringsOffset = cursor
    let strsz = source.stringTableSize
    let newStrsz = try checked.add(strsz, UInt64(value.count) + 1, "the new string table size")
    cursor += newStrsz
    let segmentSize = cursor - tailStart
    guard try checked.add(vaddr, segmentSize, "the new segment's end") <= codec.maxWord,
      cursor <= codec.maxWord
    else {
      throw ElfError(path, .usage, "the new segment would not fit the 32-bit address space")
    }
    func address(_ offset: UInt64) -> UInt64 { vaddr + (offset - tailStart) }

    // The program header table after the edit.
    var table = phdrs
    let writable = moveDynamic && isDynamicWritable()
    // lld puts .dynamic in PT_GNU_RELRO and pads that region to a page boundary (.relro_padding,
    // NOBITS). When .dynamic was all the segment held, moving it leaves a writable PT_LOAD that
    // nothing writes: that segment becomes read-only and PT_GNU_RELRO follows .dynamic into the
    // new segment, padded to a page boundary in the same way (address space only).
    let emptied = moveDynamic && writable ? segmentLeftEmptyByMovingDynamic() : nil
    var memorySize = segmentSize
    if let emptied, emptied.relro != nil {
      let end = try checked.alignUp(
        try checked.add(vaddr, segmentSize, "the new segment's end"), page, "the new segment's end")
      guard end <= codec.maxWord else {
        throw ElfError(path, .usage, "the new segment would not fit the 32-bit address space")
      }
      memorySize = end - vaddr
    }
    if let emptied {
      table[emptied.load].flags.remove(.write)
      if let relro = emptied.relro {
        table[relro] = ProgramHeader(
          type: .gnuRelro, flags: [.read], offset: tailStart, vaddr: vaddr, paddr: vaddr, filesz: segmentSize,
          memsz: memorySize, align: 1)
      }
    }
    let load = ProgramHeader(
      type: .load, flags: writable ? [.read, .write] : [.read], offset: tailStart, vaddr: vaddr, paddr: vaddr,
      filesz: segmentSize, memsz: memorySize, align: align)
    var blockDelta: (offset: UInt64, address: UInt64, oldAddress: UInt64)?
    if case .moveBlock(let start, _, _, let segments) = room, let blockOffset {
      guard let oldAddress = addressOfOffset(start) else {
        throw ElfError(path, .malformed, "the notes after the program header table are not in a PT_LOAD")
      }
      blockDelta = (blockOffset, address(blockOffset), oldAddress)
      for index in segments {
        table[index].offset = table[index].offset - start + blockOffset
        table[index].vaddr = table[index].vaddr &- oldAddress &+ address(blockOffset)
        table[index].paddr = table[index].vaddr
      }
    }
    if moveDynamic, let dynamicOffset {
      let index = source.dynamicPhdrIndex
      table[index].offset = dynamicOffset
      table[index].vaddr = address(dynamicOffset)
      table[index].paddr = address(dynamicOffset)
      table[index].filesz = UInt64(dynamicCount * codec.dynSize)
      table[index].memsz = table[index].filesz
    }
    switch room {
    case .nullSlot(let index): table[index] = load
    default: table.insert(load, at: lastLoad + 1)
    }
    for index in table.indices where table[index].type == .phdr {
      table[index].filesz = UInt64(newPhnum) * entrySize
      table[index].memsz = table[index].filesz
      if let tableOffset {
        table[index].offset = tableOffset
        table[index].vaddr = address(tableOffset)
        table[index].paddr = address(tableOffset)
      }
    }
    let tableBytes = table.flatMap { codec.encode($0) }

    // The dynamic entries after the edit.
    var movedTables: [UInt64: UInt64] = [:]
    if case .moveBlock(_, _, let moved, _) = room, let blockDelta {
      for index in moved where source.sections[index].addr != 0 {
        movedTables[source.sections[index].addr] =
          source.sections[index].addr &- blockDelta.oldAddress &+ blockDelta.address
      }
    }
    var entries = newLive
    for position in targets { entries[position].value = strsz }
    for index in entries.indices {
      if entries[index].tag == DynamicTag.strtab { entries[index].value = address(stringsOffset) }
      if entries[index].tag == DynamicTag.strsz { entries[index].value = newStrsz }
      if entries[index].tag.namesTableAddress, entries[index].tag != DynamicTag.strtab,
        let moved = movedTables[entries[index].value]
      {
        entries[index].value = moved
      }
    }

    // Tail pieces in order.
    var tail: [TailPiece] = []
    var position = source.fileSize
    func pad(to offset: UInt64) {
      if offset > position { tail.append(.zeros(offset - position)) }
      position = offset
    }
    pad(to: tailStart)
    if let tableOffset {
      pad(to: tableOffset)
      tail.append(.bytes(tableBytes))
      position += UInt64(tableBytes.count)
    }
    if case .moveBlock(let start, let end, _, _) = room, let blockOffset {
      pad(to: blockOffset)
      tail.append(.copy(from: start, count: end - start))
      position += end - start
    }
    if let dynamicOffset {
      pad(to: dynamicOffset)
      var bytes: [UInt8] = []
      for entry in entries { bytes += codec.encode(entry) }
      for _ in entries.count..<dynamicCount { bytes += codec.encode(DynamicEntry(tag: DynamicTag.null, value: 0)) }
      tail.append(.bytes(bytes))
      position += UInt64(bytes.count)
    }
    pad(to: stringsOffset)
    tail.append(.copy(from: source.stringTableOffset, count: strsz))
    tail.append(.bytes(value + [0]))
    plan.tail = tail
    plan.tailOffset = source.fileSize

    // Writes into the original bytes.
    if !moveDynamic { plan.writes += dynamicSlotWrites(newLive: entries) }
    if tableOffset == nil {
      plan.writes.append((header.phoff, tableBytes))
    } else {
      var bytes: [UInt8] = []
      codec.appendWord(tableOffset ?? 0, to: &bytes)
      plan.writes.append((UInt64(codec.phoffFieldOffset), bytes))
    }
    if newPhnum != header.phnum {
      var bytes: [UInt8] = []
      codec.append(UInt16(newPhnum), to: &bytes)
      plan.writes.append((UInt64(codec.phnumFieldOffset), bytes))
    }
    // Section headers, and the symbols defined in what moved.
    var addressDeltas: [Int: (old: UInt64, new: UInt64)] = [:]
    if var section = source.dynamicStringSection {
      addressDeltas[section.index] = (section.addr, address(stringsOffset))
      section.offset = stringsOffset
      section.addr = address(stringsOffset)
      section.size = newStrsz
      plan.writes.append(
        (try sectionHeaderOffset(section.index), codec.encode(section, nameOffset: section.nameOffset)))
    }
    if moveDynamic, let dynamicOffset, var section = source.dynamicSection {
      addressDeltas[section.index] = (section.addr, address(dynamicOffset))
      section.offset = dynamicOffset
      section.addr = address(dynamicOffset)
      section.size = UInt64(dynamicCount * codec.dynSize)
      plan.writes.append(
        (try sectionHeaderOffset(section.index), codec.encode(section, nameOffset: section.nameOffset)))
    }
    if case .moveBlock(let start, _, let moved, _) = room, let blockOffset, let blockDelta {
      for index in moved {
        var section = source.sections[index]
        let newAddress = section.addr &- blockDelta.oldAddress &+ blockDelta.address
        addressDeltas[index] = (section.addr, newAddress)
        section.offset = section.offset - start + blockOffset
        section.addr = newAddress
        plan.writes.append((try sectionHeaderOffset(index), codec.encode(section, nameOffset: section.nameOffset)))
      }
    }
    let oldDynamicAddress = source.dynamicHeader.vaddr
    let newDynamicAddress = dynamicOffset.map(address)
    plan.writes += try symbolValueWrites(
      deltas: addressDeltas, dynamic: newDynamicAddress.map { (oldDynamicAddress, $0) })

    plan.strategy = .newSegment
    let flags = writable ? "RW" : "R"
    var what = ".dynstr"
    if moveDynamic { what = ".dynamic and .dynstr" }
    plan.details.append(
      "\(what) \(moveDynamic ? "were" : "was") copied to a new \(flags) PT_LOAD at offset \(hex(tailStart)), "
        + "address \(hex(vaddr)), align \(hex(align))")
    switch room {
    case .nullSlot: plan.details.append("the new PT_LOAD took an unused PT_NULL program header")
    case .slack: plan.details.append("the program header table grew into free bytes after it")
    case .moveBlock(_, _, let moved, _):
      let names = moved.map { source.sections[$0].name }.joined(separator: ", ")
      plan.details.append("\(names) moved into the new segment to give the program header table room")
    case .moveTable: plan.details.append("the program header table moved into the new segment")
    }
    if let emptied {
      plan.details.append(
        "the PT_LOAD that held .dynamic (and only lld's .relro_padding besides) is read-only now")
      if emptied.relro != nil {
        plan.details.append(
          "PT_GNU_RELRO moved with .dynamic: it covers the new segment, padded to a \(hex(page)) boundary")
      }
    } else if moveDynamic && isInRelro() {
      plan.details.append("the moved .dynamic is writable but no longer inside PT_GNU_RELRO")
    }
    return plan
  }

  /// The PT_LOAD that holds `.dynamic`, when it holds nothing else but lld's `.relro_padding`
  /// (NOBITS, never written) and no other segment lies in it; with the PT_GNU_RELRO inside it,
  /// if any. Nil without section headers (nothing says what else the segment holds).
  private func segmentLeftEmptyByMovingDynamic() -> (load: Int, relro: Int?)? {
    guard let dynamicSection = source.dynamicSection else { return nil }
    let phdrs = source.programHeaders
    let dynamic = source.dynamicHeader
    guard
      let index = phdrs.indices.first(where: {
        phdrs[$0].type == .load && phdrs[$0].containsFileImage(address: dynamic.vaddr, size: dynamic.filesz)
      })
    else { return nil }
    let load = phdrs[index]
    let (end, overflow) = load.vaddr.addingReportingOverflow(load.memsz)
    guard load.flags.contains(.write), !overflow else { return nil }
    func overlaps(_ address: UInt64, _ size: UInt64) -> Bool {
      guard size > 0 else { return false }
      let (last, overflow) = address.addingReportingOverflow(size)
      return overflow || (address < end && last > load.vaddr)
    }
    for section in source.sections
    where section.index > 0 && section.index != dynamicSection.index && section.flags.contains(.alloc) {
      guard overlaps(section.addr, section.size) else { continue }
      guard section.type == .nobits, section.name == ".relro_padding" else { return nil }
    }
    var relro: Int?
    for (other, phdr) in phdrs.enumerated() where other != index && overlaps(phdr.vaddr, phdr.memsz) {
      switch phdr.type {
      case .dynamic: continue
      case .gnuRelro:
        let (relroEnd, overflow) = phdr.vaddr.addingReportingOverflow(phdr.memsz)
        guard !overflow, phdr.vaddr >= load.vaddr, relroEnd <= end else { return nil }
        relro = other
      default: return nil
      }
    }
    return (index, relro)
  }

  /// The largest st_size in .dynsym (0 without section headers).
  private func largestDynamicSymbolSize() throws(ElfError) -> UInt64 {
    guard let dynsym = source.sections.first(where: { $0.type == .dynsym }) else { return 0 }
    var largest: UInt64 = 0
    try source.forEachSymbolWindow(section: dynsym) { _, symbols in
      for symbol in symbols where symbol.size > largest { largest = symbol.size }
      return true
    }
    return min(largest, 1 << 30)
  }

  /// Whether the loader may write into .dynamic (PT_DYNAMIC or the .dynamic section is writable, or
  /// a writable PT_LOAD holds it): the moved copy must then be in a writable segment.
  private func isDynamicWritable() -> Bool {
    let dynamic = source.dynamicHeader
    if dynamic.flags.contains(.write) { return true }
    if let section = source.dynamicSection, section.flags.contains(.write) { return true }
    return source.programHeaders.contains {
      $0.type == .load && $0.flags.contains(.write)
        && $0.containsFileImage(address: dynamic.vaddr, size: dynamic.filesz)
    }
  }

  private func isInRelro() -> Bool {
    let dynamic = source.dynamicHeader
    return source.programHeaders.contains {
      $0.type == .gnuRelro && dynamic.vaddr >= $0.vaddr && dynamic.vaddr - $0.vaddr < $0.memsz
    }
  }

  /// The virtual address of a file offset, through the PT_LOAD whose file image holds it.
  private func addressOfOffset(_ offset: UInt64) -> UInt64? {
    for phdr in source.programHeaders where phdr.type == .load {
      if offset >= phdr.offset, offset - phdr.offset < phdr.filesz { return phdr.vaddr &+ (offset - phdr.offset) }
    }
    return nil
  }

  /// Where one more program header can go, cheapest first.
  private func programHeaderRoom(tableEnd: UInt64) throws(ElfError) -> Room {
    let phdrs = source.programHeaders
    if let index = phdrs.firstIndex(where: { $0.type == .null }) { return .nullSlot(index) }
    let entrySize = UInt64(codec.phdrSize)
    let phoff = source.header.phoff
    // The PT_LOAD that maps the table (executables need it mapped); the table may only grow inside it.
    let covering = phdrs.first {
      $0.type == .load && phoff >= $0.offset && tableEnd - $0.offset <= $0.filesz
    }
    var limit = covering.map { $0.offset &+ $0.filesz } ?? source.fileSize
    if source.header.shoff >= tableEnd, source.header.shnum > 0 { limit = min(limit, source.header.shoff) }
    limit = min(limit, source.fileSize)
    // Sections and segments that start after the table, by offset.
    let followers = source.sections.filter { $0.index > 0 && $0.fileSize > 0 && $0.offset >= tableEnd }
      .sorted { $0.offset < $1.offset }
    let segmentStarts = phdrs.indices.filter {
      phdrs[$0].filesz > 0 && phdrs[$0].offset >= tableEnd && phdrs[$0].type != .phdr
    }
    var firstOccupied = limit
    if let first = followers.first { firstOccupied = min(firstOccupied, first.offset) }
    for index in segmentStarts { firstOccupied = min(firstOccupied, phdrs[index].offset) }
    if firstOccupied >= tableEnd, firstOccupied - tableEnd >= entrySize { return .slack }

    // Move .interp and notes that follow the table.
    guard !followers.isEmpty else { return .moveTable }
    let interp = phdrs.first { $0.type == .interp }
    let tableAddresses = Set(
      source.liveEntries.filter { $0.tag.namesTableAddress && $0.tag != DynamicTag.strtab }.map(\.value))
    func movable(_ section: SectionHeader) -> Bool {
      guard section.flags.contains(.alloc), !section.flags.contains(.write) else {
        return false
      }
      if section.type == .note { return true }
      if section.type == .progbits && interp?.offset == section.offset && interp?.filesz == section.size {
        return true
      }
      // A table the dynamic section points to (.dynsym, hash tables, versions, relocations): moved
      // with its DT_ entry updated. Nothing else refers to these by address.
      return section.addr != 0 && tableAddresses.contains(section.addr) && section.addr != source.stringTableAddress
    }
    var moved: [Int] = []
    var blockEnd = tableEnd
    for (position, section) in followers.enumerated() {
      guard movable(section) else { break }
      moved.append(section.index)
      guard section.offset.addingReportingOverflow(section.size).overflow == false else { break }
      blockEnd = max(blockEnd, section.offset + section.size)
      let next = position + 1 < followers.count ? followers[position + 1].offset : limit
      var free = min(next, limit)
      // A segment other than the moved notes' and interpreter's that starts in the freed bytes ends it.
      let blockStart = source.sections[moved[0]].offset
      var segments: [Int] = []
      var blocked = false
      for index in segmentStarts where phdrs[index].offset < free {
        let p = phdrs[index]
        let kind = p.type == .interp || p.type == .note || p.type == .gnuProperty
        if kind, p.offset >= blockStart, p.offset <= blockEnd, p.filesz <= blockEnd - p.offset {
          segments.append(index)
        } else if p.offset < blockEnd {
          blocked = true
        } else {
          free = min(free, p.offset)
        }
      }
      if blocked { continue }
      if free >= tableEnd, free - tableEnd >= entrySize {
        return .moveBlock(start: blockStart, end: blockEnd, sections: moved, segments: segments)
      }
    }
    return .moveTable
  }

  /// New st_value fields for the symbols defined in sections that moved (by section index), and for
  /// `_DYNAMIC` wherever it is defined, in .symtab and .dynsym.
  private func symbolValueWrites(
    deltas: [Int: (old: UInt64, new: UInt64)], dynamic: (old: UInt64, new: UInt64)?
  ) throws(ElfError) -> [(offset: UInt64, bytes: [UInt8])] {
    guard !deltas.isEmpty || dynamic != nil else { return [] }
    var writes: [(offset: UInt64, bytes: [UInt8])] = []
    let symbolSize = UInt64(codec.symSize)
    // By section index: an array lookup per symbol, not a hash (librustc_driver has 186,000
    // symbols; the dictionary lookups were 25 of the run's 84 million instructions).
    var moves = [(old: UInt64, new: UInt64)?](repeating: nil, count: (deltas.keys.max() ?? -1) + 1)
    for (index, move) in deltas where index >= 0 { moves[index] = move }
    for table in source.sections where table.type == .symtab || table.type == .dynsym {
      let names: SectionHeader? = Int(table.link) < source.sections.count ? source.sections[Int(table.link)] : nil
      try source.forEachSymbolWindow(section: table) { first, symbols throws(ElfError) in
        for (number, symbol) in symbols.enumerated() {
          var newValue: UInt64?
          if symbol.shndx.isSection, Int(symbol.shndx.rawValue) < moves.count,
            let move = moves[Int(symbol.shndx.rawValue)]
          {
            newValue = symbol.value &- move.old &+ move.new
          } else if let dynamic, symbol.value == dynamic.old, let names,
            try symbolName(symbol, in: names) == "_DYNAMIC"
          {
            newValue = dynamic.new
          }
          guard let newValue, newValue != symbol.value else { continue }
          let offset = table.offset + UInt64(first + number) * symbolSize + UInt64(codec.symValueOffset)
          var bytes: [UInt8] = []
          codec.appendWord(newValue, to: &bytes)
          writes.append((offset, bytes))
        }
        return true
      }
    }
    return writes
  }

  private func symbolName(_ symbol: SymbolRecord, in names: SectionHeader) throws(ElfError) -> String? {
    guard UInt64(symbol.name) < names.size else { return nil }
    let available = min(16, names.size - UInt64(symbol.name))
    let bytes = try source.read(
      offset: names.offset + UInt64(symbol.name), count: Int(available), what: "a symbol name")
    let end = bytes.firstIndex(of: 0) ?? bytes.count
    return String(decoding: bytes[..<end], as: UTF8.self)
  }
}

extension RunpathTag {
  init(tag: DynamicTag) { self = tag == .rpath ? .rpath : .runpath }
}
