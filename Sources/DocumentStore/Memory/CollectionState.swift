/// The contents of one memory collection: documents in slots, the `_id` index and the
/// secondary indexes. Not thread-safe by itself; ``MemoryCollection`` guards it with a lock so
/// every operation on it is atomic.
///
/// Every write checks all unique indexes before changing anything, so a failing write leaves
/// the documents and the indexes as they were.
struct CollectionState: Sendable {
    let name: String
    /// Documents by slot; `nil` slots are free. Slot order is the natural order.
    private(set) var slots: [Document?] = []
    private var freeSlots: [Int] = []
    /// `_id` key → slot.
    private(set) var primary: [IndexValue: Int] = [:]
    /// Secondary indexes, in creation order.
    var indexes: [MemoryIndex] = []
    /// Counters of query work.
    var statistics = QueryStatistics()

    init(name: String) {
        self.name = name
    }

    /// The document in a slot.
    func document(at slot: Int) -> Document? {
        slots.indices.contains(slot) ? slots[slot] : nil
    }

    /// Validates a document for insertion: `_id` generated when absent, moved to the front, not an array.
    static func prepareForInsert(_ document: Document) throws -> Document {
        var prepared = document
        if let id = prepared.removeValue(forKey: "_id") {
            if case .array = id {
                throw StoreError(code: .invalidDocument, message: "the _id field cannot be an array")
            }
            prepared.insert(key: "_id", value: id, at: 0)
        } else {
            prepared.insert(key: "_id", value: .objectId(ObjectId()), at: 0)
        }
        return prepared
    }

    /// Inserts a prepared document (see ``prepareForInsert(_:)``); returns its `_id`.
    mutating func insert(_ document: Document) throws -> Value {
        guard let id = document["_id"] else { throw StoreError(code: .internalError, message: "document to insert has no _id") }
        let idKey = IndexValue(id)
        if primary[idKey] != nil { throw duplicateKey(index: "_id_") }
        let keys = try indexes.map { try $0.keys(of: document) }
        try checkUnique(keys, excluding: nil)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = document
        } else {
            slot = slots.count
            slots.append(document)
        }
        primary[idKey] = slot
        for position in indexes.indices {
            indexes[position].add(slot: slot, keys: keys[position])
        }
        return id
    }

    /// Replaces the document in `slot` (same `_id`) and moves its index entries. Only the indexes reading a field
    /// whose value changed are touched (a re-announce moves `lastSeen` and `expiresAt`, not `deviceId`); an index whose
    /// keys stay the same cannot gain a unique conflict either.
    mutating func replace(slot: Int, with document: Document) throws {
        guard slots.indices.contains(slot), let old = slots[slot] else { return }
        let moved = indexes.indices.filter { !indexes[$0].readsSameValues(old, document) }
        let newKeys = try moved.map { try indexes[$0].keys(of: document) }
        for (position, keys) in zip(moved, newKeys) where indexes[position].spec.unique {
            if indexes[position].hasConflict(keys, excluding: slot) { throw duplicateKey(index: indexes[position].spec.name) }
        }
        for (position, keys) in zip(moved, newKeys) {
            let oldKeys = (try? indexes[position].keys(of: old)) ?? []
            indexes[position].update(slot: slot, from: oldKeys, to: keys)
        }
        slots[slot] = document
    }

    /// Deletes the document in `slot`.
    mutating func remove(slot: Int) {
        guard slots.indices.contains(slot), let document = slots[slot] else { return }
        for position in indexes.indices {
            let keys = (try? indexes[position].keys(of: document)) ?? []
            indexes[position].remove(slot: slot, keys: keys)
        }
        if let id = document["_id"] { primary[IndexValue(id)] = nil }
        slots[slot] = nil
        freeSlots.append(slot)
        if primary.isEmpty {
            slots.removeAll(keepingCapacity: true)
            freeSlots.removeAll(keepingCapacity: true)
        }
    }

    private func checkUnique(_ keys: [[IndexEntryKey]], excluding slot: Int?) throws {
        for (position, index) in indexes.enumerated() where index.spec.unique {
            if index.hasConflict(keys[position], excluding: slot) {
                throw duplicateKey(index: index.spec.name)
            }
        }
    }

    func duplicateKey(index: String) -> StoreError {
        StoreError(
            code: .duplicateKey,
            message: "duplicate key error: another document in '\(name)' already has this key in unique index '\(index)'",
            collection: name,
            indexName: index
        )
    }
}
