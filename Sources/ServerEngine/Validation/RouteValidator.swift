import DocumentStore
import Foundation
import ServerConfig

/// Applies a route's declared rules to a request's path parameters, query items and JSON body.
///
/// Semantics follow the express-validator checks the spec uses, stricter where the spec's code relied on
/// luck: a string check fails on a non-string (express-validator would stringify `["peer_a"]` and pass it),
/// and `url` requires an explicit protocol from the list (express-validator's default does not).
struct RouteValidator: Sendable {
    private let params: [CompiledFieldRule]
    private let query: [CompiledFieldRule]
    private let body: [CompiledFieldRule]

    /// True if the route declares any body rule.
    var hasBodyRules: Bool { !body.isEmpty }

    /// Compiles the route's rules; the patterns were checked when the configuration loaded.
    init(route: RouteConfig) throws {
        params = try route.params.map(CompiledFieldRule.init)
        query = try route.query.map(CompiledFieldRule.init)
        body = try route.body.map(CompiledFieldRule.init)
    }

    /// Every failed check; empty if the request is valid. `body` is nil when the request had none.
    func validate(parameters: [String: String], queryItems: [String: String], body json: Value?) -> [FieldFailure] {
        var failures: [FieldFailure] = []
        for rule in params { rule.check(parameters[rule.field].map(Value.string), location: "params", textual: true, into: &failures) }
        for rule in query { rule.check(queryItems[rule.field].map(Value.string), location: "query", textual: true, into: &failures) }
        let document = json?.documentValue
        for rule in body { rule.check(document?[rule.field], location: "body", textual: false, into: &failures) }
        return failures
    }
}

/// A field rule with its regular expressions compiled once.
struct CompiledFieldRule: Sendable {
    let field: String
    let optional: Bool
    let checks: [CompiledCheck]
    let each: [CompiledCheck]?
    let messages: RuleMessages
    let eachMessages: RuleMessages

    init(_ rule: FieldRule) throws {
        field = rule.field
        optional = rule.optional
        checks = try rule.checks.map(CompiledCheck.init)
        each = try rule.each.map { try $0.checks.map(CompiledCheck.init) }
        messages = rule.messages
        eachMessages = rule.each?.messages ?? RuleMessages()
    }

    /// Appends one failure per failed check, worded by the route's `message:` or else by the check ("must match …");
    /// an absent field is one failure, "is required". A message already given for the same path is not repeated
    /// (a number fails `string`, `matches` and `length` alike: "must be a string" once). `textual` fields (params,
    /// query) arrive as strings.
    func check(_ value: Value?, location: String, textual: Bool, into failures: inout [FieldFailure]) {
        if optional, value == nil || value == .null { return }
        guard let value else {
            if !checks.isEmpty {
                let message = messages.message(for: RuleMessages.required) ?? "is required"
                failures.append(FieldFailure(location: location, path: field, value: nil, message: message))
            }
            return
        }
        Self.apply(checks, to: value, path: field, messages: messages, location: location, textual: textual, into: &failures)
        guard let each, case .array(let elements) = value else { return }
        for (offset, element) in elements.enumerated() {
            let path = "\(field)[\(offset)]"
            Self.apply(each, to: element, path: path, messages: eachMessages, location: location, textual: textual, into: &failures)
        }
    }

    private static func apply(
        _ checks: [CompiledCheck],
        to value: Value,
        path: String,
        messages: RuleMessages,
        location: String,
        textual: Bool,
        into failures: inout [FieldFailure]
    ) {
        var worded: Set<String> = []
        for check in checks {
            guard let failure = check.failure(of: value, textual: textual) else { continue }
            let message = messages.message(for: check.check.name) ?? failure
            guard worded.insert(message).inserted else { continue }
            failures.append(FieldFailure(location: location, path: path, value: value, message: message))
        }
    }
}

/// One check, ready to run.
package struct CompiledCheck: @unchecked Sendable {  // Regex is immutable once built; matching it is thread-safe.
    let check: FieldCheck
    /// A `matches:` pattern of the common anchored shape, matched without the Regex engine.
    package let anchored: AnchoredPattern?
    /// Any other `matches:` pattern.
    package let regex: Regex<AnyRegexOutput>?

    /// Compiles `check`.
    package init(_ check: FieldCheck) throws {
        self.check = check
        if case .matches(let pattern) = check, let anchored = AnchoredPattern(pattern) {
            (self.anchored, regex) = (anchored, nil)
        } else if case .matches(let pattern) = check {
            (anchored, regex) = (nil, try Regex(pattern))
        } else {
            (anchored, regex) = (nil, nil)
        }
    }

    /// Nil when `value` passes; else why it fails, in words (``FieldCheck/requirement``), or "must be a string" for a
    /// string check given another type.
    package func failure(of value: Value, textual: Bool) -> String? {
        switch check {
        case .string:
            return value.stringValue != nil ? nil : check.requirement
        case .alphanumeric:
            guard let text = value.stringValue else { return FieldCheck.string.requirement }
            // express-validator's isAlphanumeric (en-US): ASCII letters and digits only, so a byte test is exact.
            let passes = !text.isEmpty && text.utf8.allSatisfy(ASCIIBytes.isLetterOrDigit)
            return passes ? nil : check.requirement
        case .length(let min, let max):
            guard let count = value.stringValue?.unicodeScalars.count else { return FieldCheck.string.requirement }
            return count >= (min ?? 0) && count <= (max ?? Int.max) ? nil : check.requirement
        case .matches:
            guard let text = value.stringValue else { return FieldCheck.string.requirement }
            if let anchored { return anchored.matches(text) ? nil : check.requirement }
            guard let regex, (try? regex.firstMatch(in: text)) != nil else { return check.requirement }
            return nil
        case .url(let protocols):
            guard let text = value.stringValue else { return FieldCheck.string.requirement }
            return URLCheck.isValid(text, protocols: protocols) ? nil : check.requirement
        case .oneOf(let allowed):
            guard let text = value.stringValue, allowed.contains(text) else { return check.requirement }
            return nil
        case .array(let min, let max):
            guard case .array(let elements) = value else { return FieldCheck.array(min: nil, max: nil).requirement }
            return elements.count >= (min ?? 0) && elements.count <= (max ?? Int.max) ? nil : check.requirement
        case .integer(let min, let max):
            let number: Int64?
            switch value {
            case .int(let integer): number = textual ? nil : integer
            case .double(let double): number = !textual && double == double.rounded() && abs(double) < 9e15 ? Int64(double) : nil
            case .string(let text): number = textual ? Int64(text) : nil
            default: number = nil
            }
            guard let number, number >= Int64(min ?? Int.min), number <= Int64(max ?? Int.max) else { return check.requirement }
            return nil
        case .boolean:
            if textual, let text = value.stringValue { return text == "true" || text == "false" ? nil : check.requirement }
            if case .bool = value { return nil }
            return check.requirement
        case .object:
            if case .document = value { return nil }
            return check.requirement
        }
    }
}

/// Byte tests for ASCII text, exact where the text is ASCII: what `Character.isLetter`, `isNumber` and
/// `isWhitespace` answer for ASCII characters, without Unicode property lookups.
enum ASCIIBytes {
    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        default: return false
        }
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    /// The byte of an ASCII upper-case letter in lower case; any other byte unchanged.
    static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }

    /// Tab, line feed, vertical tab, form feed, carriage return, space.
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
}
