/// A MongoDB update document: update operators only, never a replacement document.
///
/// Supported: `$set $setOnInsert $unset $inc $mul $min $max $currentDate $rename $push` (with
/// `$each`, `$slice`, `$position`, `$sort`), `$addToSet` (with `$each`), `$pull` (by value or by
/// condition), `$pullAll` and `$pop`, with dotted paths. Positional paths (`$`, `$[]`) are not
/// supported. A document that is not all operators, a path updated twice, or a change to `_id`
/// is an error.
///
/// ```swift
/// let announce: Update = [
///     "$set": ["networkId": "n1", "isOnline": true, "lastSeen": .date(now)],
///     "$setOnInsert": ["deviceId": "peer_a", "createdAt": .date(now)],
/// ]
/// let drain: Update = ["$pull": ["messages": ["id": ["$in": ["m1", "m2"]]]]]
/// ```
public struct Update: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// The update document.
    public var document: Document

    /// An update from an update document.
    public init(_ document: Document) {
        self.document = document
    }

    /// An update from a literal update document.
    public init(dictionaryLiteral elements: (String, Value)...) {
        self.document = Document(elements)
    }
}

extension Update: CustomStringConvertible {
    /// The update document as relaxed extended JSON.
    public var description: String { document.description }
}
