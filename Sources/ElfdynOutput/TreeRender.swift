import ElfTool

/// Renders a `LoadGraph`: the text tree, ldd's flat list, the JSON contract and Graphviz DOT. Every
/// format shows the same facts.
public struct TreeRenderer {
  /// The resolved load graph to render.
  public var graph: LoadGraph
  /// Hints for missing objects, by object index.
  public var hints: [Int: String]

  /// A renderer of `graph`, with a hint sentence per missing object index.
  public init(graph: LoadGraph, hints: [Int: String] = [:]) {
    self.graph = graph
    self.hints = hints
  }

  /// "runpath", "rpath of liba.so", "ld.so.cache", ... `shownUnder`: the object the tree shows it
  /// under; a runpath or rpath of another object (the one that caused the load) is named.
  public func via(_ index: Int, shownUnder parent: Int? = nil) -> String {
    // Fields read in place: a copy of the object would retain each of its references.
    let loader = graph.objects[index].loader
    let base: String
    let parent = parent ?? loader
    switch graph.objects[index].via {
    case .input: base = "input"
    case .direct: base = "direct"
    case .rpath(let owner):
      base = owner == parent ? "rpath" : "rpath of \(graph.objects[owner].displayName)"
    case .libraryPath: base = "LD_LIBRARY_PATH"
    case .libraryPathOption: base = "-L"
    case .runpath:
      base = parent == loader ? "runpath" : "runpath of \(loader.map { graph.objects[$0].displayName } ?? "?")"
    case .cache: base = "ld.so.cache"
    case .defaultPath: base = "default path"
    case .interpreter: base = "interpreter"
    case .notFound: base = "not found"
    case .failed: base = "error"
    }
    if graph.objects[index].preloaded {
      return graph.objects[index].via == .direct ? "LD_PRELOAD" : "LD_PRELOAD, \(base)"
    }
    return base
  }

  // MARK: JSON

  /// The JSON contract: {"path", "interpreter", "objects": [{"name", "path", "found", "via",
  /// "needed", "neededBy", "error"?, "tried"?, "hint"?}]}.
  public func json() -> JSONValue {
    var objects: [JSONValue] = []
    for (index, object) in graph.objects.enumerated() {
      var fields: [(String, JSONValue)] = [
        ("name", .string(object.name)),
        ("path", .optional(object.path)),
        ("found", .bool(object.found)),
        ("via", .string(via(index))),
        ("needed", .array(object.needed.map { .string($0) })),
        ("neededBy", .array(object.neededBy.map { .string(graph.objects[$0].name) })),
      ]
      if let error = object.error { fields.append(("error", .string(error))) }
      if let warning = object.warning { fields.append(("warning", .string(warning))) }
      if object.via == .notFound {
        fields.append(("tried", .array(object.tried.map { .string($0.directory) })))
      }
      if let hint = hints[index] { fields.append(("hint", .string(hint))) }
      if let host = object.hostPath, host != object.path { fields.append(("hostPath", .string(host))) }
      if index < graph.dlopen.count {
        let declared = graph.dlopen[index]
        if !declared.edges.isEmpty {
          fields.append(("dlopen", .array(declared.edges.map { dlopenJSON($0, from: index) })))
        }
        if !declared.problems.isEmpty {
          fields.append(("dlopenWarnings", .array(declared.problems.map { .string($0) })))
        }
      }
      objects.append(.object(fields))
    }
    var fields: [(String, JSONValue)] = [
      ("path", .string(graph.input)),
      ("interpreter", .optional(graph.interpreter)),
    ]
    if graph.staticallyLinked { fields.append(("staticallyLinked", .bool(true))) }
    if let warning = graph.unknownLoaderWarning { fields.append(("warning", .string(warning))) }
    if graph.secure { fields.append(("secure", .bool(true))) }
    fields.append(("objects", .array(objects)))
    return .object(fields)
  }

