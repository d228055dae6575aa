import Foundation
import JWTKit

/// The claims the registry reads from a JWT. `id` may be a string or a number and times integers or fractions, as
/// tokens come from other services; but a claim that limits or ends the token's power must be well formed, or the
/// token is invalid: `networks`, when present, is a list of strings (`null`, a string or `[1]` fail: a malformed
/// limit must not read as "no limit"), and `exp`, `nbf`, `iat`, when present and not `null`, are numbers.
package struct TokenClaims: JWTPayload {
    /// The user id (`id`, or `sub` when absent).
    package var id: String?
    /// The subject.
    package var sub: String?
    /// The networks the token grants; nil for all.
    package var networks: [String]?
    /// Expiry, seconds since the epoch.
    package var exp: Double?
    /// Not before, seconds since the epoch.
    package var nbf: Double?
    /// Issued at, seconds since the epoch.
    package var iat: Double?

    /// Creates claims.
    package init(id: String?, sub: String?, networks: [String]?, exp: Double?, nbf: Double?, iat: Double?) {
        (self.id, self.sub, self.networks, self.exp, self.nbf, self.iat) = (id, sub, networks, exp, nbf, iat)
    }

    private enum CodingKeys: String, CodingKey {
        case id, sub, networks, exp, nbf, iat
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try Self.flexibleString(container, .id)
        sub = try Self.flexibleString(container, .sub)
        if container.contains(.networks) {
            guard let list = try? container.decode([String].self, forKey: .networks) else {
                throw DecodingError.dataCorruptedError(forKey: .networks, in: container, debugDescription: "networks must be a list of strings")
            }
            networks = list
        }
        exp = try container.decodeIfPresent(Double.self, forKey: .exp)
        nbf = try container.decodeIfPresent(Double.self, forKey: .nbf)
        iat = try container.decodeIfPresent(Double.self, forKey: .iat)
    }

    private static func flexibleString(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> String? {
        if let text = try? container.decodeIfPresent(String.self, forKey: key) { return text }
        if let number = try? container.decodeIfPresent(Int64.self, forKey: key) { return String(number) }
        return nil
    }

    /// Time claims are checked by `JWTAuthenticator` against the engine's clock, not here.
    package func verify(using algorithm: some JWTAlgorithm) async throws {}
}
