import ServerConfig

extension FieldCheck {
    /// What the check requires, in words, as a validation failure's `msg`: "must match ^peer_[a-zA-Z0-9_]+$",
    /// "must be at most 100 characters", "must be one of relay, store, coordinator".
    var requirement: String {
        switch self {
        case .string: "must be a string"
        case .alphanumeric: "must contain only letters and digits"
        case .length(let min, let max): "must be " + Self.range(min, max, unit: "character")
        case .matches(let pattern): "must match \(pattern)"
        case .url(let protocols): "must be a URL starting with " + Self.either(protocols.map { "\($0)://" })
        case .oneOf(let allowed): "must be one of " + allowed.joined(separator: ", ")
        case .array(nil, nil): "must be an array"
        case .array(let min, let max): "must be an array of " + Self.range(min, max, unit: "item")
        case .integer(nil, nil): "must be an integer"
        case .integer(let min, let max): "must be an integer " + Self.bounds(min, max)
        case .boolean: "must be true or false"
        case .object: "must be an object"
        }
    }

    /// "at most 100 characters", "at least 1 character", "1 to 50 characters", "exactly 8 characters".
    private static func range(_ min: Int?, _ max: Int?, unit: String) -> String {
        func counted(_ count: Int) -> String { count == 1 ? "1 \(unit)" : "\(count) \(unit)s" }
        switch (min, max) {
        case (let min?, let max?) where min == max: return "exactly " + counted(max)
        case (let min?, let max?): return "\(min) to \(max) \(unit)s"
        case (let min?, nil): return "at least " + counted(min)
        case (nil, let max?): return "at most " + counted(max)
        case (nil, nil): return "any number of \(unit)s"
        }
    }

    /// "from 1 to 10", "at least 0", "at most 5".
    private static func bounds(_ min: Int?, _ max: Int?) -> String {
        switch (min, max) {
        case (let min?, let max?): "from \(min) to \(max)"
        case (let min?, nil): "of at least \(min)"
        case (nil, let max?): "of at most \(max)"
        case (nil, nil): ""
        }
    }

    /// "ws:// or wss://", "http://, https:// or ws://".
    private static func either(_ words: [String]) -> String {
        guard let last = words.last, words.count > 1 else { return words.first ?? "" }
        return words.dropLast().joined(separator: ", ") + " or " + last
    }
}
