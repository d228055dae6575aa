import DocumentStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServerConfig
import ServerEngine
import Synchronization
import Testing

/// The engine's check of a token's `networks` claim against the network a route declares (`network:`): done before
/// the handler runs, so a handler cannot forget it.
@Suite struct NetworkGuardTests {
    static let secret = "network-guard-test-secret-0123456789abcdef"
    static let routes = """
        auth: { jwt: { secret: \(secret) } }
        routes:
          - { method: GET, path: /net/:networkId/items, handler: items, network: networkId }
          - { method: GET, path: /things/:thingId, handler: thing, network: { lookup: thingNetwork, param: thingId } }
          - { method: GET, path: /me, handler: me, network: none }
        """

    @Test func aTokenIsHeldToTheNetworkEachRouteDeclares() async throws {
        let calls = Mutex(0)
        var handlers = HandlerRegistry()
        for name in ["items", "thing", "me"] {
            handlers.json(name) { _ in
                calls.withLock { $0 += 1 }
                return ["ok": true]
            }
        }
        handlers.networkLookup("thingNetwork") { thingId, _ in thingId == "t1" ? "net1" : nil }
        let config = try ConfigLoader(directory: ".", environment: [:], catalog: handlers.catalog).load(sources: [
            "routes.yaml": Self.routes, "limits.yaml": "", "jobs.yaml": "",
        ])
        let clock = SystemWallClock()
        let engine = try await Engine(configuration: config, handlers: handlers, store: MemoryStore(), clock: clock, logger: Logger(label: "t"))
        try await engine.services.prepareStore()
        let minter = await JWTAuthenticator(secret: Self.secret, clock: clock)
        let anyNetwork = try await minter.mint(user: "u")
        let net1 = try await minter.mint(user: "u", networks: ["net1"])
        let net2 = try await minter.mint(user: "u", networks: ["net2"])
        let cases: [(String, String, HTTPResponse.Status)] = [
            ("/net/net2/items", anyNetwork, .ok),
            ("/net/net1/items", net1, .ok),
            ("/net/net2/items", net1, .forbidden),
            ("/things/t1", net1, .ok),
            ("/things/t1", net2, .forbidden),
            ("/things/t9", net2, .ok),  // in no network: nothing to protect
            ("/me", net2, .ok),
        ]
        try await Application(router: engine.makeRouter()).test(.router) { client in
            for (uri, token, status) in cases {
                let before = calls.withLock { $0 }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                    #expect(response.status == status, "\(uri)")
                    if status == .forbidden {
                        let message = response.body.jsonObject?["error"] as? String
                        #expect(message == "Token does not grant access to network \(uri.contains("t1") ? "net1" : "net2")")
                    }
                }
                #expect(calls.withLock { $0 } == before + (status == .ok ? 1 : 0), "the handler runs only when the network is granted: \(uri)")
            }
        }
    }
}
