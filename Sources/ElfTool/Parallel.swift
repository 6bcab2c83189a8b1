import Dispatch
import Synchronization
internal import CLibElf

#if canImport(Glibc)
  import Glibc
#endif

/// Runs `body` for every index on all cores (at most `workers` threads), taking indexes from a
/// shared counter so that one large item does not leave a core idle. Results come back in index
/// order. `body` must touch only state that is safe to read from several threads.
func parallelMap<T>(_ count: Int, workers: Int = processorCount(), _ body: (Int) -> T) -> [T] {
  parallelMap(count, workers: workers) { _, index in body(index) }
}

/// `parallelMap` whose body also gets the worker's number (0 ..< workers), for per-worker state.
func parallelMap<T>(_ count: Int, workers: Int, _ body: (_ worker: Int, _ index: Int) -> T) -> [T] {
  guard count > 1, workers > 1 else { return (0..<count).map { body(0, $0) } }
  let box = ResultBox<T>(count: count)
  withoutActuallyEscaping(body) { body in
    let shared = UncheckedBox(body)
    DispatchQueue.concurrentPerform(iterations: min(workers, count)) { worker in
      while true {
        let index = box.next.add(1, ordering: .relaxed).oldValue
        guard index < count else { break }
        box.store(index, shared.value(worker, index))
      }
    }
  }
  return box.take()
}

/// One value per worker, each touched only by its own worker.
final class PerWorker<T>: @unchecked Sendable {
  private let storage: UnsafeMutableBufferPointer<T>
  /// `count` copies of `initial` (a value type: each worker's copy is its own).
  init(count: Int, _ initial: T) {
    storage = .allocate(capacity: max(count, 1))
    storage.initialize(repeating: initial)
  }
  deinit {
    storage.baseAddress?.deinitialize(count: storage.count)
    storage.deallocate()
  }
  func withValue<R>(_ worker: Int, _ body: (inout T) -> R) -> R {
    body(&storage[min(max(worker, 0), storage.count - 1)])
  }
}

/// The number of processors this process may use.
func processorCount() -> Int { max(1, Int(elfdyn_available_cpus())) }

private final class ResultBox<T>: @unchecked Sendable {
  let next = Atomic<Int>(0)
  private var slots: [T?]
  private let lock = Mutex<Void>(())

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func store(_ index: Int, _ value: T) {
    lock.withLock { _ in slots[index] = value }
  }

  func take() -> [T] { slots.compactMap { $0 } }
}

private final class UncheckedBox<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}