  /// One `.note.dlopen` entry: {"name", "sonames", "feature"?, "description"?, "priority", "found",
  /// "path", "via", "alreadyLoaded", "error"?, "tried"?}.
  func dlopenJSON(_ edge: DlopenEdge, from owner: Int) -> JSONValue {
    var fields: [(String, JSONValue)] = [
      ("name", .string(edge.name)),
      ("sonames", .array(edge.dependency.sonames.map { .string($0) })),
    ]
    if let feature = edge.dependency.feature { fields.append(("feature", .string(feature))) }
    if let description = edge.dependency.description { fields.append(("description", .string(description))) }
    fields.append(("priority", .string(edge.dependency.priority.rawValue)))
    fields.append(("found", .bool(edge.found)))
    fields.append(("path", .optional(edge.path(in: graph))))
    fields.append(("via", .string(dlopenVia(edge, from: owner))))
    if case .loaded = edge.target {
      fields.append(("alreadyLoaded", .bool(true)))
    } else {
      fields.append(("alreadyLoaded", .bool(false)))
    }
    switch edge.target {
    case .failed(_, let message): fields.append(("error", .string(message)))
    case .missing(let tried): fields.append(("tried", .array(tried.map { .string($0.directory) })))
    default: break
    }
    return .object(fields)
  }

  /// The step of the search that found a dlopen dependency, as `via` names them for DT_NEEDED;
  /// "loaded" for one already in the startup closure.
  public func dlopenVia(_ edge: DlopenEdge, from owner: Int) -> String {
    switch edge.target {
    case .loaded: return "loaded"
    case .missing: return "not found"
    case .failed: return "error"
    case .found(let object):
      switch object.via {
      case .rpath(let rpathOwner):
        return rpathOwner == owner ? "rpath" : "rpath of \(graph.objects[rpathOwner].displayName)"
      case .libraryPath: return "LD_LIBRARY_PATH"
      case .libraryPathOption: return "-L"
      case .runpath: return "runpath"
      case .cache: return "ld.so.cache"
      case .defaultPath: return "default path"
      case .direct: return "direct"
      default: return "found"
      }
    }
  }

  /// The dlopen dependencies `index` declares (none when they were not read).
  func dlopenEdges(_ index: Int) -> [DlopenEdge] { index < graph.dlopen.count ? graph.dlopen[index].edges : [] }

  /// The text row of a dlopen dependency, and the lines under it.
  func dlopenRow(_ edge: DlopenEdge, from owner: Int, style s: Style) -> ([UInt8], [[UInt8]]) {
    var row = TextBuffer()
    let dependency = edge.dependency
    let tag = "[dlopen: " + (dependency.feature.map { $0 + ", " } ?? "") + dependency.priority.rawValue + "]"
    var lines: [[UInt8]] = []
    func note(_ text: String) {
      var line = TextBuffer()
      line += text
      lines.append(line.bytes)
    }
    switch edge.target {
    case .missing(let tried):
      row += s.bold(dependency.sonames.joined(separator: " | "))
      row += " "
      row += dependency.priority == .required ? s.red("not found") : s.yellow("not found")
      row += " "
      row += s.cyan(tag)
      if dependency.priority == .suggested { row += s.dim(" (suggested: not an error)") }
      if !tried.isEmpty {
        for (number, line) in wrap(describeTried(tried), width: 100).enumerated() {
          note(s.dim((number == 0 ? "tried: " : "       ") + line))
        }
      }
    case .failed(let path, let message):
      row += s.bold(edge.name) + " => " + path + " "
      row += s.red("cannot be loaded: " + message)
      row += " "
      row += s.cyan(tag)
    case .loaded, .found:
      row += s.bold(edge.name)
      if let path = edge.path(in: graph), path != edge.name { row += " => " + path }
      row += " "
      row += s.cyan(tag)
      if case .loaded = edge.target {
        row += s.dim(" (already loaded)")
      } else {
        row += " " + s.cyan("[" + dlopenVia(edge, from: owner) + "]")
      }
    }
    return (row.bytes, lines)
  }

