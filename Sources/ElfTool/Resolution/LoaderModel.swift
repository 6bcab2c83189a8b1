/// The loader a program names in PT_INTERP, as a value: which rules it follows (glibc's or musl's),
/// and what it knows without reading any library: its default directories or path file, the values
/// of $LIB and $PLATFORM, which glibc-hwcaps and legacy subdirectories it tries, its ld.so.cache, and
/// the names it provides itself. Made for the host (root "") or for a sysroot given with `--root`.
public struct LoaderModel: Sendable {
  /// The two families of loader elfdyn models.
  public enum Kind: String, Sendable, CaseIterable {
    /// glibc's ld.so (elf/dl-load.c, dl-deps.c, dl-lookup.c).
    case glibc
    /// musl's ldso/dynlink.c.
    case musl
  }

  /// Which rules apply.
  public let kind: Kind
  /// The loader's path as the target sees it (PT_INTERP, or the machine's default).
  public let interpreter: String?
  /// musl: the names the loader provides itself (libc, libm, libpthread, ...), matched by their
  /// prefix up to the first dot, as dynlink.c's `reserved` list is.
  public let providedLibraryStems: [String]
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
  /// glibc: the ld.so.cache (the sysroot's under `--root`), nil when absent or unreadable.
  public let cache: LdCache?
  /// glibc: the cache flags that match the process (class, machine, ABI).
  public let cacheFlags: Int32
  /// The libraries /etc/ld.so.preload names (loaded after LD_PRELOAD's, as glibc does).
  public let preloadFile: [String]

  /// The loader of `root` ("" for this machine) for a process of `identity` whose interpreter is
  /// `interpreter`; `kind` overrides the family read from the interpreter's name.
  public init(root: String, identity: ElfIdentity, interpreter: String? = nil, kind: Kind? = nil) {
    let root = root.hasSuffix("/") ? String(root.dropLast()) : root
    self.root = root
    self.identity = identity
    let interp = interpreter ?? LoaderModel.defaultInterpreter(identity)
    let family = kind ?? LoaderModel.kind(ofInterpreter: interp)
    self.kind = family
    self.interpreter = family == .musl && interpreter == nil ? LoaderModel.muslInterpreter(identity) : interp
    providedLibraryStems = family == .musl ? ["c", "pthread", "rt", "m", "dl", "util", "xnet"] : []
    if family == .musl {
      let path = LoaderModel.muslPathFile(root: root, interpreter: self.interpreter, identity: identity)
      defaultDirectories = path
      lib = nil
      platform = nil
      glibcVersion = nil
      subdirectories = []
      hwcaps = []
      cache = nil
      cacheFlags = 0
      preloadFile = []
      return
    }
    let host = LoaderModel.hostIdentityMatches(identity)
    let triplet = LoaderModel.multiarchTriplet(identity)
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
    if host, root.isEmpty, let auxPlatform = LoaderModel.auxPlatform() {
      platform = auxPlatform
    } else {
      platform = LoaderModel.defaultPlatform(identity)
    }
    let version: (Int, Int)? =
      root.isEmpty && host ? LoaderModel.runningGlibcVersion() : LoaderModel.glibcVersion(inRoot: root, dirs: dirs)
    glibcVersion = version
    var subdirs: [String] = []
    var names: [String] = []
    if identity.machine == .x86_64 && identity.elfClass == .elf64 && host {
      let level = hostX86_64Level()
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
    preloadFile = LoaderModel.preloadList(readWholeFile(root + "/etc/ld.so.preload", limit: 1 << 20) ?? [])
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
    case .arm: return identity.isArmHardFloat ? "arm-linux-gnueabihf" : "arm-linux-gnueabi"
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

  static func auxPlatform() -> String? { hostPlatform() }

  static func runningGlibcVersion() -> (Int, Int)? { hostGlibcVersion().flatMap(parseVersion) }

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
      // A sysroot without a readable libc.so.6 there: look in the next directory.
      guard let file = try? ElfFile(path: root + dir + "/libc.so.6") else { continue }
      return file.definedGlibcVersion()
    }
    return nil
  }
}

extension ElfFile {
  /// The highest `GLIBC_2.N` string in the dynamic string table (the version a libc.so.6 defines),
  /// nil when the table cannot be read.
  func definedGlibcVersion() -> (Int, Int)? {
    // An unreadable string table says nothing about the version: the legacy directories are not tried.
    guard let mapping = try? mapping(), let table = try? dynamicStrings(in: mapping) else { return nil }
    return table.withBytes { bytes in Self.highestGlibcVersion(bytes) }
  }

