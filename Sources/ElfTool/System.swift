#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif
internal import CLibElf

/// What the loader of a given system knows without reading any library: its default directories,
/// the values of $LIB and $PLATFORM, which glibc-hwcaps and legacy subdirectories it tries, and its
/// ld.so.cache. Made for the host (root "") or for a sysroot given with `--root`.
public struct LoaderSystem: Sendable {
  /// The sysroot, without a trailing slash; "" for the running system.
  public let root: String
  /// The identity of the process being modelled (the input executable's).
  public let identity: ElfIdentity
  /// The default directories as the target sees them (without the root).
  public let defaultDirectories: [String]
  /// $LIB, nil when unknown (elements that use it are dropped).
  public let lib: String?
  /// $PLATFORM (AT_PLATFORM), nil when unknown.
  public let platform: String?
  /// Subdirectories tried in each search directory before the directory itself, in order.
  public let subdirectories: [String]
  /// glibc-hwcaps names the CPU supports, best first (for cache lookups).
  public let hwcaps: [String]
  /// The glibc version as (major, minor), when known.
  public let glibcVersion: (Int, Int)?
  public let cache: LdCache?
  public let cacheFlags: Int32
  /// The libraries /etc/ld.so.preload names (loaded after LD_PRELOAD's, as glibc does).
  public let preloadFile: [String]

  /// The loader of `root` ("" for this machine) for a process of `identity`.
  public init(root: String, identity: ElfIdentity) {
    let root = root.hasSuffix("/") ? String(root.dropLast()) : root
    self.root = root
    self.identity = identity
    let host = LoaderSystem.hostIdentityMatches(identity)
    let triplet = LoaderSystem.multiarchTriplet(identity)
    var dirs: [String]
    var lib: String?
    if let triplet, isDirectory(root + "/usr/lib/" + triplet) || isDirectory(root + "/lib/" + triplet) {
      dirs = ["/lib/" + triplet, "/usr/lib/" + triplet, "/lib", "/usr/lib"]
      lib = "lib/" + triplet
    } else if identity.elfClass == .elf64 && (isDirectory(root + "/usr/lib64") || isDirectory(root + "/lib64")) {
      dirs = ["/lib64", "/usr/lib64"]
      lib = "lib64"
    } else {
      dirs = ["/lib", "/usr/lib"]
      lib = "lib"
    }
    defaultDirectories = dirs
    self.lib = lib
    if host, root.isEmpty, let auxPlatform = LoaderSystem.auxPlatform() {
      platform = auxPlatform
    } else {
      platform = LoaderSystem.defaultPlatform(identity)
    }
    let version: (Int, Int)? =
      root.isEmpty && host ? LoaderSystem.runningGlibcVersion() : LoaderSystem.glibcVersion(inRoot: root, dirs: dirs)
    glibcVersion = version
    var subdirs: [String] = []
    var names: [String] = []
    if identity.machine == .x86_64 && identity.elfClass == .elf64 && host {
      let level = LoaderSystem.x86_64Level()
      if level >= 2 {
        for v in stride(from: level, through: 2, by: -1) { names.append("x86-64-v\(v)") }
      }
      subdirs = names.map { "glibc-hwcaps/" + $0 }
      // glibc < 2.37 also tries the legacy hwcap subdirectories (tls, AT_PLATFORM, "x86_64").
      if let (major, minor) = version, major == 2 && minor < 37 {
        let p = platform ?? "x86_64"
        for legacy in ["tls/\(p)/x86_64", "tls/\(p)", "tls", "\(p)/x86_64", p, "x86_64"]
        where !subdirs.contains(legacy) {
          subdirs.append(legacy)
        }
      }
    }
    subdirectories = subdirs
    hwcaps = names
    cache = LdCache(path: root + "/etc/ld.so.cache")
    cacheFlags = LdCache.flags(for: identity)
    preloadFile = LoaderSystem.preloadList(readWholeFile(root + "/etc/ld.so.preload", limit: 1 << 20) ?? [])
  }

  /// The names in an ld.so.preload file: separated by spaces, tabs, newlines or ':', with '#'
  /// starting a comment to the end of the line (glibc's rtld.c).
  static func preloadList(_ bytes: [UInt8]) -> [String] {
    var names: [String] = []
    var current: [UInt8] = []
    var comment = false
    for byte in bytes + [10] {
      if comment {
        if byte == 10 { comment = false }
        continue
      }
      switch byte {
      case UInt8(ascii: "#"):
        comment = true
        fallthrough
      case 32, 9, 10, UInt8(ascii: ":"):
        if !current.isEmpty { names.append(String(decoding: current, as: UTF8.self)) }
        current = []
      default:
        current.append(byte)
      }
    }
    return names
  }

  /// Whether a directory the loader would use lies in a default directory (for DF_1_NODEFLIB).
  public func isInDefaultDirectory(_ path: String) -> Bool {
    defaultDirectories.contains { path.hasPrefix($0 + "/") }
  }

  /// The host path of a path the target sees.
  public func hostPath(_ targetPath: String) -> String {
    root.isEmpty || !targetPath.hasPrefix("/") ? targetPath : root + targetPath
  }

