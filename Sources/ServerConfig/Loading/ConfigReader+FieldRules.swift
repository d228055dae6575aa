/// The `validate:` rules of a route: `params`, `query` and `body`, each a mapping of field name to checks.
extension ConfigReader {
    static let checkKeys = ["string", "alphanumeric", "length", "matches", "url", "in", "array", "integer", "boolean", "object"]

    func fieldRules(_ node: ConfigNode?) -> [FieldRule] {
        guard let node, let map = mapping(node) else { return [] }
        return map.entries.compactMap { entry in
            guard let rules = mapping(entry.value, allowed: ["optional", "each", "message"] + Self.checkKeys) else { return nil }
            let optional = rules["optional"].flatMap(bool) ?? false
            let checks = fieldChecks(rules)
            var each: ElementRule?
            if let eachNode = rules["each"] {
                if !checks.contains(where: { if case .array = $0 { true } else { false } }) {
                    error("'each' checks array elements; add 'array: true' to this field", at: eachNode)
                }
                if let eachMap = mapping(eachNode, allowed: Self.checkKeys + ["message"]) {
                    let eachChecks = fieldChecks(eachMap)
                    let messages = eachMap["message"].map { ruleMessages($0, checks: eachChecks, canBeAbsent: false) } ?? RuleMessages()
                    each = ElementRule(checks: eachChecks, messages: messages)
                }
            }
            let messages = rules["message"].map { ruleMessages($0, checks: checks, canBeAbsent: !optional) } ?? RuleMessages()
            return FieldRule(
                field: entry.key,
                optional: optional,
                checks: checks,
                each: each,
                messages: messages,
                location: entry.keyNode.location
            )
        }
    }

    /// `message: '…'` (every failure of the field) or `message: { matches: '…', required: '…' }` (per check). Each key
    /// must name a check the field declares, or `required` when the field may be absent (it is not `optional`).
    private func ruleMessages(_ node: ConfigNode, checks: [FieldCheck], canBeAbsent: Bool) -> RuleMessages {
        guard node.isMapping else {
            guard let text = string(node) else { return RuleMessages() }
            if text.isEmpty { error("a message must not be empty", at: node) }
            return RuleMessages(all: text.isEmpty ? nil : text)
        }
        guard let map = mapping(node, allowed: Self.checkKeys + [RuleMessages.required]) else { return RuleMessages() }
        let named = checks.map(\.name) + (canBeAbsent ? [RuleMessages.required] : [])
        var byCheck: [String: String] = [:]
        for (key, keyNode, value) in map.entries {
            guard named.contains(key) else {
                let why =
                    key == RuleMessages.required
                    ? "a message for 'required', but this field is never required (it is optional, or an array element)"
                    : "a message for '\(key)', but this field has no '\(key)' check"
                error(why, at: keyNode, suggestion: NearestName.suggest(for: key, among: named))
                continue
            }
            guard let text = string(value) else { continue }
            guard !text.isEmpty else {
                error("a message must not be empty", at: value)
                continue
            }
            byCheck[key] = text
        }
        return RuleMessages(byCheck: byCheck)
    }

    /// The checks of one field, in the order written.
    private func fieldChecks(_ map: MappingReader) -> [FieldCheck] {
        var checks: [FieldCheck] = []
        for (key, _, value) in map.entries where Self.checkKeys.contains(key) {
            switch key {
            case "string", "alphanumeric", "boolean", "object":
                guard bool(value) == true else { continue }
                checks.append(key == "string" ? .string : key == "alphanumeric" ? .alphanumeric : key == "boolean" ? .boolean : .object)
            case "length":
                if let (min, max) = bounds(value) { checks.append(.length(min: min, max: max)) }
            case "array":
                if let (min, max) = flagOrBounds(value) { checks.append(.array(min: min, max: max)) }
            case "integer":
                if let (min, max) = flagOrBounds(value, allowNegative: true) { checks.append(.integer(min: min, max: max)) }
            case "matches":
                if let pattern = string(value), compiles(pattern, at: value) { checks.append(.matches(pattern)) }
            case "in":
                if let values = stringList(value) { checks.append(.oneOf(values)) }
            case "url":
                if let protocols = urlProtocols(value) { checks.append(.url(protocols: protocols)) }
            default:
                break
            }
        }
        return checks
    }

    /// `{ min, max }`, both optional, min <= max.
    private func bounds(_ node: ConfigNode, allowNegative: Bool = false) -> (Int?, Int?)? {
        guard let map = mapping(node, allowed: ["min", "max"]) else { return nil }
        let floor = allowNegative ? Int.min : 0
        let min = map["min"].flatMap { int($0, in: floor...Int.max) }
        let max = map["max"].flatMap { int($0, in: floor...Int.max) }
        if let min, let max, min > max {
            error("min \(min) is greater than max \(max)", at: node)
            return nil
        }
        return (min, max)
    }

    /// `true`, `false` (no check) or `{ min, max }`.
    private func flagOrBounds(_ node: ConfigNode, allowNegative: Bool = false) -> (Int?, Int?)? {
        if node.isMapping { return bounds(node, allowNegative: allowNegative) }
        return bool(node) == true ? (nil, nil) : nil
    }

    /// `url: true` (http, https, ws, wss) or `url: { protocols: [ws, wss] }`.
    private func urlProtocols(_ node: ConfigNode) -> [String]? {
        if node.isMapping {
            guard let map = mapping(node, allowed: ["protocols"]) else { return nil }
            return map["protocols"].flatMap(stringList) ?? ["http", "https", "ws", "wss"]
        }
        return bool(node) == true ? ["http", "https", "ws", "wss"] : nil
    }

    /// True if the pattern compiles; otherwise reports it.
    private func compiles(_ pattern: String, at node: ConfigNode) -> Bool {
        do {
            _ = try Regex(pattern)
            return true
        } catch {
            self.error("invalid regular expression '\(pattern)': \(error)", at: node)
            return false
        }
    }
}
