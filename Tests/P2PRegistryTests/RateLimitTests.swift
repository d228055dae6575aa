import DocumentStore
import HTTPTypes
import HummingbirdTesting
import ServerConfig
import ServerEngine
import Testing

@Suite struct RateLimitTests {
    static let limit = HTTPField.Name("RateLimit-Limit")!
    static let remaining = HTTPField.Name("RateLimit-Remaining")!
    static let reset = HTTPField.Name("RateLimit-Reset")!

    @Test(arguments: RegistryBackend.all) func thirteenthAnnounceInAMinuteIs429WithHeaders(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            for attempt in 1...12 {
                let response = try await client.announce("net1", peerId: "peer_a", token: token)
                #expect(response.status == .ok)
                #expect(response.headers[Self.limit] == "12")
                #expect(response.headers[Self.remaining] == String(12 - attempt))
                #expect(Int(response.headers[Self.reset] ?? "") ?? 0 >= 1)
                #expect(response.headers[.retryAfter] == nil)
            }
            let refused = try await client.announce("net1", peerId: "peer_a", token: token)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.error == "Too many presence announcements")
            #expect(refused.headers[Self.remaining] == "0")
            let retryAfter = try #require(Int(refused.headers[.retryAfter] ?? ""))
            #expect(retryAfter >= 1 && retryAfter <= 60)
        }
    }

    /// A limit's `scope` says where its counters live: `auto` in the process on the embedded store (no store write
    /// per announce) and in `rate_limits` on MongoDB (shared by the instances); `instance` and `shared` force either.
    /// The limit holds the same way wherever it counts.
    @Test(arguments: RegistryBackend.all) func theScopeSaysWhereTheCountersLive(backend: RegistryBackend) async throws {
        let cases: [(RateLimitConfig.Scope, Bool)] = [(.auto, backend == .mongodb), (.instance, false), (.shared, true)]
        for (scope, stored) in cases {
            let registry = try await RegistryHarness.make(environment: ["RATE_LIMIT_MAX_REQUESTS": "2"], backend: backend) { config in
                config.limits.rateLimits["announce"]?.scope = scope
            }
            let token = try await registry.token("alice")
            try await registry.test { client async throws in
                for attempt in 1...2 {
                    let response = try await client.announce("net1", peerId: "peer_a", token: token)
                    #expect(response.status == .ok, "\(scope)")
                    #expect(response.headers[Self.remaining] == String(2 - attempt), "\(scope)")
                }
                let refused = try await client.announce("net1", peerId: "peer_a", token: token)
                #expect(refused.status == .tooManyRequests, "\(scope)")
                #expect(refused.headers[.retryAfter] != nil, "\(scope)")
            }
            let counters = try await registry.store.collection("rate_limits").count([:])
            #expect((counters > 0) == stored, "scope \(scope): \(counters) counters in rate_limits")
        }
    }

    @Test(arguments: RegistryBackend.all) func limitComesFromTheEnvironmentThroughLimitsYAML(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(
            environment: ["RATE_LIMIT_MAX_REQUESTS": "3", "RATE_LIMIT_WINDOW_MS": "10000"],
            backend: backend
        )
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            for _ in 1...3 { #expect(try await client.announce("net1", peerId: "peer_a", token: token).status == .ok) }
            let refused = try await client.announce("net1", peerId: "peer_a", token: token)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[Self.limit] == "3")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 99 <= 10)
        }
    }

    @Test(arguments: RegistryBackend.all) func windowResetsWhenTheWindowPasses(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(environment: ["RATE_LIMIT_MAX_REQUESTS": "2"], backend: backend)
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            for _ in 1...2 { _ = try await client.announce("net1", peerId: "peer_a", token: token) }
            #expect(try await client.announce("net1", peerId: "peer_a", token: token).status == .tooManyRequests)
            registry.clock.advance(by: 60)
            #expect(try await client.announce("net1", peerId: "peer_a", token: token).status == .ok)
        }
    }

    @Test(arguments: RegistryBackend.all) func eachUserHasTheirOwnLimit(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(environment: ["RATE_LIMIT_MAX_REQUESTS": "2"], backend: backend)
        let alice = try await registry.token("alice")
        let bob = try await registry.token("bob")
        try await registry.test { client async throws in
            for _ in 1...3 { _ = try await client.announce("net1", peerId: "peer_a", token: alice) }
            #expect(try await client.announce("net1", peerId: "peer_b", token: bob).status == .ok)
        }
    }

    @Test(arguments: RegistryBackend.all) func refusedRequestDoesNotTouchTheStoredDevice(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(environment: ["RATE_LIMIT_MAX_REQUESTS": "1"], backend: backend)
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            _ = try await client.announce("net1", peerId: "peer_a", token: token, capabilities: ["relay"])
            let before = try await registry.device("peer_a")
            #expect(try await client.announce("net1", peerId: "peer_a", token: token, capabilities: ["store"]).status == .tooManyRequests)
            #expect(try await registry.device("peer_a") == before)
        }
    }

    @Test(arguments: RegistryBackend.all) func validationFailuresStillCarryTheRateLimitHeaders(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let response = try await client.post("/network/net1/announce", json: ["peerId": "bad"], token: token)
            #expect(response.status == .badRequest)
            #expect(response.headers[Self.remaining] == "11")
        }
    }

    @Test(arguments: RegistryBackend.all) func otherRoutesAreNotLimited(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(environment: ["RATE_LIMIT_MAX_REQUESTS": "1"], backend: backend)
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            for _ in 1...5 {
                let response = try await client.get("/network/net1/peers", token: token)
                #expect(response.status == .ok)
                #expect(response.headers[Self.limit] == nil)
            }
        }
    }
}
