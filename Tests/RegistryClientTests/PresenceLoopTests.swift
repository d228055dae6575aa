import Foundation
import RegistryClient
import Testing

extension RegistryClientSuites {
    /// The presence loop against the real server; its waits go through a recording sleeper, so no test waits for them.
    @Suite struct PresenceLoopTests {
        @Test func announcesEveryIntervalWithJitterAndStops() async throws {
            let server = try await ClientTestServer.start(environment: ["RATE_LIMIT_WINDOW_MS": "86400000"])
            try await serving(server) {
                let tag = uniqueTag()
                let sleeps = RecordingSleeper(stopAfter: 3)
                let alice = server.client(tokens: .constant(try await server.token("alice\(tag)")), sleeper: sleeps.sleeper)
                defer { alice.shutdown() }
                let loop = alice.presence(
                    announcing: server.announcement("peer_alice_\(tag)"),
                    in: "net\(tag)",
                    interval: .seconds(120),
                    jitter: 0.25
                )
                let events = Recorder(loop.events)
                loop.start()
                await events.finished()  // the third wait throws, which ends the loop
                await loop.stop()

                // Three announces, each followed by a wait between 75 % and 100 % of the interval.
                #expect(sleeps.durations.count == 3)
                for wait in sleeps.durations { #expect(wait >= .seconds(90) && wait <= .seconds(120), "\(wait)") }
                for case .announced(let next) in events.all { #expect(sleeps.durations.contains(next)) }
                let listing = try await alice.peers(in: "net\(tag)")
                #expect(listing.peers.map(\.deviceId) == ["peer_alice_\(tag)"])
            }
        }

        @Test func aRateLimitedAnnounceWaitsRetryAfter() async throws {
            let server = try await ClientTestServer.start(environment: ["RATE_LIMIT_MAX_REQUESTS": "2", "RATE_LIMIT_WINDOW_MS": "86400000"])
            try await serving(server) {
                let tag = uniqueTag()
                let sleeps = RecordingSleeper(stopAfter: 3)
                let alice = server.client(tokens: .constant(try await server.token("alice\(tag)")), sleeper: sleeps.sleeper)
                defer { alice.shutdown() }
                let loop = alice.presence(announcing: server.announcement("peer_alice_\(tag)"), in: "net\(tag)", interval: .seconds(1))
                let events = Recorder(loop.events)
                loop.start()
                await events.finished()  // the third wait throws, which ends the loop
                await loop.stop()

                guard events.all.count == 3, case .rateLimited(let retryAfter) = events.all[2] else {
                    Issue.record("two announces, then a 429: \(events.all)")
                    return
                }
                // The wait after the 429 is the server's Retry-After (the rest of the day-long window, which ends at midnight
                // UTC), not the interval.
                #expect(isClose(retryAfter, to: secondsLeftInTheDayWindow()), "\(retryAfter)")
                #expect(sleeps.durations[2] == retryAfter)
                #expect(sleeps.durations[0] <= .seconds(1))
            }
        }
    }
}
