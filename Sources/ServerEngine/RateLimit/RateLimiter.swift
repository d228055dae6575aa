import DocumentStore
import ServerConfig

/// Fixed-window request counters. A limit's `scope` says where they live: `shared` in the store (`rate_limits`), so
/// instances sharing one MongoDB share the limit (one atomic upsert-and-increment per request; expired windows are
/// deleted by a TTL index); `instance` in the process (``WindowCounters``); `auto`, the default, in the process on
/// the embedded store (one process serves it, so the count is the same without a store write) and in the store
/// otherwise.
///
/// ```swift
/// let decision = try await limiter.hit(limits.rateLimits["announce"]!, key: "user:alice")
/// if !decision.allowed { /* 429 with decision.headers */ }
/// ```
public struct RateLimiter: Sendable {
    /// The engine-owned collection holding the counters.
    public static let collectionName = "rate_limits"
    /// Its TTL index: a window's counter is deleted once the window is over.
    public static let indexes = [IndexSpec("expiresAt", expireAfterSeconds: 0)]

    private let collection: any DocumentCollection
    private let clock: any WallClock
    /// True when the store is the embedded engine (`auto` limits count in the process).
    private let embedded: Bool
    private let local = WindowCounters()

    /// Creates a limiter over a store.
    public init(store: any DocumentDatabase, clock: any WallClock) {
        self.collection = store.collection(Self.collectionName)
        self.clock = clock
        self.embedded = store.backendName == "memory"
    }

    /// True when `limit`'s counters live in this process.
    func countsInProcess(_ limit: RateLimitConfig) -> Bool {
        switch limit.scope {
        case .instance: return true
        case .shared: return false
        case .auto: return embedded
        }
    }

    /// Counts one request for `key` under `limit`.
    public func hit(_ limit: RateLimitConfig, key: String) async throws -> RateLimitDecision {
        let now = Timestamp(clock.now()).millisecondsSinceEpoch
        let window = FixedWindow(containing: now, length: limit.window.wholeMilliseconds)
        let count: Int
        if countsInProcess(limit) {
            count = local.increment(limit.name + "|" + key, in: window, now: now)
        } else {
            let document = try await collection.findOneAndUpdate(
                ["_id": .string("\(limit.name)|\(key)|\(window.start)")],
                ["$inc": ["count": 1], "$setOnInsert": ["expiresAt": .date(Timestamp(millisecondsSinceEpoch: window.end))]],
                upsert: true,
                returnDocument: .after,
                options: FindOptions()
            )
            count = Int(document?["count"]?.intValue ?? 1)
        }
        let resetSeconds = window.secondsLeft(at: now)
        return RateLimitDecision(allowed: count <= limit.max, limit: limit.max, remaining: max(0, limit.max - count), resetSeconds: resetSeconds)
    }
}