  // MARK: flat

  /// One line per loaded object in load order, as ldd prints them (without load addresses).
  public func flat() -> String {
    if graph.staticallyLinked { return "\tstatically linked\n" }
    var out = ""
    for object in graph.objects.dropFirst() {
      if object.via == .notFound {
        out += "\t\(object.name) => not found\n"
      } else if let error = object.error {
        out += "\t\(object.name) => \(object.path ?? "?") (cannot be loaded: \(error))\n"
      } else if let path = object.path {
        out += object.name == path ? "\t\(path)\n" : "\t\(object.name) => \(path)\n"
        // musl's --list also shows the names its loader provides itself (libc.so, libm.so.6, ...)
        // as resolving to it.
        if object.via == .interpreter && graph.loader.kind == .musl {
          for name in object.names where name != path && name != object.name {
            out += "\t\(name) => \(path)\n"
          }
        }
      }
    }
    return out
  }

  // MARK: text tree

  /// How the text tree is drawn.
  public struct TextOptions: Sendable {
    /// Expand every occurrence of an object, not only the first.
    public var all = false
    /// Show at most this many levels below the input.
    public var depth: Int?
    /// Colours and emphasis (off by default).
    public var style = Style(enabled: false)
    /// Every object once, no depth limit, no colour.
    public init() {}
  }

  /// The tree, like libtree's: each library with the path it resolved to and why; an object seen
  /// before is shown again without its subtree; missing libraries with the directories tried.
  public func text(_ options: TextOptions) -> String {
    String(decoding: textBytes(options), as: UTF8.self)
  }

