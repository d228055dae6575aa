/// An IP address range in CIDR notation: `10.0.0.0/8`, `2001:db8::/32`; a bare address is a range of one
/// (`/32` for IPv4, `/128` for IPv6).
///
/// IPv4 ranges also contain the IPv4-mapped IPv6 spelling of their addresses (`::ffff:10.1.2.3` is in `10.0.0.0/8`).
///
/// ```swift
/// let proxies = try CIDR("10.0.0.0/8")
/// proxies.contains(IPAddress("10.1.2.3")!)   // true
/// try CIDR("10.0.0.1/8")                     // throws: bits set past the prefix; did you mean 10.0.0.0/8?
/// ```
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the range.
    public let network: IPAddress
    /// The prefix length as written: 0–32 for IPv4, 0–128 for IPv6.
    public let prefixLength: Int

    /// Why a range could not be parsed; `message` says why and shows a valid form.
    public struct Failure: Error, Sendable, Equatable {
        /// A sentence for the operator.
        public var message: String
    }

    /// Parses `address/prefix` or a bare address.
    public init(_ text: String) throws(Failure) {
        let trimmed = text.trimmingWhitespace()
        let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else {
            throw Failure(message: "'\(trimmed)' is not an IP address or CIDR range; write one such as 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32")
        }
        let isIPv4 = address.isIPv4 && !parts[0].contains(":")
        let maximum = isIPv4 ? 32 : 128
        var prefix = maximum
        if parts.count == 2 {
            guard let written = Int(parts[1]), parts[1].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isNumber), (0...maximum).contains(written)
            else {
                throw Failure(message: "'\(trimmed)' has an invalid prefix length; expected /0 to /\(maximum)")
            }
            prefix = written
        }
        let bits = isIPv4 ? prefix + 96 : prefix
        let network = Self.masked(address, bits: bits)
        guard network == address else {
            let suggestion = "\(network)/\(prefix)"
            throw Failure(message: "'\(trimmed)' has bits set past its /\(prefix) prefix; did you mean \(suggestion)?")
        }
        self.network = network
        self.prefixLength = prefix
        self.bits = bits
        self.writtenAsIPv4 = isIPv4
    }

    /// The prefix in bits of the 128-bit (IPv4-mapped) form.
    private let bits: Int
    /// True for a range written in IPv4 notation.
    private let writtenAsIPv4: Bool

    /// True when `address` lies in the range.
    public func contains(_ address: IPAddress) -> Bool { Self.masked(address, bits: bits) == network }

    /// `network/prefix`, canonical.
    public var description: String {
        !writtenAsIPv4 && network.isIPv4 ? "::ffff:\(network)/\(prefixLength)" : "\(network)/\(prefixLength)"
    }

    /// `address` with every bit past the first `bits` cleared.
    private static func masked(_ address: IPAddress, bits: Int) -> IPAddress {
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> UInt64(bits)) }
        return IPAddress(high: address.high & mask(bits), low: address.low & mask(bits - 64))
    }
}
