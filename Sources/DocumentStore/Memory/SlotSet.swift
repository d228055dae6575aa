/// The document slots under one index key; a single slot (the common unique case) needs no allocation.
enum SlotSet: Sendable {
    case one(Int)
    case many(Set<Int>)

    mutating func insert(_ slot: Int) {
        switch self {
        case .one(let existing):
            if existing != slot { self = .many([existing, slot]) }
        case .many(var slots):
            self = .one(-1)  // release the set so the insertion does not copy it
            slots.insert(slot)
            self = .many(slots)
        }
    }

    /// Removes a slot; returns `false` when the set became empty (the key should be dropped).
    mutating func remove(_ slot: Int) -> Bool {
        switch self {
        case .one(let existing):
            return existing != slot
        case .many(var slots):
            self = .one(-1)
            slots.remove(slot)
            if slots.count == 1, let last = slots.first {
                self = .one(last)
            } else {
                self = .many(slots)
            }
            return !slots.isEmpty
        }
    }

    /// Whether a slot other than `slot` is present.
    func containsOther(than slot: Int?) -> Bool {
        switch self {
        case .one(let existing): return existing != slot
        case .many(let slots): return slots.contains { $0 != slot }
        }
    }

    var count: Int {
        switch self {
        case .one: return 1
        case .many(let slots): return slots.count
        }
    }

    func forEach(_ body: (Int) -> Void) {
        switch self {
        case .one(let slot): body(slot)
        case .many(let slots): slots.forEach(body)
        }
    }
}
