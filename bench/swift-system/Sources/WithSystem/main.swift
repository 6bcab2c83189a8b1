import SystemPackage
// The same with swift-system's FileDescriptor (EINTR retried by `retryOnInterrupt`).
var total = 0
for path in CommandLine.arguments.dropFirst() {
  guard let fd = try? FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) else { continue }
  var buffer = [UInt8](repeating: 0, count: 64)
  let n = (try? buffer.withUnsafeMutableBytes { try fd.read(into: $0) }) ?? 0
  total += n
  try? fd.close()
}
print(total)
