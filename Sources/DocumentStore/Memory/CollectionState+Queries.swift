extension CollectionState {
    /// Chooses how to find the candidates of a filter: `_id` lookups when the filter fixes `_id`,
    /// else the secondary index whose equality/`$in` prefix yields the fewest candidates (the
    /// hash lookups are cheap enough to try every usable index), else a full scan.
    func plan(for expression: FilterExpression) -> (plan: QueryPlan, candidates: [Int]?) {
        let conditions = EqualityConditions(expression)
        guard !conditions.isEmpty else { return (.collectionScan, nil) }
        if let ids = conditions["_id"] {
            let candidates = Set(ids.compactMap { primary[IndexValue($0)] })
            return (.idLookup(keys: ids.count), candidates.sorted())
        }
        var best: (plan: QueryPlan, candidates: [Int])?
        for index in indexes {
            guard let (fields, keys) = lookupKeys(index, conditions) else { continue }
            // Count before collecting: an index that matches more than the best so far is skipped without building its
            // candidate list (a user's thousands of devices under `userId` next to one under a unique `deviceId`).
            if let current = best {
                var count = 0
                for key in keys { count += index.lookup(key)?.count ?? 0 }
                if current.candidates.count <= count { continue }
            }
            var candidates: [Int] = []
            for key in keys {
                // SlotSet is not a Sequence: its forEach is its own.
                // swift-format-ignore: ReplaceForEachWithForLoop
                index.lookup(key)?.forEach { candidates.append($0) }
            }
            if let current = best, current.candidates.count <= candidates.count { continue }
            best = (.indexLookup(index: index.spec.name, fields: fields, keys: keys.count), candidates)
        }
        guard let best else { return (.collectionScan, nil) }
        // Keys are distinct, but a multikey document can sit under several of them.
        let ordered = best.candidates.sorted()
        var unique: [Int] = []
        unique.reserveCapacity(ordered.count)
        for slot in ordered where unique.last != slot { unique.append(slot) }
        return (best.plan, unique)
    }

    /// The keys to look up in `index`: every combination of the condition values on its longest
    /// constrained prefix (bounded by ``maximumLookups``); `nil` when its first field is unconstrained.
    private func lookupKeys(_ index: MemoryIndex, _ conditions: EqualityConditions) -> (fields: Int, keys: [[IndexValue]])? {
        guard let first = index.paths.first, conditions[first.raw] != nil else { return nil }
        var keys: [[IndexValue]] = [[]]
        var fields = 0
        for path in index.paths {
            guard let values = conditions[path.raw], keys.count * max(values.count, 1) <= Self.maximumLookups else { break }
            if values.count == 1 {
                let value = IndexValue(values[0])
                for position in keys.indices { keys[position].append(value) }
            } else {
                let normalized = Array(Set(values.map(IndexValue.init)))
                keys = keys.flatMap { prefix in normalized.map { prefix + [$0] } }
            }
            fields += 1
        }
        return fields > 0 ? (fields, keys) : nil
    }

    /// The most key combinations a `$in` lookup may expand to before a scan is cheaper.
    static let maximumLookups = 4096

    /// The slots of matching documents in natural order, at most `limit` of them; records statistics.
    mutating func matchingSlots(_ expression: FilterExpression, limit: Int? = nil) -> [Int] {
        let (plan, candidates) = plan(for: expression)
        statistics.lastPlan = plan
        if candidates == nil { statistics.collectionScans += 1 } else { statistics.indexLookups += 1 }
        var result: [Int] = []
        var examined = 0
        func consider(_ slot: Int) -> Bool {
            guard let document = slots[slot] else { return true }
            examined += 1
            if expression.matches(document) {
                result.append(slot)
                if let limit, result.count >= limit { return false }
            }
            return true
        }
        if let candidates {
            for slot in candidates where !consider(slot) { break }
        } else {
            for slot in slots.indices where !consider(slot) { break }
        }
        statistics.documentsExamined += examined
        return result
    }

    /// The matching documents in natural order (at most `limit`).
    mutating func matchingDocuments(_ expression: FilterExpression, limit: Int? = nil) -> [Document] {
        matchingSlots(expression, limit: limit).compactMap { slots[$0] }
    }

    /// The slot of the first matching document in `ordering` (natural order when empty).
    mutating func firstMatchingSlot(_ expression: FilterExpression, ordering: DocumentOrdering) -> Int? {
        if ordering.isEmpty { return matchingSlots(expression, limit: 1).first }
        var best: (slot: Int, keys: [Value?])?
        for slot in matchingSlots(expression) {
            guard let document = slots[slot] else { continue }
            let keys = ordering.sortKeys(of: document)
            if let current = best, !ordering.areInIncreasingOrder(keys, current.keys) { continue }
            best = (slot, keys)
        }
        return best?.slot
    }

    /// The distinct values of `path` among matching documents: arrays flattened one level,
    /// numerically equal values once, sorted in MongoDB's order.
    mutating func distinctValues(of path: FieldPath, _ expression: FilterExpression) -> [Value] {
        var seen: Set<IndexValue> = []
        var values: [Value] = []
        for slot in matchingSlots(expression) {
            guard let document = slots[slot] else { continue }
            _ = PathTraversal.anyLeaf(in: document, path: path.components[...]) { leaf in
                switch leaf {
                case nil:
                    break
                case .array(let elements)?:
                    for element in elements where seen.insert(IndexValue(element)).inserted { values.append(element) }
                case let value?:
                    if seen.insert(IndexValue(value)).inserted { values.append(value) }
                }
                return false
            }
        }
        return values.sorted { Value.compare($0, $1) < 0 }
    }
}
