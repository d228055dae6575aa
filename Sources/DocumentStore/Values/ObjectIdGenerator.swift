import Synchronization

/// The process-wide source of ObjectId uniqueness: 5 random bytes chosen at start-up and a 24-bit
/// counter starting at a random value, as the MongoDB ObjectId specification requires.
///
/// This is the module's only process-wide state; it is immutable apart from an atomic counter.
final class ObjectIdGenerator: Sendable {
    /// The generator of this process.
    static let shared = ObjectIdGenerator()

    private let processUnique: UInt64
    private let counter: Atomic<UInt32>

    init() {
        var generator = SystemRandomNumberGenerator()
        self.processUnique = generator.next() & 0xff_ffff_ffff
        self.counter = Atomic(UInt32.random(in: 0...0xff_ffff, using: &generator))
    }

    func next(secondsSinceEpoch: UInt32) -> ObjectId {
        let count = counter.wrappingAdd(1, ordering: .relaxed).oldValue & 0xff_ffff
        // seconds (4 bytes) + process-unique (5 bytes) + counter (3 bytes)
        let high = UInt64(secondsSinceEpoch) << 32 | (processUnique >> 8)
        let low = UInt32(truncatingIfNeeded: processUnique & 0xff) << 24 | count
        return ObjectId(high: high, low: low)
    }
}
