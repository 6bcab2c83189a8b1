#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Path helpers that do exactly what the loader does with strings (no normalisation it would not do).
enum Paths {
  /// The directory part, as glibc's _dl_new_object computes l_origin: everything before the last
  /// slash ("/" for "/foo"); relative paths are made absolute with the current directory first.
  static func directory(of path: String, cwd: String) -> String {
    let absolute =
      path.utf8.first == UInt8(ascii: "/") ? path : (cwd.utf8.last == UInt8(ascii: "/") ? cwd : cwd + "/") + path
    guard let slash = absolute.lastByteOffset(UInt8(ascii: "/")) else { return "." }
    if slash == 0 { return "/" }
    let utf8 = absolute.utf8
    return String(decoding: utf8[..<utf8.index(utf8.startIndex, offsetBy: slash)], as: UTF8.self)
  }

  static func join(_ directory: String, _ name: String) -> String {
    if directory.isEmpty { return name }
    return directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  /// An absolute path with `.`, `..` and repeated slashes resolved as text (no links followed):
  /// "/usr/lib/x/../y/" is "/usr/lib/y"; ".." at the top stays at "/".
  static func lexicallyNormal(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/") {
      if part == "." { continue }
      if part == ".." {
        _ = parts.popLast()
        continue
      }
      parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
  }

  static func basename(_ path: String) -> String {
    guard let slash = path.lastByteOffset(UInt8(ascii: "/")) else { return path }
    let utf8 = path.utf8
    return String(decoding: utf8[utf8.index(utf8.startIndex, offsetBy: slash + 1)...], as: UTF8.self)
  }

  static func currentDirectory() -> String {
    guard let cwd = getcwd(nil, 0) else { return "." }
    defer { free(cwd) }
    return String(cString: cwd)
  }

  /// realpath(3) on the host; nil when the path does not exist.
  static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// Resolves `path` (as the target sees it) inside `root` the way a chroot would: symbolic links with
  /// absolute targets stay inside the root. Returns the host path. With an empty root, the path as is.
  static func insideRoot(_ root: String, _ path: String, resolveLast: Bool = true) -> String {
    guard !root.isEmpty else { return path }
    var pending = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    pending.reverse()
    var resolved: [String] = []
    var links = 0
    while let component = pending.popLast() {
      if component == "." { continue }
      if component == ".." {
        _ = resolved.popLast()
        continue
      }
      let candidate = root + "/" + (resolved + [component]).joined(separator: "/")
      let isLast = pending.isEmpty
      if (!isLast || resolveLast), links < 40, let target = readLink(candidate) {
        links += 1
        if target.hasPrefix("/") { resolved = [] }
        pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
        continue
      }
      resolved.append(component)
    }
    return root + "/" + resolved.joined(separator: "/")
  }

  /// What readlink(2) says of a path.
  enum LinkState {
    /// A symbolic link, with its target.
    case link(String)
    /// Not a symbolic link (EINVAL).
    case plain
    /// It cannot be read (missing, no permission, ...).
    case unreadable
  }

  /// readlink(2) of `path`: the target of a link, or whether it is something else.
  static func linkState(_ path: String) -> LinkState {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(path, &buffer, buffer.count - 1)
    if count > 0 { return .link(String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
    return count < 0 && errno == EINVAL ? .plain : .unreadable
  }

  static func readLink(_ path: String) -> String? {
    if case .link(let target) = linkState(path) { return target }
    return nil
  }
}

extension String {
  /// Whether the UTF-8 bytes contain `byte`: the loaders' strchr, one memchr over the bytes
  /// instead of a walk over Characters (a "/" followed by a combining mark is not the Character
  /// "/", but it is the byte the loader looks for).
  func containsByte(_ byte: UInt8) -> Bool {
    if let found = utf8.withContiguousStorageIfAvailable({ bytes -> Bool in
      guard let base = bytes.baseAddress else { return false }
      return memchr(base, Int32(byte), bytes.count) != nil
    }) {
      return found
    }
    return utf8.contains(byte)
  }

  /// The offset in the UTF-8 bytes of the last `byte`, nil when there is none.
  func lastByteOffset(_ byte: UInt8) -> Int? {
    if let found = utf8.withContiguousStorageIfAvailable({ bytes -> Int? in
      var index = bytes.count
      while index > 0 {
        index -= 1
        if bytes[index] == byte { return index }
      }
      return nil
    }) {
      return found
    }
    return utf8.lastIndex(of: byte).map { utf8.distance(from: utf8.startIndex, to: $0) }
  }
}
