import Dispatch
import Synchronization

/// Runs `body` for every index on all cores (at most `workers` threads), taking indexes from a
/// shared counter so that one large item does not leave a core idle. Results come back in index
/// order.
func parallelMap<T: Sendable>(_ count: Int, workers: Int = processorCount(), _ body: @Sendable (Int) -> T) -> [T] {
  parallelMap(count, workers: workers, state: { () }) { _, index in body(index) }
}

/// `parallelMap` with per-worker state: each worker makes its own with `state` and keeps it from
/// one index to the next (a lookup cache, scratch arrays).
func parallelMap<S, T: Sendable>(
  _ count: Int, workers: Int, state: @Sendable () -> S, _ body: @Sendable (inout S, Int) -> T
) -> [T] {
  guard count > 1, workers > 1 else {
    var local = state()
    return (0..<count).map { body(&local, $0) }
  }
  let slots = ResultSlots<T>(count: count)
  DispatchQueue.concurrentPerform(iterations: min(workers, count)) { _ in
    var local = state()
    while true {
      let index = slots.next.add(1, ordering: .relaxed).oldValue
      guard index < count else { break }
      let value = body(&local, index)
      slots.store(index, value)
    }
  }
  return slots.take()
}

/// The results of a `parallelMap`, one slot per index, filled by the workers under a lock.
private final class ResultSlots<T: Sendable>: Sendable {
  let next = Atomic<Int>(0)
  private let slots: Mutex<[T?]>

  init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

  func store(_ index: Int, _ value: T) {
    slots.withLock { $0[index] = value }
  }

  func take() -> [T] { slots.withLock { $0.compactMap { $0 } } }
}

/// `body` over every input on `workers` threads, results in input order; an input whose `body`
/// throws is an error for it alone.
func mapInputs<T: Sendable>(
  _ inputs: [String], workers: Int = processorCount(), _ body: @Sendable (String) throws(ElfError) -> T
) -> [Result<T, ElfError>] {
  parallelMap(inputs.count, workers: workers) { index in
    do throws(ElfError) {
      return .success(try body(inputs[index]))
    } catch {
      return .failure(error)
    }
  }
}
