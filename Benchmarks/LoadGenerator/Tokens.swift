import Foundation
import JWTKit

/// The claims the registry reads: the user is `id`; `exp` one day ahead.
struct BenchClaims: JWTPayload {
    var id: String
    var exp: Int

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Mints one HS256 token per user with the server's secret (the same as `registry token --user U`).
func mintTokens(for users: [String], secret: String) async throws -> [String] {
    guard !secret.isEmpty else { throw UsageError("--secret (or JWT_SECRET) is required") }
    let keys = JWTKeyCollection()
    await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    let exp = Int(Date().timeIntervalSince1970) + 86_400
    var tokens: [String] = []
    tokens.reserveCapacity(users.count)
    for user in users {
        tokens.append(try await keys.sign(BenchClaims(id: user, exp: exp)))
    }
    return tokens
}
