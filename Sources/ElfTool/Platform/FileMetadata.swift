// What a file carries besides its bytes and that an edit must keep: extended attributes (file
// capabilities, ACLs, SELinux labels), and whether the caller may write it at all.

internal import CSystem

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The extended attributes of a file, read from an open descriptor, in the order the kernel lists
/// them. `security.capability` (from setcap) is among them: the kernel removes it on any write to
/// the file, so an edit must put it back.
struct ExtendedAttributes: Equatable {
  var values: [(name: String, value: [UInt8])]

  static func == (a: Self, b: Self) -> Bool {
    a.values.count == b.values.count
      && zip(a.values, b.values).allSatisfy { $0.name == $1.name && $0.value == $1.value }
  }

  /// The attributes of `fd`; none when the file system does not support them.
  static func read(_ fd: Int32, path: String) throws(ElfError) -> ExtendedAttributes {
    var listSize = 0
    var names: [CChar] = []
    while true {
      let needed = flistxattr(fd, nil, 0)
      if needed < 0 {
        if errno == EINTR { continue }
        if errno == ENOTSUP { return ExtendedAttributes(values: []) }
        throw posixError(path, "cannot list its extended attributes")
      }
      if needed == 0 { return ExtendedAttributes(values: []) }
      names = [CChar](repeating: 0, count: needed)
      listSize = names.withUnsafeMutableBufferPointer { flistxattr(fd, $0.baseAddress, needed) }
      if listSize >= 0 { break }
      if errno == ERANGE || errno == EINTR { continue }
      throw posixError(path, "cannot list its extended attributes")
    }
    var values: [(name: String, value: [UInt8])] = []
    var start = 0
    for index in 0..<listSize where names[index] == 0 {
      let name = String(decoding: names[start..<index].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      start = index + 1
      guard !name.isEmpty else { continue }
      values.append((name, try value(fd, name: name, path: path)))
    }
    return ExtendedAttributes(values: values)
  }

  private static func value(_ fd: Int32, name: String, path: String) throws(ElfError) -> [UInt8] {
    while true {
      let needed = fgetxattr(fd, name, nil, 0)
      if needed < 0 {
        if errno == EINTR { continue }
        throw posixError(path, "cannot read its extended attribute \(name)")
      }
      var bytes = [UInt8](repeating: 0, count: needed)
      let got = bytes.withUnsafeMutableBytes { fgetxattr(fd, name, $0.baseAddress, needed) }
      if got >= 0 { return Array(bytes.prefix(got)) }
      if errno == ERANGE || errno == EINTR { continue }
      throw posixError(path, "cannot read its extended attribute \(name)")
    }
  }

  /// Sets the attribute `name` to the value it has, if the file has it: false (errno set) exactly
  /// when the caller could not put it back.
  func canSetAgain(named name: String, on fd: Int32) -> Bool {
    guard let value = values.first(where: { $0.name == name })?.value else { return true }
    return value.withUnsafeBytes { fsetxattr(fd, name, $0.baseAddress, value.count, 0) } == 0
  }

  /// Sets every attribute on `fd` whose value there differs. `path` names the file in errors.
  func apply(to fd: Int32, path: String) throws(ElfError) {
    let current = (try? Self.read(fd, path: path)) ?? ExtendedAttributes(values: [])
    for (name, value) in values {
      if let now = current.values.first(where: { $0.name == name }), now.value == value { continue }
      let result = value.withUnsafeBytes { fsetxattr(fd, name, $0.baseAddress, value.count, 0) }
      guard result == 0 else { throw posixError(path, "cannot keep its extended attribute \(name)") }
    }
  }
}

/// Nil when the caller (effective user and groups) may write `path`, else the errno that says why
/// not. ETXTBSY (a program being run) counts as writable: replacing the file is still allowed.
func writeAccessError(_ path: String) -> Int32? {
  if elfdyn_access_effective(path, W_OK) == 0 { return nil }
  return errno == ETXTBSY ? nil : errno
}
