import Crypto
import Foundation

/// A short-lived TURN credential in coturn's REST scheme (`use-auth-secret`, `static-auth-secret`; the TURN REST API
/// draft): the username is `<expiry>:<userId>`, the expiry a Unix time in seconds, and the password is the base64 of
/// HMAC-SHA1 keyed with the shared secret over the username. coturn recomputes the password from the username and
/// refuses it once the expiry has passed, so nothing is stored and nothing is revoked.
///
/// ```swift
/// let credential = TURNCredential(userId: "alice", expiresAt: 1_800_000_600, secret: "s3cret")
/// // credential.username == "1800000600:alice"
/// ```
struct TURNCredential: Sendable, Equatable {
    /// `<expiry>:<userId>`.
    let username: String
    /// base64(HMAC-SHA1(secret, username)): the WebRTC `credential`.
    let password: String

    /// Signs a credential for `userId` valid until `expiresAt` (Unix seconds) with the TURN server's `secret`.
    init(userId: String, expiresAt: Int64, secret: String) {
        username = "\(expiresAt):\(userId)"
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: Data(username.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        password = Data(code).base64EncodedString()
    }
}
