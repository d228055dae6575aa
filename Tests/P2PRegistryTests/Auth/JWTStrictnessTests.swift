import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import NIOCore
import ServerConfig
import ServerEngine
import Testing

/// Only tokens with a configured `alg`, an `exp` (unless `auth.jwt.requireExp: false`) and a well-formed `networks`
/// claim are accepted (issue 19, item 3).
@Suite struct JWTStrictnessTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)  // the harness clock

    /// GET peers of net1 with `token`: status and error text.
    static func peers(_ registry: RegistryHarness, token: String) async throws -> (HTTPResponse.Status, String?) {
        try await registry.test { client in
            let response = try await client.get("/network/net1/peers", token: token)
            return (response.status, response.error)
        }
    }

    @Test(arguments: ["none", "RS256", "HS512", "ES256", "hs256"])
    func aHeaderAlgOtherThanTheConfiguredOneIsRefusedWhateverTheSignature(alg: String) async throws {
        let registry = try await RegistryHarness.make()
        let forged = try await CraftedToken.sign(CraftedToken.claims(user: "alice", now: Self.now), headerAlgorithm: alg)
        let (status, error) = try await Self.peers(registry, token: forged)
        #expect(status == .unauthorized)
        #expect(error == "Invalid authentication token")
        // The same claims under an honest header pass.
        let honest = try await CraftedToken.sign(CraftedToken.claims(user: "alice", now: Self.now))
        #expect(try await Self.peers(registry, token: honest).0 == .ok)
    }

    @Test func aHeaderWithCritExtensionsIsRefused() async throws {
        let registry = try await RegistryHarness.make()
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: RegistryHarness.secret), digestAlgorithm: .sha256)
        var critical = JWTHeader()
        critical.crit = ["exp"]
        let withCrit = try await keys.sign(CraftedToken.Claims(CraftedToken.claims(user: "alice", now: Self.now)), header: critical)
        #expect(try await Self.peers(registry, token: withCrit).0 == .unauthorized)
    }

    @Test func hs512IsAcceptedWhenConfiguredAndHS256ThenOnlyIfListed() async throws {
        let secret = String(repeating: "0123456789abcdef", count: 4)  // HS512 needs 64 bytes
        let environment = ["JWT_SECRET": secret]
        let claims = CraftedToken.claims(user: "alice", now: Self.now)
        let hs512 = try await CraftedToken.sign(claims, secret: secret, digest: .sha512)
        let hs256 = try await CraftedToken.sign(claims, secret: secret)
        let byDefault = try await RegistryHarness.make(environment: environment)
        #expect(try await Self.peers(byDefault, token: hs512).0 == .unauthorized)
        let only512 = try await RegistryHarness.make(environment: environment) { $0.auth.algorithms = [.hs512] }
        #expect(try await Self.peers(only512, token: hs512).0 == .ok)
        #expect(try await Self.peers(only512, token: hs256).0 == .unauthorized)
        let both = try await RegistryHarness.make(environment: environment) { $0.auth.algorithms = [.hs256, .hs512] }
        #expect(try await Self.peers(both, token: hs512).0 == .ok)
        #expect(try await Self.peers(both, token: hs256).0 == .ok)
        // A token signed with HS256 but whose header says HS512 fails HS512's signature check.
        let mislabelled = try await CraftedToken.sign(claims, secret: secret, headerAlgorithm: "HS512")
        #expect(try await Self.peers(both, token: mislabelled).0 == .unauthorized)
    }

    @Test func aTokenWithoutExpIsRefusedUnlessRequireExpIsOff() async throws {
        var missing = CraftedToken.claims(user: "alice", now: Self.now)
        missing["exp"] = nil
        var null = missing
        null["exp"] = .null
        let noExp = try await CraftedToken.sign(missing)
        let nullExp = try await CraftedToken.sign(null)
        let strict = try await RegistryHarness.make()
        for token in [noExp, nullExp] {
            // Twice: a token remembered by the verified-token cache is held to the rule too.
            for _ in 0..<2 {
                let (status, error) = try await Self.peers(strict, token: token)
                #expect(status == .unauthorized)
                #expect(error == "Authentication token has no expiry (exp claim)")
            }
        }
        let lenient = try await RegistryHarness.make { $0.auth.requireExp = false }
        #expect(try await Self.peers(lenient, token: noExp).0 == .ok)
        #expect(try await Self.peers(lenient, token: nullExp).0 == .ok)
    }

    @Test(arguments: [CraftedToken.Claim.string("soon"), .strings(["1800003600"])])
    func aNonNumericExpIsInvalid(exp: CraftedToken.Claim) async throws {
        let token = try await CraftedToken.sign(CraftedToken.claims(user: "alice", now: Self.now, extra: ["exp": exp]))
        let lenient = try await RegistryHarness.make { $0.auth.requireExp = false }
        let (status, error) = try await Self.peers(lenient, token: token)
        #expect(status == .unauthorized)
        #expect(error == "Invalid authentication token")
    }

    @Test(arguments: [CraftedToken.Claim.null, .string("net1"), .numbers([1]), .number(1)])
    func aMalformedNetworksClaimMakesTheTokenInvalid(networks: CraftedToken.Claim) async throws {
        let registry = try await RegistryHarness.make()
        let token = try await CraftedToken.sign(CraftedToken.claims(user: "alice", now: Self.now, extra: ["networks": networks]))
        let (status, error) = try await Self.peers(registry, token: token)
        #expect(status == .unauthorized)
        #expect(error == "Invalid authentication token")
    }

    @Test func aMissingNetworksClaimIsUnrestrictedAndAListLimits() async throws {
        let registry = try await RegistryHarness.make()
        let unrestricted = try await CraftedToken.sign(CraftedToken.claims(user: "alice", now: Self.now))
        let limited = try await CraftedToken.sign(CraftedToken.claims(user: "alice", now: Self.now, extra: ["networks": .strings(["net2"])]))
        #expect(try await Self.peers(registry, token: unrestricted).0 == .ok)
        #expect(try await Self.peers(registry, token: limited).0 == .forbidden)
    }

    @Test func theSocketRefusesWhatHTTPRefuses() async throws {
        // Eight failures from one address: no throttle delays, which are not what this test is about.
        let registry = try await LiveRegistry.start(limits: { $0.authThrottle.slowAfter = 100 })
        try await stopping(registry) {
            let now = registry.clock.now()
            var noExpiry = CraftedToken.claims(user: "alice", now: now)
            noExpiry["exp"] = nil
            let cases: [(String, String)] = [
                (try await CraftedToken.sign(CraftedToken.claims(user: "alice", now: now), headerAlgorithm: "none"), "Invalid authentication token"),
                (try await CraftedToken.sign(CraftedToken.claims(user: "alice", now: now), headerAlgorithm: "RS256"), "Invalid authentication token"),
                (try await CraftedToken.sign(noExpiry), "Authentication token has no expiry (exp claim)"),
                (
                    try await CraftedToken.sign(CraftedToken.claims(user: "alice", now: now, extra: ["networks": .null])),
                    "Invalid authentication token"
                ),
            ]
            for (token, reason) in cases {
                // Presented over HTTP first, so a verified-token cache hit on the socket's fast path would show.
                #expect(try await registry.http("GET", "/network/net1/peers", token: token).status == 401)
                let close = try await RawWebSocket.firstClose(
                    port: registry.webSocketPort,
                    path: "/signaling/peer_a",
                    headers: ["Authorization": "Bearer \(token)"]
                )
                #expect(close == RawWebSocket.Close(code: 1008, reason: reason))
            }
        }
    }
}
