/// The messages sent with an `id` whose receipt or error frame has not come back yet: a message the server refused
/// with `not_announced` is sent again once after the device was announced again. At most `limit`, the oldest
/// forgotten.
struct SentMessages: Sendable {
    struct Entry: Sendable, Hashable {
        var text: String
        /// True once it was sent again after a `not_announced`: it is not sent a third time.
        var resent: Bool
    }

    let limit: Int
    private var entries: [String: Entry] = [:]
    private var order: [String] = []

    init(limit: Int) {
        self.limit = max(limit, 0)
    }

    mutating func remember(_ id: String, text: String, resent: Bool = false) {
        if entries.updateValue(Entry(text: text, resent: resent), forKey: id) == nil { order.append(id) }
        while order.count > limit { entries[order.removeFirst()] = nil }
    }

    /// Takes the entry of `id` (its receipt or error frame came back).
    mutating func take(_ id: String) -> Entry? {
        guard let entry = entries.removeValue(forKey: id) else { return nil }
        order.removeAll { $0 == id }
        return entry
    }
}
