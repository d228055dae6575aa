import Synchronization

/// What the collections of one ``MemoryStore`` share: the clock and the open/shut-down state.
final class MemoryStoreContext: Sendable {
    let clock: any WallClock
    private let isShutDown = Atomic<Bool>(false)

    init(clock: any WallClock) {
        self.clock = clock
    }

    func shutDown() {
        isShutDown.store(true, ordering: .releasing)
    }

    func checkOpen() throws {
        if isShutDown.load(ordering: .acquiring) {
            throw StoreError(code: .unavailable, message: "the store has been shut down")
        }
    }
}
