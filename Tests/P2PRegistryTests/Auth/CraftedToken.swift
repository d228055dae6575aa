import Foundation
import JWTKit

/// Tokens signed with a real secret but with a header or claims the registry must refuse (or, configured so,
/// accept): an `alg` other than the signature's, no `exp`, a malformed `networks`.
enum CraftedToken {
    /// A claim value written as given.
    enum Claim: Encodable, Sendable {
        case string(String)
        case number(Double)
        case null
        case strings([String])
        case numbers([Int])

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let text): try container.encode(text)
            case .number(let number): try container.encode(number)
            case .null: try container.encodeNil()
            case .strings(let list): try container.encode(list)
            case .numbers(let list): try container.encode(list)
            }
        }
    }

    /// A payload of exactly the given claims.
    struct Claims: JWTPayload {
        var claims: [String: Claim]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for (name, value) in claims { try container.encode(value, forKey: Key(name)) }
        }

        init(_ claims: [String: Claim]) { self.claims = claims }
        init(from decoder: any Decoder) throws { claims = [:] }
        func verify(using algorithm: some JWTAlgorithm) async throws {}

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ name: String) { stringValue = name }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }

    /// `claims` signed with `secret` by `digest`, under a header whose `alg` is `headerAlgorithm` (nil: the
    /// signature's own name).
    static func sign(
        _ claims: [String: Claim],
        secret: String = RegistryHarness.secret,
        digest: DigestAlgorithm = .sha256,
        headerAlgorithm: String? = nil
    ) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: digest)
        var header = JWTHeader()
        if let headerAlgorithm { header.alg = headerAlgorithm }
        return try await keys.sign(Claims(claims), header: header)
    }

    /// Claims for `user` expiring an hour after `now`, with `extra` added (or replacing).
    static func claims(user: String, now: Date, extra: [String: Claim] = [:]) -> [String: Claim] {
        var claims: [String: Claim] = ["id": .string(user), "exp": .number(now.timeIntervalSince1970 + 3600)]
        claims.merge(extra) { _, new in new }
        return claims
    }
}
