import Glibc
// Open, read 64 bytes, close, with EINTR retries: what elfdyn's Platform layer does per file.
var total = 0
for path in CommandLine.arguments.dropFirst() {
  var fd: Int32
  repeat { fd = open(path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
  guard fd >= 0 else { continue }
  var buffer = [UInt8](repeating: 0, count: 64)
  var n: Int
  repeat { n = read(fd, &buffer, 64) } while n < 0 && errno == EINTR
  total += max(n, 0)
  close(fd)
}
print(total)
