#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A UTC instant with millisecond precision: the BSON datetime.
///
/// Converting a `Date` truncates it to whole milliseconds (rounding toward the past), as a
/// MongoDB round trip does, so a value read back compares equal to the value written.
///
/// ```swift
/// let stamp = Timestamp(Date())
/// let expiry = Timestamp(millisecondsSinceEpoch: stamp.millisecondsSinceEpoch + 600_000)
/// ```
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Milliseconds since 1970-01-01T00:00:00Z; negative before it.
    public var millisecondsSinceEpoch: Int64

    /// A timestamp from milliseconds since the Unix epoch.
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// A timestamp from a `Date`, truncated to the millisecond.
    ///
    /// Dates beyond the range of `Int64` milliseconds are clamped.
    public init(_ date: Date) {
        let milliseconds = date.timeIntervalSince1970 * 1000
        let nearest = milliseconds.rounded()
        // A date made from whole milliseconds may come back a few ulps off; snap those, floor the rest.
        let whole = abs(milliseconds - nearest) < 0.001 ? nearest : milliseconds.rounded(.down)
        if let exact = Int64(exactly: whole) {
            self.millisecondsSinceEpoch = exact
        } else if whole.isNaN {
            self.millisecondsSinceEpoch = 0
        } else {
            self.millisecondsSinceEpoch = whole < 0 ? .min : .max
        }
    }

    /// The instant as a Foundation `Date`.
    public var date: Date {
        Date(timeIntervalSince1970: Double(millisecondsSinceEpoch) / 1000)
    }

    /// Orders timestamps chronologically.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }
}

extension Timestamp: CustomStringConvertible {
    /// The instant's UTC calendar fields (proleptic Gregorian calendar): month 1–12, day 1–31, millisecond 0–999.
    public var utcComponents: (year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64, millisecond: Int64) {
        let (days, dayMillis) = Self.floorDivide(millisecondsSinceEpoch, 86_400_000)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: days)
        return (year, month, day, dayMillis / 3_600_000, dayMillis / 60_000 % 60, dayMillis / 1000 % 60, dayMillis % 1000)
    }

    /// ISO 8601 with milliseconds, e.g. `2024-01-20T12:00:00.000Z`.
    public var description: String {
        let time = utcComponents
        return "\(Self.pad(time.year, 4))-\(Self.pad(time.month, 2))-\(Self.pad(time.day, 2))T"
            + "\(Self.pad(time.hour, 2)):\(Self.pad(time.minute, 2)):\(Self.pad(time.second, 2)).\(Self.pad(time.millisecond, 3))Z"
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    private static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(abs(value))
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return value < 0 ? "-" + padded : padded
    }
}
