import Foundation
import MongoTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Several `registry serve` processes on one MongoDB (mongoeco, or the server in MONGODB_URI): signaling
/// crosses instances exactly once, an instance killed with SIGKILL loses nothing, the shared rate limit holds.
@Suite(.serialized) struct ScaleOutProcessTests {
    /// A running instance and its ports.
    struct Instance {
        let process: RegistryProcess
        let httpPort: String
        let signalingPort: Int
        let id: String

        static func start(_ id: String, configDir: URL, database: String) async throws -> Instance {
            let environment = try await MongoProcessTests.environment(
                database: database,
                // The shared-limit test counts within one rate-limit window.
                extra: MongoProcessTests.oneDayRateLimitWindow.merging([
                    "REGISTRY_INSTANCE_ID": id, "SIGNALING_MESSAGES_PER_SECOND": "100000", "SIGNALING_MESSAGE_BURST": "100000",
                ]) { _, new in new }
            )
            let process = try RegistryProcess(["serve", "--config-dir", configDir.path], environment: environment)
            let http = try await process.waitForOutput(matching: RegistryProcess.httpListeningPattern)
            let signaling = try await process.waitForOutput(matching: #""event":"signaling listening".*"port":"([0-9]+)""#)
            _ = try await process.waitForOutput(matching: #""event":"(cluster routing on)""#)
            try await MongoProcessTests.waitUntilReady(port: http)
            return Instance(process: process, httpPort: http, signalingPort: Int(signaling) ?? 0, id: id)
        }

        func announce(_ peerId: String, token: String) async throws -> Int {
            try await HTTP.request(
                "POST",
                "http://127.0.0.1:\(httpPort)/network/net1/announce",
                body: Data(#"{"peerId":"\#(peerId)","signalAddress":"wss://signal.example.com/\#(peerId)","capabilities":["relay"]}"#.utf8),
                headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
            ).status
        }

        func connect(_ deviceId: String, token: String) async throws -> RawSignalingSocket {
            let socket = try await RawSignalingSocket.connect(port: signalingPort, path: "/signaling/\(deviceId)", token: token)
            // Served once a message to itself is refused.
            try await socket.send(#"{"type":"offer","toPeerId":"\#(deviceId)","data":{}}"#)
            guard try await socket.receiveText().contains("invalid_message") else {
                throw RegistryProcess.ProcessFailure(message: "socket not served")
            }
            return socket
        }
    }

    /// routes.yaml with fast heartbeats (200 ms; an instance silent for `instanceTimeout` is gone) and limits.yaml without
    /// per-user message rates, in a directory of its own; `defaultHeartbeats` keeps routes.yaml's (2 s, and gone after 10 s).
    static func configDirectory(defaultHeartbeats: Bool = false, instanceTimeout: String = "1s") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scale-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in ["routes.yaml", "limits.yaml", "jobs.yaml"] {
            var text = try String(contentsOf: RegistryProcess.packageRoot.appendingPathComponent(file), encoding: .utf8)
            if file == "routes.yaml", !defaultHeartbeats {
                text = text.replacingOccurrences(of: "heartbeatInterval: 2s", with: "heartbeatInterval: 200ms")
                    .replacingOccurrences(of: "instanceTimeout: 10s", with: "instanceTimeout: \(instanceTimeout)")
            }
            if file == "limits.yaml" {
                // One user sends 1000 messages as fast as the socket takes them: lift the per-user and per-IP rates.
                for key in ["messagesPerSecondPerUser", "messagesPerSecondPerIP"] {
                    text = text.replacing(try Regex("\(key): [0-9]+"), with: "\(key): 1000000")
                }
                for key in ["bytesPerSecondPerUser", "bytesPerSecondPerIP"] {
                    text = text.replacing(try Regex("\(key): [0-9]+[A-Za-z]*"), with: "\(key): 1GiB")
                }
            }
            try text.write(to: directory.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        return directory
    }

    /// Starts one instance per id on a fresh database of the test MongoDB, lets them see each other's heartbeats,
    /// runs `body`, and stops them.
    static func withInstances(_ ids: [String], instanceTimeout: String = "1s", _ body: ([Instance]) async throws -> Void) async throws {
        let directory = try configDirectory(instanceTimeout: instanceTimeout)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = MongoProcessTests.uniqueDatabase()
        var instances: [Instance] = []
        defer { for instance in instances { instance.process.terminate() } }
        for id in ids { instances.append(try await Instance.start(id, configDir: directory, database: database)) }
        try await Task.sleep(for: .milliseconds(500))  // every instance has seen the others' heartbeats
        try await body(instances)
    }

    /// The `n` values of signaling frames, in arrival order.
    static func numbers(_ frames: [String]) -> [String] {
        frames.compactMap { frame in
            guard let json = (try? JSONSerialization.jsonObject(with: Data(frame.utf8))) as? [String: Any] else { return nil }
            return (json["data"] as? [String: Any])?["n"] as? String
        }
    }

    static func offers(to peer: String, prefix: String, _ range: Range<Int>) -> [String] {
        range.map { #"{"type":"offer","toPeerId":"\#(peer)","data":{"n":"\#(prefix)\#($0)"}}"# }
    }

    @Test func threeInstancesRelayExactlyOnceAndAKilledInstanceLosesNothing() async throws {
        // Gone after 3 s of silence: b reconnects well before y is taken for gone, however slow the machine (were the
        // take-over first, b would be offline with 200 messages queued, and the cap, 100, would rightly drop the oldest).
        try await Self.withInstances(["x", "y", "z"], instanceTimeout: "3s") { instances in
            try await Self.relayAndKill(instances[0], instances[1], instances[2])
        }
    }

    static func relayAndKill(_ x: Instance, _ y: Instance, _ z: Instance) async throws {
        // The transport is logged at start-up: the wire server has no change streams, so the inbox is polled.
        if try await MongoTestServer.shared.endpoint().isMongoeco {
            #expect(x.process.text.stdout.contains(#""transport":"inbox polling (the store has no change streams)""#))
        }

        let alice = try await MongoProcessTests.token("alice")
        let bob = try await MongoProcessTests.token("bob")
        #expect(try await x.announce("peer_a", token: alice) == 200)
        #expect(try await y.announce("peer_b", token: bob) == 200)
        let a = try await x.connect("peer_a", token: alice)
        let b = try await y.connect("peer_b", token: bob)

        // 1000 each way across instances x and y, at the same time: every one arrives once.
        async let toB = b.receiveTexts(1000)
        async let toA = a.receiveTexts(1000)
        try await a.sendAll(Self.offers(to: "peer_b", prefix: "a", 0..<1000))
        try await b.sendAll(Self.offers(to: "peer_a", prefix: "b", 0..<1000))
        let atB = Self.numbers(try await toB)
        let atA = Self.numbers(try await toA)
        #expect(atB.count == 1000 && Set(atB) == Set((0..<1000).map { "a\($0)" }))
        #expect(atA.count == 1000 && Set(atA) == Set((0..<1000).map { "b\($0)" }))
        #expect(atB == (0..<1000).map { "a\($0)" }, "in the order sent")

        // y dies without a word. Messages for b go to y's inbox until b's route moves to z; z takes them from there.
        kill(y.process.process.processIdentifier, SIGKILL)
        _ = try await y.process.waitForExit(timeout: 10)
        b.disconnect()
        try await a.sendAll(Self.offers(to: "peer_b", prefix: "k", 0..<100))
        try await Task.sleep(for: .milliseconds(300))
        try await a.sendAll(Self.offers(to: "peer_b", prefix: "k", 100..<200))
        // b reconnects to z and gets every one of them, live or from the queue, exactly once.
        let bOnZ = try await z.connect("peer_b", token: bob)
        let recovered = Self.numbers(try await bOnZ.receiveTexts(200))
        #expect(Set(recovered) == Set((0..<200).map { "k\($0)" }), "missing: \(Set((0..<200).map { "k\($0)" }).subtracting(recovered).sorted())")
        #expect(recovered.count == 200)
        // y is taken for gone (its registration removed) once silent for the timeout, after b got everything.
        let deadline = ContinuousClock.now + .seconds(10)
        var tookOver = false
        while !tookOver, ContinuousClock.now < deadline {
            tookOver = (x.process.text.stdout + z.process.text.stdout).contains(#""event":"took over from an instance that is gone""#)
            if !tookOver { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(tookOver)

        // And live again across instances x and z.
        try await a.sendAll(Self.offers(to: "peer_b", prefix: "z", 0..<10))
        #expect(Self.numbers(try await bOnZ.receiveTexts(10)) == (0..<10).map { "z\($0)" })
        a.disconnect()
        bOnZ.disconnect()
    }

    @Test func aConnectionOnAnotherInstanceClosesTheOldOneWith4000() async throws {
        try await Self.withInstances(["px", "py"]) { instances in try await Self.replace(instances[0], instances[1]) }
    }

    static func replace(_ x: Instance, _ y: Instance) async throws {
        let alice = try await MongoProcessTests.token("alice")
        #expect(try await x.announce("peer_a", token: alice) == 200)
        let old = try await x.connect("peer_a", token: alice)
        let new = try await y.connect("peer_a", token: alice)
        do {
            let frame = try await old.receiveText()
            Issue.record("the old socket got a frame instead of a close: \(frame)")
        } catch let failure as RawSignalingSocket.Failure {
            #expect(failure.description == "closed by the server with 4000 replaced")
        }
        // The new one is served.
        try await new.send(#"{"type":"offer","toPeerId":"peer_a","data":{}}"#)
        #expect(try await new.receiveText().contains("invalid_message"))
        new.disconnect()
    }

    @Test func theAnnounceRateLimitIsSharedAcrossInstances() async throws {
        try await Self.withInstances(["rx", "ry"]) { instances in
            let alice = try await MongoProcessTests.token("alice")
            var statuses: [Int] = []
            for n in 0..<20 { statuses.append(try await instances[n % 2].announce("peer_a", token: alice)) }
            #expect(statuses.filter { $0 == 200 }.count == 12, "\(statuses)")
            #expect(statuses.filter { $0 == 429 }.count == 8, "\(statuses)")
        }
    }
}