  /// `text` as UTF-8 bytes, built without String appends (which check grapheme boundaries at every
  /// join of non-ASCII text such as the box-drawing prefixes).
  public func textBytes(_ options: TextOptions) -> [UInt8] {
    let s = options.style
    var out = TextBuffer()
    out.bytes.reserveCapacity(graph.objects.count * 120)
    out += s.bold(graph.input)
    if graph.staticallyLinked {
      out += " " + s.dim("[statically linked: it loads no libraries]") + "\n"
      return out.bytes
    }
    if options.depth == 0 {
      let count = graph.edges[0].count + graph.preloads.count
      out += s.dim(" (\(count) direct dependenc\(count == 1 ? "y" : "ies") below --depth 0)") + "\n"
      return out.bytes
    }
    if let interp = graph.interpreter {
      let interpIndex = graph.objects.firstIndex { $0.via == .interpreter }
      let missing = interpIndex.map { graph.objects[$0].error != nil } ?? false
      out += s.dim(" [interpreter ") + (missing ? s.red(interp + " missing") : interp) + s.dim("]")
    }
    if graph.secure { out += s.dim(" [secure-execution mode: set-user-ID or set-group-ID]") }
    out += "\n"
    // Iterative depth-first walk (chains thousands deep must not overflow the stack). Each object
    // is shown once, expanded where the walk first meets it; later occurrences are left out unless
    // --all (which expands every occurrence). The rows are collected first and drawn after, since
    // whether a row is the last of its siblings depends on what the rows after it show.
    // The walk's stack as parallel arrays of types the resolver already uses (each new generic
    // type costs the Swift runtime a metadata instantiation on first use, which shows at this size).
    var edgeLists: [[DependencyEdge]] = []
    var nexts: [Int] = []
    var parents: [Int] = []
    // Whether the frame's dlopen rows (shown after its DT_NEEDED rows) were added.
    var dlopenShown: [Bool] = []
    var expanded = [UInt8](repeating: 0, count: graph.objects.count)
    expanded[0] = 1
    var onPath: [Int] = [0]
    var roots = graph.preloads
    roots.append(contentsOf: graph.edges[0])
    edgeLists.append(roots)
    nexts.append(0)
    parents.append(0)
    dlopenShown.append(false)
    // Each row: its depth, its text after the branch (a range of `arena`: one buffer for every
    // row, not an array each), and the lines under it (one level deeper).
    var depths: [Int] = []
    var arena = TextBuffer()
    arena.bytes.reserveCapacity(graph.objects.count * 96)
    var headStarts: [Int] = []
    var headEnds: [Int] = []
    var notes: [[[UInt8]]] = []
    // Room for a row per object (without --all each is shown once) and a frame per level: growing
    // a dozen small arrays from empty reallocates each of them several times per tree.
    let rows = graph.objects.count + 8
    depths.reserveCapacity(rows)
    headStarts.reserveCapacity(rows)
    headEnds.reserveCapacity(rows)
    notes.reserveCapacity(rows)
    edgeLists.reserveCapacity(16)
    nexts.reserveCapacity(16)
    parents.reserveCapacity(16)
    dlopenShown.reserveCapacity(16)
    onPath.reserveCapacity(16)
    var repeats = 0
    var explained: Set<String> = []
    while let top = edgeLists.indices.last {
      let position = nexts[top]
      guard position < edgeLists[top].count else {
        if !dlopenShown[top] {
          dlopenShown[top] = true
          let owner = parents[top]
          for edge in dlopenEdges(owner) {
            let (head, lines) = dlopenRow(edge, from: owner, style: s)
            depths.append(top)
            headStarts.append(arena.bytes.count)
            arena.bytes += head
            headEnds.append(arena.bytes.count)
            notes.append(lines)
          }
        }
        edgeLists.removeLast()
        dlopenShown.removeLast()
        nexts.removeLast()
        parents.removeLast()
        _ = onPath.popLast()
        continue
      }
      let edge = edgeLists[top][position]
      nexts[top] = position + 1
      let parent = parents[top]
      let to = edge.to
      let via = graph.objects[to].via
      let cycle = onPath.contains(to)
      let first = expanded[to] == 0
      let expandHere = !cycle && (options.all || first)
      // An interpreter that cannot be loaded keeps its `via` and carries the error.
      let unloadable = via == .failed || (via == .interpreter && graph.objects[to].error != nil)
      let missing = via == .notFound || unloadable
      if !options.all && !first && !missing {
        repeats += 1
        continue
      }
      headStarts.append(arena.bytes.count)
      arena.append(edge.name, s, .bold)
      switch via {
      case .notFound:
        arena.append(" ")
        arena.append("not found", s, .red)
        if edge.kind == .auxiliary { arena.append(" (auxiliary filter: not required)", s, .dim) }
      case _ where unloadable:
        arena.append(" => ")
        arena.append(graph.objects[to].path ?? "?")
        arena.append(" ")
        arena.append("cannot be loaded: " + (graph.objects[to].error ?? "error"), s, .red)
      default:
        if let path = graph.objects[to].path, path != edge.name {
          arena.append(" => ")
          arena.append(path)
        }
        if expandHere {
          arena.append(" ")
          arena.open(s, .cyan)
          arena.append("[")
          arena.append(self.via(to, shownUnder: parent))
          arena.append("]")
          arena.close(s)
        }
        if cycle {
          arena.append(" (cycle)", s, .dim)
        } else if !expandHere {
          arena.append(" (already loaded)", s, .dim)
        }
      }
      switch edge.kind {
      case .filter: arena.append(" {filter}", s, .dim)
      case .auxiliary: arena.append(" {auxiliary}", s, .dim)
      case .preload: arena.append(" {preload}", s, .dim)
      case .needed: break
      }
      var lines: [[UInt8]] = []
      func note(_ text: String) {
        var line = TextBuffer()
        line += text
        lines.append(line.bytes)
      }
      if expandHere, let warning = graph.objects[to].warning { note(s.yellow("warning: " + warning)) }
      if via == .notFound {
        // A missing library is explained where it is first met; elsewhere only named.
        if options.all || explained.insert(edge.name).inserted {
          let tried = graph.objects[to].tried
          if !tried.isEmpty {
            for (number, line) in wrap(describeTried(tried), width: 100).enumerated() {
              note(s.dim((number == 0 ? "tried: " : "       ") + line))
            }
          }
          if let hint = hints[to] { note(s.yellow("hint: " + hint)) }
        } else {
          arena.append(" (see above)", s, .dim)
        }
        expanded[to] = 1
      }
      var push = false
      if expandHere && !missing {
        expanded[to] = 1
        let children = graph.edges[to]
        let count = children.count + dlopenEdges(to).count
        if count > 0 {
          if let limit = options.depth, onPath.count >= limit {
            note(s.dim("… \(count) more below --depth \(limit)"))
          } else {
            push = true
          }
        }
      }
      depths.append(top)
      headEnds.append(arena.bytes.count)
      notes.append(lines)
      if push {
        onPath.append(to)
        edgeLists.append(graph.edges[to])
        nexts.append(0)
        parents.append(to)
        dlopenShown.append(false)
      }
    }
    // Draw: a row is the last of its siblings when the next row at its depth or above is above it.
    var lastFlags: [UInt8] = []
    lastFlags.reserveCapacity(16)
    var nextAtOrAbove = [Int](repeating: -1, count: depths.count)
    var latest: [Int] = []
    latest.reserveCapacity(16)
    for row in stride(from: depths.count - 1, through: 0, by: -1) {
      let depth = depths[row]
      var next = -1
      for level in 0...depth where level < latest.count && latest[level] >= 0 && (next < 0 || latest[level] < next) {
        next = latest[level]
      }
      nextAtOrAbove[row] = next
      while latest.count <= depth { latest.append(-1) }
      latest[depth] = row
      // Rows deeper than this one are not siblings of anything above it.
      if latest.count > depth + 1 { latest.removeLast(latest.count - depth - 1) }
    }
    for row in depths.indices {
      let depth = depths[row]
      let next = nextAtOrAbove[row]
      let isLast = next < 0 || depths[next] < depth
      lastFlags.removeLast(max(0, lastFlags.count - depth))
      for level in 0..<depth { out.bytes += lastFlags[level] == 1 ? TextBuffer.blank : TextBuffer.bar }
      out.bytes += isLast ? TextBuffer.lastBranch : TextBuffer.branch
      out.bytes += arena.bytes[headStarts[row]..<headEnds[row]]
      out.bytes.append(UInt8(ascii: "\n"))
      lastFlags.append(isLast ? 1 : 0)
      for line in notes[row] {
        for level in 0...depth { out.bytes += lastFlags[level] == 1 ? TextBuffer.blank : TextBuffer.bar }
        out.bytes += line
        out += "\n"
      }
    }
    if repeats > 0 {
      out += s.dim(
        "(\(repeats) more reference\(repeats == 1 ? "" : "s") to libraries shown above: --all shows every one)")
      out += "\n"
    }
    return out.bytes
  }

