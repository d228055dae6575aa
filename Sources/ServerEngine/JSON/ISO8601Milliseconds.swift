import DocumentStore
import Foundation

/// Formats dates the way Node's `Date.prototype.toJSON` does: `2024-01-20T12:00:00.000Z`, always UTC, always milliseconds.
public enum ISO8601Milliseconds {
    /// The ISO-8601 string of `date`, truncated to milliseconds (the store's own rendering of a date).
    public static func string(from date: Date) -> String {
        Timestamp(date).description
    }
}
