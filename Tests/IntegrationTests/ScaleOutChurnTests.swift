import Foundation
import MongoTestSupport
import Testing

/// Instances that come and go while devices signal: a message is never left in the queue while its recipient is
/// connected, whichever instance it connected to and however new that instance is.
@Suite(.serialized) struct ScaleOutChurnTests {
    /// An instance started a moment ago is relayed to at once: a device connects to it and a device on an older
    /// instance signals it before the older one's next heartbeat (2 s, routes.yaml's default) has seen the new
    /// instance. Both directions, five new instances in a row, no settle wait.
    @Test func anInstanceThatJustStartedIsRelayedToAtOnce() async throws {
        let directory = try ScaleOutProcessTests.configDirectory(defaultHeartbeats: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = MongoProcessTests.uniqueDatabase()
        let old = try await ScaleOutProcessTests.Instance.start("old", configDir: directory, database: database)
        defer { old.process.terminate() }
        let alice = try await MongoProcessTests.token("alice")
        #expect(try await old.announce("peer_a", token: alice) == 200)
        let a = try await old.connect("peer_a", token: alice)
        defer { a.disconnect() }
        for round in 0..<5 {
            let new = try await ScaleOutProcessTests.Instance.start("new\(round)", configDir: directory, database: database)
            defer { new.process.terminate() }
            let bob = try await MongoProcessTests.token("bob\(round)")
            let peer = "peer_b\(round)"
            #expect(try await new.announce(peer, token: bob) == 200)
            let b = try await new.connect(peer, token: bob)
            defer { b.disconnect() }
            let sent = ContinuousClock.now
            try await a.send(#"{"type":"offer","toPeerId":"\#(peer)","data":{"n":"to-new-\#(round)"}}"#)
            #expect(ScaleOutProcessTests.numbers([try await b.receiveText()]) == ["to-new-\(round)"], "round \(round)")
            // Within a heartbeat and an inbox poll, however loaded the machine (the fix delivers within a poll).
            #expect(ContinuousClock.now - sent < .milliseconds(2050) + .seconds(1), "round \(round)")
            try await b.send(#"{"type":"answer","toPeerId":"peer_a","data":{"n":"from-new-\#(round)"}}"#)
            #expect(ScaleOutProcessTests.numbers([try await a.receiveText()]) == ["from-new-\(round)"], "round \(round)")
        }
    }
}