  /// `text` in lines of at most about `width` characters, broken after the commas of a list.
  func wrap(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    var current = ""
    for part in text.split(separator: ", ", omittingEmptySubsequences: false) {
      let piece = String(part)
      if current.isEmpty {
        current = piece
      } else if current.count + 2 + piece.count > width {
        lines.append(current + ",")
        current = piece
      } else {
        current += ", " + piece
      }
    }
    lines.append(current)
    return lines
  }

  /// "runpath /a, LD_LIBRARY_PATH /b, ld.so.cache, default path /lib/x86_64-linux-gnu /usr/lib/..."
  func describeTried(_ steps: [SearchStep]) -> String {
    var parts: [String] = []
    var lastLabel = ""
    for step in steps {
      let label: String
      switch step.via {
      case .rpath(let owner): label = "rpath of \(graph.objects[owner].displayName)"
      case .libraryPath: label = "LD_LIBRARY_PATH"
      case .libraryPathOption: label = "-L"
      case .runpath: label = "runpath"
      case .cache: label = "ld.so.cache"
      case .defaultPath: label = "default path"
      default: label = ""
      }
      if step.via == .cache {
        parts.append(label)
        lastLabel = label
      } else if label == lastLabel, !parts.isEmpty {
        parts[parts.count - 1] += " " + step.directory
      } else {
        parts.append(label + " " + step.directory)
        lastLabel = label
      }
    }
    return parts.joined(separator: ", ")
  }

