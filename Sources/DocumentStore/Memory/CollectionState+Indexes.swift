extension CollectionState {
    /// The indexes, `_id_` first.
    var indexSpecs: [IndexSpec] {
        [IndexSpec.primary] + indexes.map(\.spec)
    }

    /// Creates indexes over the existing documents, all or none (see ``DocumentCollection/createIndexes(_:)``).
    mutating func createIndexes(_ specs: [IndexSpec]) throws {
        var created: [MemoryIndex] = []
        for spec in specs {
            try Self.validate(spec)
            let existing = indexSpecs + created.map(\.spec)
            if let sameName = existing.first(where: { $0.name == spec.name }) {
                if sameName == spec || (sameName.name == "_id_" && spec.keys == sameName.keys && spec.expireAfterSeconds == nil) {
                    continue
                }
                throw indexConflict(spec, "an index named '\(spec.name)' already exists with different keys or options")
            }
            if let sameKeys = existing.first(where: { $0.keys == spec.keys }) {
                throw indexConflict(spec, "an index with the same keys already exists as '\(sameKeys.name)'")
            }
            created.append(try build(spec))
        }
        indexes.append(contentsOf: created)
    }

    private func build(_ spec: IndexSpec) throws -> MemoryIndex {
        var index = MemoryIndex(spec: spec)
        for (slot, document) in slots.enumerated() {
            guard let document else { continue }
            let keys = try index.keys(of: document)
            if spec.unique && index.hasConflict(keys, excluding: slot) {
                throw duplicateKey(index: spec.name)
            }
            index.add(slot: slot, keys: keys)
        }
        return index
    }

    private static func validate(_ spec: IndexSpec) throws {
        guard !spec.keys.isEmpty else { throw StoreError.invalidQuery("index '\(spec.name)' has no keys") }
        guard !spec.name.isEmpty else { throw StoreError.invalidQuery("an index name cannot be empty") }
        var fields: Set<String> = []
        for key in spec.keys {
            let path = FieldPath(key.field)
            if path.components.contains(where: { $0.isEmpty || $0.hasPrefix("$") }) {
                throw StoreError.invalidQuery("index '\(spec.name)' has an invalid field path '\(key.field)'")
            }
            if !fields.insert(key.field).inserted {
                throw StoreError.invalidQuery("index '\(spec.name)' lists the field '\(key.field)' twice")
            }
        }
        if let seconds = spec.expireAfterSeconds {
            guard (0...Int(Int32.max)).contains(seconds) else {
                throw StoreError.invalidQuery("expireAfterSeconds of index '\(spec.name)' must be between 0 and 2147483647")
            }
            guard spec.keys.count == 1 else {
                throw StoreError.invalidQuery("TTL index '\(spec.name)' must have a single key; compound TTL indexes are not supported")
            }
            guard spec.keys[0].field != "_id" else { throw StoreError.invalidQuery("the _id field cannot have a TTL index") }
        }
    }

    private func indexConflict(_ spec: IndexSpec, _ message: String) -> StoreError {
        StoreError(code: .indexConflict, message: message, collection: name, indexName: spec.name)
    }

    /// Deletes documents whose TTL-indexed date (the earliest, for an array of dates) plus the
    /// index's `expireAfterSeconds` is at or before `now`; returns how many.
    mutating func reapExpired(now: Timestamp) -> Int {
        var expired: Set<Int> = []
        for index in indexes {
            guard let seconds = index.spec.expireAfterSeconds else { continue }
            let (delay, delayOverflow) = Int64(clamping: seconds).multipliedReportingOverflow(by: 1000)
            let (cutoff, cutoffOverflow) = now.millisecondsSinceEpoch.subtractingReportingOverflow(delay)
            if delayOverflow || cutoffOverflow { continue }  // expires after the end of time
            for (key, slots) in index.firstFieldEntries {
                if case .date(let milliseconds) = key.head, milliseconds <= cutoff {
                    // SlotSet is not a Sequence: its forEach is its own.
                    // swift-format-ignore: ReplaceForEachWithForLoop
                    slots.forEach { expired.insert($0) }
                }
            }
        }
        for slot in expired.sorted() { remove(slot: slot) }
        return expired.count
    }
}
