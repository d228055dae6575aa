import Foundation
import JWTKit

/// The claims the registry reads from a JWT. Lenient in what it accepts, as tokens come from other
/// services: `id` may be a string or a number, `networks` a string or a list, times integers or fractions.
struct TokenClaims: JWTPayload {
    var id: String?
    var sub: String?
    var networks: [String]?
    var exp: Double?
    var nbf: Double?
    var iat: Double?

    init(id: String?, sub: String?, networks: [String]?, exp: Double?, nbf: Double?, iat: Double?) {
        (self.id, self.sub, self.networks, self.exp, self.nbf, self.iat) = (id, sub, networks, exp, nbf, iat)
    }

    private enum CodingKeys: String, CodingKey {
        case id, sub, networks, exp, nbf, iat
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try Self.flexibleString(container, .id)
        sub = try Self.flexibleString(container, .sub)
        if let list = try? container.decodeIfPresent([String].self, forKey: .networks) {
            networks = list
        } else if let single = try? container.decodeIfPresent(String.self, forKey: .networks) {
            networks = [single]
        } else if container.contains(.networks), try !container.decodeNil(forKey: .networks) {
            throw DecodingError.dataCorruptedError(forKey: .networks, in: container, debugDescription: "networks must be a list of strings")
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
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
