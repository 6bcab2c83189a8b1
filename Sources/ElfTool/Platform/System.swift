// What the running system says about itself: CPUs, the x86-64 level, AT_PLATFORM, the glibc
// version, the environment; and copy_file_range, sync_file_range and child processes.

internal import CSystem

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The number of processors this process may use.
func processorCount() -> Int { max(1, Int(elfdyn_available_cpus())) }

/// The x86-64 micro-architecture level of this CPU (1 to 4), as glibc-hwcaps uses it; 0 elsewhere.
func hostX86_64Level() -> Int { Int(elfdyn_x86_64_level()) }

/// AT_PLATFORM of this process, nil when the kernel gives none.
func hostPlatform() -> String? {
  let value = getauxval(UInt(AT_PLATFORM))
  guard value != 0, let pointer = UnsafePointer<CChar>(bitPattern: UInt(value)) else { return nil }
  return String(cString: pointer)
}

/// gnu_get_libc_version() of the libc this process was linked with, e.g. "2.36".
func hostGlibcVersion() -> String? {
  guard let text = gnu_get_libc_version() else { return nil }
  return String(cString: text)
}

/// copy_file_range(2) in the kernel, falling back to pread/pwrite where it is not supported.
func copyFileRange(
  from input: Int32, at inputOffset: UInt64, to output: Int32, at outputOffset: UInt64, count: UInt64,
  path: String
) throws(ElfError) {
  var inOff = Int64(inputOffset)
  var outOff = Int64(outputOffset)
  var left = count
  var useFallback = false
  while left > 0 && !useFallback {
    let n = elfdyn_copy_file_range(input, &inOff, output, &outOff, UInt(min(left, 1 << 30)))
    if n > 0 {
      left -= UInt64(n)
    } else if n == 0 {
      throw ElfError(path, .malformed, "the file ended while it was being copied")
    } else if errno == EINTR {
      continue
    } else if [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP, EBADF].contains(errno) {
      useFallback = true
    } else {
      throw posixError(path, "cannot copy it")
    }
  }
  while left > 0 {
    let bytes = try preadAll(input, count: Int(min(left, 1 << 20)), at: UInt64(inOff), path: path)
    if bytes.isEmpty { throw ElfError(path, .malformed, "the file ended while it was being copied") }
    try pwriteAll(output, bytes, at: UInt64(outOff), path: path)
    inOff += Int64(bytes.count)
    outOff += Int64(bytes.count)
    left -= UInt64(bytes.count)
  }
}

/// Asks the kernel to start writing `count` bytes of `descriptor` at `offset` to disk now, without
/// waiting (sync_file_range SYNC_FILE_RANGE_WRITE), so that the writing overlaps what the caller
/// does next (`count` 0: to the end of the file). Only a hint: a failure is ignored, and only fsync
/// makes the data durable.
func startWriteback(_ descriptor: Int32, offset: UInt64, count: UInt64) {
  guard offset <= UInt64(Int64.max), count <= UInt64(Int64.max) else { return }
  _ = elfdyn_start_writeback(descriptor, Int64(offset), Int64(count))
}

/// The value of one environment variable (getenv), nil when it is not set.
public func environmentVariable(_ name: String) -> String? {
  getenv(name).map { String(cString: $0) }
}

/// The process environment as a dictionary.
public func currentEnvironment() -> [String: String] {
  var result: [String: String] = [:]
  var pointer = environ
  while let entry = pointer.pointee {
    let text = String(cString: entry)
    if let equals = text.firstIndex(of: "=") {
      result[String(text[..<equals])] = String(text[text.index(after: equals)...])
    }
    pointer += 1
  }
  return result
}

/// Runs a program found on PATH and captures its standard output (at most 1 MiB); nil when it
/// cannot be started or exits with a non-zero status.
func subprocessOutput(_ arguments: [String]) -> String? {
  var pipe: [Int32] = [0, 0]
  guard Glibc.pipe(&pipe) == 0 else { return nil }
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
  posix_spawn_file_actions_addclose(&actions, pipe[0])
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
  var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
  argv.append(nil)
  defer { for pointer in argv { free(pointer) } }
  var pid: pid_t = 0
  let status = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
  close(pipe[1])
  guard status == 0 else {
    close(pipe[0])
    return nil
  }
  var output: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 4096)
  while true {
    let n = buffer.withUnsafeMutableBytes { read(pipe[0], $0.baseAddress, 4096) }
    if n < 0 && errno == EINTR { continue }
    if n <= 0 { break }
    output += buffer[0..<n]
    if output.count > 1 << 20 { break }
  }
  close(pipe[0])
  var exitStatus: Int32 = 0
  while waitpid(pid, &exitStatus, 0) < 0 && errno == EINTR {}
  guard exitStatus == 0 else { return nil }
  return String(decoding: output, as: UTF8.self)
}

/// Lets malloc grow its heaps 16 MiB at a time instead of a few pages at a time: one brk or
/// mprotect system call where there had been hundreds (`tree` over the 900 programs of /usr/bin
/// made 1,027 mprotect calls for the second thread's arena). Address space only: a page costs
/// nothing until it is used. Called once, at the start of the process.
public func growHeapsInLargeSteps() {
  _ = elfdyn_set_heap_growth(16 << 20)
}
