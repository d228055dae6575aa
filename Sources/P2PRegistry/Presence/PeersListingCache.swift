import ServerEngine
import Synchronization

/// The last rendered `GET /network/:networkId/peers` body of each network, keyed by its entity tag, so that every
/// client polling an unchanged network shares one rendering (the handler still reads the devices and computes the tag
/// on every request, which is what makes a hit correct: equal tags mean equal listed fields, hence an equal body).
///
/// One entry per network, replaced when the network's listing changes. Bounded by the bodies' storage: inserting past
/// `byteBudget` evicts the least recently used networks first, and a body larger than a quarter of the budget is not
/// kept.
package final class PeersListingCache: Sendable {
    private struct Entry {
        var tag: String
        var body: HandlerBody
        var lastUse: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
        var tick: UInt64 = 0
    }

    /// The most body bytes held.
    let byteBudget: Int
    private let state = Mutex(State())

    /// Creates an empty cache holding at most `byteBudget` bytes of bodies; 0 disables it.
    package init(byteBudget: Int = 32 << 20) {
        self.byteBudget = max(0, byteBudget)
    }

    /// The body rendered for `network` when its listing had `tag`.
    package func body(network: String, tag: String) -> HandlerBody? {
        state.withLock { state in
            guard var entry = state.entries[network], entry.tag == tag else { return nil }
            state.tick += 1
            entry.lastUse = state.tick
            state.entries[network] = entry
            return entry.body
        }
    }

    /// Keeps `body` as `network`'s listing for `tag`, replacing the network's previous one.
    package func store(_ body: HandlerBody, network: String, tag: String) {
        let size = body.storageSize
        guard size <= byteBudget / 4 else { return }
        state.withLock { state in
            if let old = state.entries.removeValue(forKey: network) { state.bytes -= old.body.storageSize }
            while state.bytes + size > byteBudget, let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                state.entries[oldest.key] = nil
                state.bytes -= oldest.value.body.storageSize
            }
            state.tick += 1
            state.entries[network] = Entry(tag: tag, body: body, lastUse: state.tick)
            state.bytes += size
        }
    }

    /// Bytes held by the bodies' storage (for tests).
    package var bytes: Int { state.withLock { $0.bytes } }

    /// Networks held (for tests).
    package var count: Int { state.withLock { $0.entries.count } }
}