  // MARK: DOT

  /// The graph for Graphviz: one node per object, one edge per dependency.
  public func dot() -> String {
    func q(_ s: String) -> String { JSONWriter.quote(s) }
    var out = "digraph \(q(graph.input)) {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n"
    for (index, object) in graph.objects.enumerated() {
      var label = object.displayName
      var attributes = ""
      if object.via == .notFound {
        label += "\nnot found"
        attributes = ", color=red, fontcolor=red"
      } else if let error = object.error {
        label += "\n" + error
        attributes = ", color=red, fontcolor=red"
      } else if let path = object.path, index > 0, path != label {
        label += "\n" + path
      }
      if index == 0 { attributes += ", style=bold" }
      out += "  n\(index) [label=\(q(label))\(attributes)];\n"
    }
    for edge in graph.preloads {
      out += "  n0 -> n\(edge.to) [style=dashed, label=\"preload\"];\n"
    }
    for (from, list) in graph.edges.enumerated() {
      for edge in list {
        let style =
          edge.kind == .needed ? "" : " [style=dotted, label=\(q(edge.kind == .filter ? "filter" : "auxiliary"))]"
        out += "  n\(from) -> n\(edge.to)\(style);\n"
      }
    }
    var dlopenNodes = 0
    for (from, declared) in graph.dlopen.enumerated() {
      for edge in declared.edges {
        let label = q("dlopen: " + edge.dependency.priority.rawValue)
        if case .loaded(let to) = edge.target {
          out += "  n\(from) -> n\(to) [style=dashed, label=\(label)];\n"
          continue
        }
        var text = edge.found ? edge.name : edge.dependency.sonames.joined(separator: " | ")
        var attributes = ", style=dashed"
        if let path = edge.path(in: graph), edge.found { text += "\n" + path }
        if !edge.found {
          text += "\nnot found"
          attributes += edge.dependency.priority == .required ? ", color=red, fontcolor=red" : ", color=orange"
        }
        out += "  d\(dlopenNodes) [label=\(q(text))\(attributes)];\n"
        out += "  n\(from) -> d\(dlopenNodes) [style=dashed, label=\(label)];\n"
        dlopenNodes += 1
      }
    }
    out += "}\n"
    return out
  }
}

extension LoadedObject {
  /// The name to show: the DT_NEEDED string, or the file name of the input.
  public var displayName: String { via == .input ? Sentences.basename(name) : name }
}

/// Output text as UTF-8 bytes.
struct TextBuffer {
  var bytes: [UInt8] = []
  static let bar = Array("│   ".utf8)
  static let blank = Array("    ".utf8)
  static let branch = Array("├── ".utf8)
  static let lastBranch = Array("└── ".utf8)

  static func += (buffer: inout TextBuffer, text: String) {
    buffer.append(text)
  }

  /// Appends the UTF-8 bytes of `text`.
  mutating func append(_ text: String) {
    var text = text
    text.withUTF8 { bytes.append(contentsOf: $0) }
  }

  /// Appends `text` in `tone` when `style` is enabled: the same bytes as `style`'s functions
  /// give, without building a String.
  mutating func append(_ text: String, _ style: Style, _ tone: Style.Tone) {
    open(style, tone)
    append(text)
    close(style)
  }

  /// Starts `tone` (when `style` is enabled); `close` ends it.
  mutating func open(_ style: Style, _ tone: Style.Tone) {
    guard style.enabled else { return }
    tone.escape.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }

  /// Ends the tone `open` started.
  mutating func close(_ style: Style) {
    guard style.enabled else { return }
    Style.Tone.reset.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }
}
