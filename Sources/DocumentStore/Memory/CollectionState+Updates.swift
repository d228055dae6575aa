extension CollectionState {
    /// `updateOne` (`multi == false`) and `updateMany`: applies `plan` to the matching documents,
    /// or upserts. A document whose update fails stops the operation; earlier documents stay
    /// updated (MongoDB's behaviour for multi-document updates).
    mutating func update(
        _ expression: FilterExpression,
        _ plan: UpdatePlan,
        upsert: Bool,
        multi: Bool,
        now: Timestamp
    ) throws -> UpdateResult {
        let targets = matchingSlots(expression, limit: multi ? nil : 1)
        guard !targets.isEmpty else {
            guard upsert else { return UpdateResult(matchedCount: 0, modifiedCount: 0) }
            let id = try insert(try upsertDocument(expression, plan, now: now))
            return UpdateResult(matchedCount: 0, modifiedCount: 0, upsertedId: id)
        }
        var modified = 0
        for slot in targets {
            if try apply(plan, toSlot: slot, now: now) != nil { modified += 1 }
        }
        return UpdateResult(matchedCount: targets.count, modifiedCount: modified)
    }

    /// `findOneAndUpdate`: updates the first match in `ordering` and returns the document before
    /// and after; with `upsert` and no match, inserts and returns `(nil, inserted)`.
    mutating func findAndUpdate(
        _ expression: FilterExpression,
        _ plan: UpdatePlan,
        upsert: Bool,
        ordering: DocumentOrdering,
        now: Timestamp
    ) throws -> (before: Document?, after: Document?) {
        guard let slot = firstMatchingSlot(expression, ordering: ordering), let original = document(at: slot) else {
            guard upsert else { return (nil, nil) }
            let inserted = try upsertDocument(expression, plan, now: now)
            _ = try insert(inserted)
            return (nil, inserted)
        }
        let updated = try apply(plan, toSlot: slot, now: now) ?? original
        return (original, updated)
    }

    /// Applies an update to one stored document; returns the new document, or `nil` when the
    /// update changed nothing. Throws without changing anything when the result would violate
    /// a unique index or modify `_id`.
    private mutating func apply(_ plan: UpdatePlan, toSlot slot: Int, now: Timestamp) throws -> Document? {
        guard let original = document(at: slot) else { return nil }
        var updated = original
        try plan.apply(to: &updated, isInsert: false, now: now)
        guard updated != original else { return nil }
        if updated["_id"] != original["_id"] {
            throw StoreError(code: .immutableField, message: "an update cannot change the immutable field '_id'", collection: name)
        }
        try replace(slot: slot, with: updated)
        return updated
    }

    /// The document an upsert inserts: the filter's equality fields, then the update applied
    /// as an insert (`$setOnInsert` included), `_id` first (generated when absent).
    func upsertDocument(_ expression: FilterExpression, _ plan: UpdatePlan, now: Timestamp) throws -> Document {
        var document = try expression.upsertSeed()
        let seededId = document["_id"]
        try plan.apply(to: &document, isInsert: true, now: now)
        if let seededId, document["_id"] != seededId {
            throw StoreError(
                code: .immutableField,
                message: "an upsert cannot change the _id given by its filter",
                collection: name
            )
        }
        return try Self.prepareForInsert(document)
    }

    /// Deletes matching documents (at most one unless `multi`); returns how many.
    mutating func delete(_ expression: FilterExpression, multi: Bool) -> Int {
        let targets = matchingSlots(expression, limit: multi ? nil : 1)
        for slot in targets { remove(slot: slot) }
        return targets.count
    }
}
