/// The embedded document store: MongoDB's query and update semantics in process memory.
///
/// Each collection keeps its documents by `_id`, enforces unique indexes on every write, uses
/// secondary indexes (single-field, compound and multikey) for equality and `$in` conditions
/// on an index prefix, and runs each operation atomically. TTL indexes are enforced by
/// ``runTTLMonitor()`` (every ``ttlMonitorInterval``, like MongoDB's 60 s monitor) or one pass
/// at a time with ``reapExpiredDocuments()``. Data lives as long as the process.
///
/// ```swift
/// let clock = ManualWallClock()
/// let store = MemoryStore(clock: clock)
/// let devices = store.collection("devices")
/// try await devices.createIndexes([IndexSpec("expiresAt", expireAfterSeconds: 0)])
/// clock.advance(by: .seconds(600))
/// let reaped = await store.reapExpiredDocuments()
/// ```
public final class MemoryStore: DocumentDatabase {
    /// How often ``runTTLMonitor()`` deletes expired documents.
    public let ttlMonitorInterval: Duration
    /// The clock behind TTL expiry and `$currentDate`.
    public var clock: any WallClock { context.clock }
    /// `"memory"`.
    public var backendName: String { "memory" }

    private let context: MemoryStoreContext
    private let collections = LockedValue<[String: MemoryCollection]>([:])

    /// An empty store.
    ///
    /// - Parameters:
    ///   - clock: The time source for TTL expiry and `$currentDate`. Default: the system clock.
    ///   - ttlMonitorInterval: The period of ``runTTLMonitor()``. Default: 60 seconds.
    public init(clock: any WallClock = SystemWallClock(), ttlMonitorInterval: Duration = .seconds(60)) {
        self.context = MemoryStoreContext(clock: clock)
        self.ttlMonitorInterval = ttlMonitorInterval
    }

    /// The collection named `name`, created empty on first use. An invalid name (empty, with
    /// `$` or NUL, or starting with `system.`) gives a collection whose operations fail with
    /// ``StoreError/Code/invalidQuery``.
    public func collection(_ name: String) -> any DocumentCollection {
        memoryCollection(name)
    }

    /// The concrete collection, for engine-level inspection (statistics, query plans).
    package func memoryCollection(_ name: String) -> MemoryCollection {
        collections.withLock { collections in
            if let existing = collections[name] { return existing }
            let created = MemoryCollection(name: name, context: context)
            collections[name] = created
            return created
        }
    }

    /// Succeeds until the store is shut down.
    public func ping() async throws {
        try context.checkOpen()
    }

    /// Marks the store shut down: later operations fail with ``StoreError/Code/unavailable``.
    public func shutdown() async throws {
        context.shutDown()
    }

    /// Deletes expired documents every ``ttlMonitorInterval`` of the store's clock until the task is cancelled.
    ///
    /// ```swift
    /// let monitor = Task { await store.runTTLMonitor() }
    /// // ...
    /// monitor.cancel()
    /// ```
    public func runTTLMonitor() async {
        while !Task.isCancelled {
            do {
                try await context.clock.sleep(for: ttlMonitorInterval)
            } catch {
                return
            }
            await reapExpiredDocuments()
        }
    }

    /// One pass of the TTL monitor at the clock's current time: deletes every document whose
    /// TTL-indexed date plus `expireAfterSeconds` is not after now; returns how many.
    @discardableResult
    public func reapExpiredDocuments() async -> Int {
        let now = Timestamp(context.clock.now())
        let all = collections.withLock { Array($0.values) }
        return all.reduce(0) { $0 + $1.reapExpired(now: now) }
    }
}
