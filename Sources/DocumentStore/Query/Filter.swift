/// A MongoDB query document.
///
/// Supported: implicit equality (including "array contains" and whole-array equality), equality on
/// embedded documents, `$eq $ne $gt $gte $lt $lte $in $nin $exists $elemMatch $size $all $not`,
/// dotted paths through embedded documents and arrays of documents, and `$and $or $nor`.
/// An unknown `$operator` fails with ``StoreError/Code/invalidQuery``.
///
/// ```swift
/// let online: Filter = [
///     "networkId": "n1",
///     "isOnline": true,
///     "lastSeen": ["$gte": .date(cutoff)],
/// ]
/// let pending: Filter = ["participants": "peer_b", "messages.to": "peer_b"]
/// ```
public struct Filter: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// The query document.
    public var document: Document

    /// A filter from a query document.
    public init(_ document: Document) {
        self.document = document
    }

    /// The empty filter, which matches every document.
    public init() {
        self.document = Document()
    }

    /// A filter from a literal query document.
    public init(dictionaryLiteral elements: (String, Value)...) {
        self.document = Document(elements)
    }

    /// Matches every document.
    public static var all: Filter { Filter() }
}

extension Filter: CustomStringConvertible {
    /// The query document as relaxed extended JSON.
    public var description: String { document.description }
}
