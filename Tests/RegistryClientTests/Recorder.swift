import Synchronization
import Testing

/// Consumes an `AsyncStream` into a list the test reads and waits on.
final class Recorder<Element: Sendable>: Sendable {
    /// How long a wait for something that must happen may take before the test fails: generous, since a passing wait
    /// returns as soon as its condition holds and the suite shares two cores.
    static var patience: Duration { .seconds(20) }

    /// The received elements, shared with the consuming task.
    private final class Log: Sendable {
        let items = Mutex<[Element]>([])
    }

    private let log = Log()
    private let consumer: Task<Void, Never>

    init(_ stream: AsyncStream<Element>) {
        let log = log
        consumer = Task {
            for await item in stream { log.items.withLock { $0.append(item) } }
        }
    }

    deinit { consumer.cancel() }

    /// Everything received so far.
    var all: [Element] { log.items.withLock { $0 } }

    /// Waits until an element matching `predicate` arrived (searching from `after` on); returns it, or fails.
    @discardableResult
    func next(after start: Int = 0, _ what: String, where predicate: (Element) -> Bool) async throws -> Element {
        let deadline = ContinuousClock.now + Self.patience
        while ContinuousClock.now < deadline {
            let snapshot = all
            if start < snapshot.count, let found = snapshot[start...].first(where: predicate) { return found }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out waiting for \(what); got \(all)")
        throw ServerFailure("timed out waiting for \(what)")
    }

    /// Waits until the stream has ended.
    func finished() async {
        await consumer.value
    }
}