  private static func highestGlibcVersion(_ bytes: UnsafeRawBufferPointer) -> (Int, Int)? {
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

extension LoaderModel {
  /// musl ignores symbol versions when it binds; glibc checks them.
  var ignoresSymbolVersions: Bool { kind == .musl }

  /// Whether an interpreter is named as glibc's or musl's loaders are: `ld-musl-ARCH.so.1`, or
  /// glibc's `ld-linux*.so.N` (x86-64, i386, x32, AArch64, ARM, RISC-V, LoongArch, ...),
  /// `ld64.so.N` (PowerPC64, S/390x) and `ld.so.N` (32-bit PowerPC, S/390 and MIPS), wherever
  /// they are installed. Other loaders (Android's `linker64`, uClibc's `ld-uClibc.so.0`, FreeBSD's
  /// `ld-elf.so.1`) have rules elfdyn does not model.
  public static func isKnownInterpreter(_ path: String) -> Bool {
    let name = Paths.basename(path)
    return ["ld-musl-", "ld-linux", "ld64.so.", "ld.so."].contains { name.hasPrefix($0) }
  }

  /// musl's loader is `ld-musl-ARCH.so.1`; every other interpreter is taken for glibc's.
  static func kind(ofInterpreter path: String?) -> Kind {
    guard let path else { return .glibc }
    let name = Paths.basename(path)
    return name.hasPrefix("ld-musl-") ? .musl : .glibc
  }

  /// musl's LDSO_ARCH for a machine ("x86_64", "aarch64", "armhf", ...), nil when unknown.
  static func muslArchitecture(_ identity: ElfIdentity) -> String? {
    let little = identity.byteOrder == .little
    switch identity.machine {
    case .x86_64: return identity.is64 ? "x86_64" : "x32"
    case .i386: return "i386"
    case .aarch64: return little ? "aarch64" : "aarch64_be"
    case .arm: return (little ? "arm" : "armeb") + (identity.isArmHardFloat ? "hf" : "")
    case .riscv: return identity.is64 ? "riscv64" : "riscv32"
    case .ppc64: return little ? "powerpc64le" : "powerpc64"
    case .ppc: return "powerpc"
    case .s390 where identity.is64: return "s390x"
    case .mips: return little ? "mipsel" : "mips"
    case .loongarch: return "loongarch64"
    default: return nil
    }
  }

  /// `/lib/ld-musl-ARCH.so.1`, for a musl library given without a program.
  static func muslInterpreter(_ identity: ElfIdentity) -> String? {
    muslArchitecture(identity).map { "/lib/ld-musl-\($0).so.1" }
  }

  /// musl's system path: the directories of `PREFIX/etc/ld-musl-ARCH.path` (PREFIX: the loader's
  /// path up to its second-to-last slash, "" for /lib/ld-musl-x86_64.so.1), separated by ':' or
  /// newlines; "/lib:/usr/local/lib:/usr/lib" when the file does not exist; nothing when it is empty.
  static func muslPathFile(root: String, interpreter: String?, identity: ElfIdentity) -> [String] {
    let fallback = ["/lib", "/usr/local/lib", "/usr/lib"]
    guard let arch = muslArchitecture(identity) else { return fallback }
    var prefix = ""
    if let interpreter, interpreter.hasPrefix("/") {
      let slashes = interpreter.utf8.indices.filter { interpreter.utf8[$0] == UInt8(ascii: "/") }
      if slashes.count >= 2 { prefix = String(interpreter[..<slashes[slashes.count - 2]]) }
    }
    let file = root + prefix + "/etc/ld-musl-\(arch).path"
    guard exists(file) else { return fallback }
    // Present but unreadable: musl then searches no system directory at all.
    guard let bytes = readWholeFile(file, limit: 1 << 20) else { return [] }
    return bytes.split(whereSeparator: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "\n") })
      .map { String(decoding: $0, as: UTF8.self) }
  }

  /// Whether musl provides a library of this name itself (`libc.so`, `libm.so.6`, `libpthread.so.0`,
  /// ...): "lib" followed by a reserved stem and a dot.
  func providesItself(_ name: String) -> Bool { providedStem(of: name) != nil }

