/// The messages sent with an `id` whose receipt or error frame has not come back yet: a message the server refused
/// with `not_announced` is sent again once after the device was announced again. At most `limit`, the oldest
/// forgotten.
package struct SentMessages: Sendable {
    /// A message awaiting its receipt.
    package struct Entry: Sendable, Hashable {
        /// The frame as sent.
        package var text: String
        /// True once it was sent again after a `not_announced`: it is not sent a third time.
        package var resent: Bool

        /// An entry for the frame `text`.
        package init(text: String, resent: Bool) { (self.text, self.resent) = (text, resent) }
    }

    let limit: Int
    private var entries: [String: Entry] = [:]
    private var order: [String] = []

    /// An empty set keeping at most `limit` messages.
    package init(limit: Int) {
        self.limit = max(limit, 0)
    }

    /// Keeps the message `id` (its frame `text`) until its receipt comes back.
    package mutating func remember(_ id: String, text: String, resent: Bool = false) {
        if entries.updateValue(Entry(text: text, resent: resent), forKey: id) == nil { order.append(id) }
        while order.count > limit { entries[order.removeFirst()] = nil }
    }

    /// Takes the entry of `id` (its receipt or error frame came back).
    package mutating func take(_ id: String) -> Entry? {
        guard let entry = entries.removeValue(forKey: id) else { return nil }
        order.removeAll { $0 == id }
        return entry
    }
}
