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
    let utf8 = absolute.utf8
    guard let slash = utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
    if slash == utf8.startIndex { return "/" }
    return String(decoding: utf8[..<slash], as: UTF8.self)
  }

  static func join(_ directory: String, _ name: String) -> String {
    if directory.isEmpty { return name }
    return directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  static func basename(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
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

  static func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(path, &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