  static func hostIdentityMatches(_ identity: ElfIdentity) -> Bool {
    #if arch(x86_64)
      return identity.machine == .x86_64 && identity.elfClass == .elf64 && identity.byteOrder == .little
    #elseif arch(arm64)
      return identity.machine == .aarch64 && identity.elfClass == .elf64 && identity.byteOrder == .little
    #else
      return false
    #endif
  }

  static func multiarchTriplet(_ identity: ElfIdentity) -> String? {
    let is64 = identity.elfClass == .elf64
    switch identity.machine {
    case .x86_64: return is64 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32"
    case .i386: return "i386-linux-gnu"
    case .aarch64: return is64 ? "aarch64-linux-gnu" : nil
    case .arm: return identity.flags & 0x400 != 0 ? "arm-linux-gnueabihf" : "arm-linux-gnueabi"
    case .ppc64: return identity.byteOrder == .little ? "powerpc64le-linux-gnu" : "powerpc64-linux-gnu"
    case .ppc: return "powerpc-linux-gnu"
    case .s390: return is64 ? "s390x-linux-gnu" : "s390-linux-gnu"
    case .riscv: return is64 ? "riscv64-linux-gnu" : "riscv32-linux-gnu"
    case .loongarch: return "loongarch64-linux-gnu"
    case .sparcv9: return "sparc64-linux-gnu"
    case .mips:
      if !is64 { return identity.byteOrder == .little ? "mipsel-linux-gnu" : "mips-linux-gnu" }
      return identity.byteOrder == .little ? "mips64el-linux-gnuabi64" : "mips64-linux-gnuabi64"
    default: return nil
    }
  }

  static func defaultPlatform(_ identity: ElfIdentity) -> String? {
    switch identity.machine {
    case .x86_64: return identity.elfClass == .elf64 ? "x86_64" : nil
    case .i386: return "i686"
    case .aarch64: return "aarch64"
    case .s390: return identity.elfClass == .elf64 ? "s390x" : "s390"
    case .riscv: return nil
    default: return nil
    }
  }

  /// The x86-64 micro-architecture level of this CPU (1 to 4), as glibc-hwcaps uses it; 0 elsewhere.
  public static func x86_64Level() -> Int { Int(elfdyn_x86_64_level()) }

  static func auxPlatform() -> String? {
    let value = getauxval(UInt(AT_PLATFORM))
    guard value != 0, let pointer = UnsafePointer<CChar>(bitPattern: UInt(value)) else { return nil }
    return String(cString: pointer)
  }

  static func runningGlibcVersion() -> (Int, Int)? {
    guard let text = gnu_get_libc_version() else { return nil }
    return parseVersion(String(cString: text))
  }

  static func parseVersion(_ text: String) -> (Int, Int)? {
    let parts = text.split(separator: ".")
    guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1].prefix(while: \.isNumber)) else {
      return nil
    }
    return (major, minor)
  }

  /// The glibc version of a sysroot: the highest GLIBC_2.N version that its libc.so.6 defines.
  static func glibcVersion(inRoot root: String, dirs: [String]) -> (Int, Int)? {
    for dir in dirs {
      guard let file = try? ElfFile(path: root + dir + "/libc.so.6") else { continue }
      return file.definedGlibcVersion()
    }
    return nil
  }
}

extension ElfFile {
  /// The highest `GLIBC_2.N` string in the dynamic string table (the version a libc.so.6 defines).
  func definedGlibcVersion() -> (Int, Int)? {
    guard let dynamic, let table = try? stringTable(dynamic.entries) else { return nil }
    let bytes = table.chunk.bytes
    let marker = Array("GLIBC_2.".utf8)
    var best: (Int, Int)?
    var index = 0
    while index + marker.count < bytes.count {
      if bytes[index] == marker[0] && (index == 0 || bytes[index - 1] == 0) {
        var match = true
        for k in 1..<marker.count where bytes[index + k] != marker[k] {
          match = false
          break
        }
        if match {
          var minor = 0
          var k = index + marker.count
          var digits = 0
          while k < bytes.count, bytes[k] >= 48, bytes[k] <= 57, digits < 6 {
            minor = minor * 10 + Int(bytes[k] - 48)
            k += 1
            digits += 1
          }
          if digits > 0, best.map({ minor > $0.1 }) ?? true { best = (2, minor) }
        }
      }
      index += 1
    }
    return best
  }
}

/// stat(2) says it is a directory (following symlinks).
func isDirectory(_ path: String) -> Bool {
  var st = stat()
  return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

/// The whole of a small file, or nil when it cannot be read or is larger than `limit`.
func readWholeFile(_ path: String, limit: Int) -> [UInt8]? {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { return nil }
  defer { close(fd) }
  var st = stat()
  guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size >= 0, st.st_size <= limit else {
    return nil
  }
  let size = Int(st.st_size)
  var buffer = [UInt8](repeating: 0, count: size)
  var done = 0
  while done < size {
    let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress.map { $0 + done }, size - done, off_t(done)) }
    if n <= 0 { break }
    done += n
  }
  return done == size ? buffer : Array(buffer.prefix(done))
}
