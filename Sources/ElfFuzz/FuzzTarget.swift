// The fuzz target over the reading layer and single-file resolution. `make fuzz` builds it with
// -sanitize=fuzzer,address and -DFUZZING, where libFuzzer provides main(); a normal build gets a
// main() that replays files (`ElfFuzz FILE|DIR...`), so a crash found once can be re-run anywhere.
import ElfTool
import ElfdynOutput

#if canImport(Glibc)
  import Glibc
#endif

/// Writes the input to a file (elfdyn reads paths), then decodes it, resolves it with an empty
/// sysroot (no real library can interfere), checks its symbols and renders every format.
func exercise(_ data: UnsafeRawBufferPointer, scratch: String) {
  let fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  guard fd >= 0 else { return }
  var written = 0
  while written < data.count {
    let n = write(fd, data.baseAddress.map { $0 + written }, data.count - written)
    if n <= 0 { break }
    written += n
  }
  close(fd)
  exerciseFile(scratch)
}

func exerciseFile(_ path: String) {
  defer { exerciseSetRpath(path) }
  guard let file = try? ElfFile(path: path) else { return }
  _ = file.dynamic?.needed
  _ = file.dlopenDependencies
  var options = ResolveOptions()
  options.root = emptyRoot
  options.dlopen = true
  let resolver = Resolver(options: options)
  if let graph = try? resolver.resolve(path) {
    let renderer = TreeRenderer(graph: graph)
    _ = renderer.json().serialized()
    _ = renderer.text(TreeRenderer.TextOptions())
    _ = renderer.flat()
    _ = renderer.dot()
  }
  var checkOptions = CheckOptions()
  checkOptions.strict = true
  let checker = SymbolChecker(resolver: resolver, options: checkOptions)
  let outcome = checker.checkAll([path])
  _ = CheckRenderer(results: outcome.results).json().serialized()
}

/// set-rpath on a copy of the input: a long value (forcing a new segment), written for real.
func exerciseSetRpath(_ path: String) {
  let copy = scratchFile + ".edit"
  guard let data = readAll(path) else { return }
  let fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  guard fd >= 0 else { return }
  data.withUnsafeBytes { bytes in _ = write(fd, bytes.baseAddress, bytes.count) }
  close(fd)
  var request = SetRpathRequest()
  request.files = [copy]
  request.mode = .set("$ORIGIN/" + String(repeating: "fuzzing/", count: 40) + "lib")
  request.search.root = emptyRoot
  try? SetRpath(request: request).run { _ in }
}

func readAll(_ path: String) -> [UInt8]? {
  let fd = open(path, O_RDONLY)
  guard fd >= 0 else { return nil }
  defer { close(fd) }
  var result: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 65536)
  while result.count < 1 << 24 {
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
    if n <= 0 { break }
    result += buffer[0..<n]
  }
  return result
}

/// An empty directory used as the sysroot, made once.
let emptyRoot: String = {
  let path = "/tmp/elfdyn-fuzz-root-\(getpid())"
  mkdir(path, 0o700)
  return path
}()

let scratchFile: String = {
  // Removed at exit, with the copy set-rpath edits and the empty sysroot.
  atexit {
    unlink(scratchFile)
    unlink(scratchFile + ".edit")
    rmdir(emptyRoot)
  }
  return "/tmp/elfdyn-fuzz-input-\(getpid())"
}()

#if FUZZING
  import CFuzzDriver

  /// libFuzzer's entry point: one input of `size` bytes at `data`.
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    exercise(UnsafeRawBufferPointer(start: data, count: size), scratch: scratchFile)
    return 0
  }

  /// SwiftPM links an executable's entry point under this name; libFuzzer's driver runs from it.
  @_cdecl("ElfFuzz_main")
  public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
      exercise(UnsafeRawBufferPointer(start: data, count: size), scratch: scratchFile)
      return 0
    }
  }
#else
  @main
  struct Replay {
    /// Replays every file named (directories: every file in them) and says how many ran.
    static func main() {
      var count = 0
      for argument in CommandLine.arguments.dropFirst() {
        var st = stat()
        guard stat(argument, &st) == 0 else { continue }
        if (st.st_mode & S_IFMT) == S_IFDIR {
          guard let dir = opendir(argument) else { continue }
          while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
              pointer.withMemoryRebound(to: CChar.self, capacity: 1) { String(cString: $0) }
            }
            if name.hasPrefix(".") { continue }
            exerciseFile(argument + "/" + name)
            count += 1
          }
          closedir(dir)
        } else {
          exerciseFile(argument)
          count += 1
        }
      }
      print("replayed \(count) inputs")
    }
  }
#endif