  /// The reserved stem a name matches ("c" for `libc.so.6` and `libc.musl-x86_64.so.1`), nil when
  /// the loader does not provide it. musl's `--list` prints each stem once, under the first name.
  func providedStem(of name: String) -> String? {
    guard kind == .musl, name.hasPrefix("lib") else { return nil }
    let rest = name.dropFirst(3)
    return providedLibraryStems.first { rest.hasPrefix($0 + ".") }
  }

  /// Whether a definition of type STT_GNU_IFUNC satisfies a reference: glibc's check_match accepts
  /// it; musl's lookup accepts only NOTYPE, OBJECT, FUNC, COMMON and TLS.
  var acceptsIndirectFunctions: Bool { kind == .glibc }

  /// Whether a library of another machine (same class and byte order) is an error: glibc skips it
  /// and searches on; musl does not look at e_machine and maps it.
  var checksMachine: Bool { kind == .glibc }

  /// musl: whether a library is a C library, which the loader replaces by itself ("libc.so") so
  /// that no second libc is mapped: it defines both `__libc_start_main` and `stdin` (musl's test;
  /// it catches glibc's libc.so.6 and musl's own libc.so opened by another name).
  static func isCLibrary(_ file: ElfFile) -> Bool {
    // A library whose symbol table cannot be read is not recognised as a libc: it is loaded as
    // itself, and check-undefined reports the table as unreadable.
    guard let table = try? SymbolTable(file: file) else { return false }
    return table.withView { view in
      muslDefines(view, "__libc_start_main") && muslDefines(view, "stdin")
    }
  }

  /// musl's `find_sym(dso, name, 1)`: a defined symbol of an accepted type and binding whose
  /// version is not hidden (musl ignores version names, but never binds to a hidden one).
  private static func muslDefines(_ view: SymbolTable.View, _ name: String) -> Bool {
    var name = name
    return name.withUTF8 { utf8 in
      let bytes = UnsafeRawBufferPointer(utf8)
      var found = false
      view.forEachCandidate(bytes, gnuHash: GnuHashTable.hash(bytes)) { index, symbol in
        guard symbol.isDefined, symbol.hasUsableValue, symbol.type.isLoaderVisible, symbol.type != .gnuIFunc,
          symbol.binding.isExported, !view.versionIndex(index).isHidden
        else { return false }
        found = true
        return true
      }
      return found
    }
  }

  /// The loader family of an input: from PT_INTERP when it has one; else from the C library it
  /// needs (musl's is `libc.so` or Alpine's `libc.musl-ARCH.so.1`, glibc's `libc.so.6`); else the
  /// family whose loader the system (or sysroot) has.
  static func kind(of file: ElfFile, root: String) -> Kind {
    if let interpreter = file.interpreter { return kind(ofInterpreter: interpreter) }
    let needed = file.dynamic?.needed ?? []
    if needed.contains(where: { $0 == "libc.so" || $0.hasPrefix("libc.musl-") }) { return .musl }
    if needed.contains("libc.so.6") { return .glibc }
    let glibcLoader = defaultInterpreter(file.identity).map { exists(root + $0) } ?? false
    let muslLoader = muslInterpreter(file.identity).map { exists(root + $0) } ?? false
    return muslLoader && !glibcLoader ? .musl : .glibc
  }

  /// The interpreter glibc's ld.so has for a machine, for inputs without PT_INTERP (libraries).
  static func defaultInterpreter(_ identity: ElfIdentity) -> String? {
    switch identity.machine {
    case .x86_64: return identity.is64 ? "/lib64/ld-linux-x86-64.so.2" : "/libx32/ld-linux-x32.so.2"
    case .i386: return "/lib/ld-linux.so.2"
    case .aarch64: return "/lib/ld-linux-aarch64.so.1"
    case .riscv: return identity.is64 ? "/lib/ld-linux-riscv64-lp64d.so.1" : nil
    case .s390: return identity.is64 ? "/lib/ld64.so.1" : "/lib/ld.so.1"
    case .ppc64: return identity.byteOrder == .little ? "/lib64/ld64.so.2" : "/lib64/ld64.so.1"
    case .arm: return identity.isArmHardFloat ? "/lib/ld-linux-armhf.so.3" : "/lib/ld-linux.so.3"
    default: return nil
    }
  }
}
