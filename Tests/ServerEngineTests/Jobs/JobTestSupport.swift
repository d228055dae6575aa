import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServerEngine
import ServiceLifecycle
import Synchronization
import Testing

/// A store, a manual clock and recorded logs for scheduler tests.
struct JobHarness {
    let store = MemoryStore()
    let clock: ManualWallClock
    let logs = LogRecorder()

    init(clock: ManualWallClock = ManualWallClock()) {
        self.clock = clock
    }

    /// Moves the clock by `seconds`, `times` times; after each step, waits until `sleepers` tasks sleep on the
    /// clock again: whatever the step woke has run and is waiting for its next deadline.
    ///
    /// Whole seconds on purpose: a `Date` is a `Double`, and at today's dates sums of whole seconds are exact,
    /// so a deadline computed as `anchor + interval` is reached exactly (sums of milliseconds may fall short of it).
    func advance(_ seconds: Int, times: Int = 1, sleepers: Int) async throws {
        for _ in 0..<times {
            clock.advance(by: .seconds(seconds))
            try await clock.waitForSleepers(sleepers)
        }
    }

    /// Engine services on the harness's store and clock, logging into ``logs``.
    var services: EngineServices {
        let recorder = logs
        var logger = Logger(label: "jobs-test") { _ in RecordingLogHandler(recorder: recorder) }
        logger.logLevel = .debug
        return EngineServices(configuration: ServerConfiguration(), store: store, clock: clock, logger: logger)
    }

    /// A scheduler for `jobs` on the shared store.
    func scheduler(_ jobs: [JobConfig], handlers: [String: JobHandler], instance: String = "instance-a") -> JobScheduler {
        JobScheduler(jobs: jobs, handlers: handlers, services: services, instanceId: instance)
    }

    /// A job whose handler has the job's name, every `seconds` of the harness's clock.
    static func job(_ name: String, every seconds: Int, lease: Duration? = nil, enabled: Bool = true) -> JobConfig {
        JobConfig(
            name: name,
            handler: name,
            interval: .seconds(seconds),
            lease: lease,
            enabled: enabled,
            location: SourceLocation(file: "jobs.yaml")
        )
    }

    /// The lease document of `job`.
    func lease(_ job: String) async throws -> Document? {
        try await store.collection(JobScheduler.collectionName).findOne(["_id": .string(job)])
    }
}

/// Counts handler calls (per instance) and tracks how many run at once.
final class CallLog: Sendable {
    private struct State {
        var calls: [String] = []
        var active = 0
        var maxActive = 0
    }

    private let state = Mutex(State())

    /// A handler that records `instance`, waits `duration`, then returns `changed`.
    func handler(_ instance: String = "-", duration: Duration = .zero, changed: Int = 1) -> JobHandler {
        { _ in
            self.enter(instance)
            defer { self.leave() }
            if duration > .zero { try await Task.sleep(for: duration) }
            return JobOutcome(changed: changed, details: ["instance": instance])
        }
    }

    func enter(_ instance: String) {
        state.withLock { state in
            state.calls.append(instance)
            state.active += 1
            state.maxActive = max(state.maxActive, state.active)
        }
    }

    func leave() {
        state.withLock { $0.active -= 1 }
    }

    var count: Int { state.withLock { $0.calls.count } }
    func count(_ instance: String) -> Int { state.withLock { $0.calls.filter { $0 == instance }.count } }
    var maxActive: Int { state.withLock { $0.maxActive } }
}

/// A latch handlers wait on until the test opens it.
final class Gate: Sendable {
    private let isOpen = Mutex(false)

    func open() { isOpen.withLock { $0 = true } }

    func wait() async {
        while !isOpen.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(2)) }
    }
}

/// Log entries captured by ``RecordingLogHandler``.
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let entries = Mutex<[Entry]>([])

    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    /// The entries with this message.
    func entries(_ message: String) -> [Entry] { entries.withLock { $0.filter { $0.message == message } } }
}

/// A log handler writing into a ``LogRecorder``.
struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        merged.merge(event.metadata ?? [:]) { _, new in new }
        recorder.append(.init(level: event.level, message: "\(event.message)", metadata: merged))
    }
}

/// Polls `condition` every 5ms until it holds or `timeout` seconds pass; returns whether it held.
func eventually(timeout: Double = 20, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(timeout * 1000)))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}

/// Runs `services` in a service group while `body` runs, then shuts the group down gracefully and waits for it.
func whileRunning<Value: Sendable>(_ services: [any Service], _ body: () async throws -> Value) async throws -> Value {
    let group = ServiceGroup(services: services, logger: Logger(label: "group") { _ in SwiftLogNoOpLogHandler() })
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: Result<Value, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}
