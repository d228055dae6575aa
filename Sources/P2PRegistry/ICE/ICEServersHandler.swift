import DocumentStore
import Foundation
import ServerConfig
import ServerEngine

/// `GET /network/:networkId/ice-servers`: the STUN and TURN servers a WebRTC client of the network should use, the
/// TURN ones with a credential for the caller that expires after routes.yaml's `ice.credentialTtl`:
///
/// ```json
/// {"iceServers":[{"urls":["stun:stun.example.com:3478"]},
///                {"urls":["turn:turn.example.com:3478"],"username":"1800000600:alice","credential":"…"}],"ttl":600}
/// ```
///
/// Without a TURN secret only the STUN entry is listed; without any URL the list is empty. The answer is never cached
/// (`Cache-Control: no-store`): each one carries a fresh credential. The configuration is read per request, so a
/// live reload applies to the next one.
enum ICEServersHandler {
    static func handle(_ context: HandlerContext) throws -> HandlerResponse {
        let user = try context.requireUser()
        let ice = context.services.configuration.ice
        var servers: [Value] = []
        if !ice.stunURLs.isEmpty {
            servers.append(.document(["urls": .array(ice.stunURLs.map(Value.string))]))
        }
        if ice.handsOutTURN {
            let expiresAt = Int64(context.services.clock.now().timeIntervalSince1970.rounded(.down)) + ice.credentialTTLSeconds
            let credential = TURNCredential(userId: user.id, expiresAt: expiresAt, secret: ice.turnSecret)
            servers.append(
                .document([
                    "urls": .array(ice.turnURLs.map(Value.string)), "username": .string(credential.username),
                    "credential": .string(credential.password),
                ])
            )
        }
        let body: Document = ["iceServers": .array(servers), "ttl": .int(ice.credentialTTLSeconds)]
        return .json(rendered: HandlerBody(json: .document(body)), headers: [.cacheControl: "no-store"])
    }
}
