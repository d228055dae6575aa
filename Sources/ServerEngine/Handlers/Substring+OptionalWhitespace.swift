extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace, RFC 9110 §5.6.3).
    ///
    /// By hand: Foundation's `trimmingCharacters(in:)` goes through NSString, which was 3 % of an announce's CPU.
    ///
    /// ```swift
    /// Substring(" \"tag\"\t").trimmingOptionalWhitespace()  // "\"tag\""
    /// ```
    func trimmingOptionalWhitespace() -> Substring {
        var trimmed = drop { $0 == " " || $0 == "\t" }
        while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
        return trimmed
    }
}
