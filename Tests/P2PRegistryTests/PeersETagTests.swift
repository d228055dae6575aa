import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import P2PRegistry
import ServerEngine
import Testing

/// `GET /network/:networkId/peers` for polling clients: an `ETag`, and `304` for a matching `If-None-Match`.
@Suite struct PeersETagTests {
    @Test(arguments: RegistryBackend.all) func peersCarriesAnETagAndAnswers304WhenNothingChanged(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let alice = try await registry.token("alice")
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_a", token: alice)
            let first = try await client.get("/network/net1/peers", token: alice)
            #expect(first.status == .ok)
            let tag = try #require(first.headers[.eTag])
            #expect(tag.hasPrefix("\"") && tag.hasSuffix("\""))
            // The same listing: the same tag.
            #expect(try await client.get("/network/net1/peers", token: alice).headers[.eTag] == tag)

            let cached = try await client.send("/network/net1/peers", method: .get, token: alice, headers: [.ifNoneMatch: tag])
            #expect(cached.status == .notModified)
            #expect(cached.body.readableBytes == 0)
            #expect(cached.headers[.eTag] == tag)
            #expect(cached.headers[.contentLength] == nil)  // a 304's length would have to be the 200's
            // Weak comparison, lists and `*`.
            for condition in ["W/\(tag)", "\"other\", \(tag)", "*"] {
                #expect(
                    try await client.send("/network/net1/peers", method: .get, token: alice, headers: [.ifNoneMatch: condition]).status
                        == .notModified
                )
            }
            #expect(try await client.send("/network/net1/peers", method: .get, token: alice, headers: [.ifNoneMatch: "\"stale\""]).status == .ok)
        }
    }

    @Test(arguments: RegistryBackend.all) func aChangedListingGetsANewTagAndA200(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let alice = try await registry.token("alice", ttl: .seconds(7200))
        let bob = try await registry.token("bob", ttl: .seconds(7200))
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_a", token: alice)
            let tag = try #require(try await client.get("/network/net1/peers", token: alice).headers[.eTag])

            // A new device in the network.
            try await client.announce("net1", peerId: "peer_b", token: bob)
            let afterJoin = try await client.send("/network/net1/peers", method: .get, token: alice, headers: [.ifNoneMatch: tag])
            #expect(afterJoin.status == .ok)
            #expect((afterJoin.json["peers"] as? [Any])?.count == 2)
            let joinedTag = try #require(afterJoin.headers[.eTag])
            #expect(joinedTag != tag)

            // A re-announce moves lastSeen: the listing changed.
            registry.clock.advance(by: 1)
            try await client.announce("net1", peerId: "peer_a", token: alice)
            let afterRefresh = try await client.send("/network/net1/peers", method: .get, token: alice, headers: [.ifNoneMatch: joinedTag])
            #expect(afterRefresh.status == .ok)
            let refreshedTag = try #require(afterRefresh.headers[.eTag])
            #expect(refreshedTag != joinedTag)

            // Devices leaving the online window change it too, without any write.
            registry.clock.advance(by: 11 * 60)
            let afterExpiry = try await client.send("/network/net1/peers", method: .get, token: alice, headers: [.ifNoneMatch: refreshedTag])
            #expect(afterExpiry.status == .ok)
            #expect((afterExpiry.json["peers"] as? [Any])?.count == 0)
        }
    }

    @Test func errorsAndOtherNetworksAreNeverNotModified() async throws {
        let registry = try await RegistryHarness.make()
        let alice = try await registry.token("alice", networks: ["net1"])
        try await registry.test { client async throws in
            let denied = try await client.send("/network/net2/peers", method: .get, token: alice, headers: [.ifNoneMatch: "*"])
            #expect(denied.status == .forbidden)
            #expect(denied.headers[.eTag] == nil)
            let unauthenticated = try await client.send("/network/net1/peers", method: .get, token: nil, headers: [.ifNoneMatch: "*"])
            #expect(unauthenticated.status == .unauthorized)
        }
    }

    @Test func bodyHashConditionalAnswers304WithThe200sLength() {
        let response = HandlerResponse.json(value: ["peers": []])
        let tag = response.entityTag
        let cached = response.conditional(on: [.ifNoneMatch: tag])
        #expect(cached.status == .notModified)
        #expect(cached.body.readableBytes == 0)
        #expect(cached.headers[.contentLength] == String(response.body.readableBytes))
        #expect(response.conditional(on: [:]).headers[.eTag] == tag)
    }

    @Test func entityTagsDependOnEveryByte() {
        func tag(_ text: String) -> String { HandlerResponse(body: .init(string: text)).entityTag }
        #expect(tag("{\"peers\":[]}") == tag("{\"peers\":[]}"))
        #expect(tag("{\"peers\":[]}") != tag("{\"peers\":[ ]}"))
        #expect(tag(String(repeating: "a", count: 1000)) != tag(String(repeating: "a", count: 999) + "b"))
        #expect(tag("abcdefgh" + "12345678") != tag("12345678" + "abcdefgh"))
        #expect(tag("") != tag(" "))
    }
}

/// The discovery path's direct rendering is byte for byte what the generic writer gives.
@Suite struct PeersRenderingTests {
    @Test func directListingMatchesTheGenericWriter() {
        let devices: [Document] = [
            [
                "userId": "alice", "deviceId": "peer_a", "signalAddress": "wss://x/\"quoted\"\n\u{1}é", "capabilities": ["relay", "store"],
                "isCoordinator": true, "lastSeen": .date(Timestamp(millisecondsSinceEpoch: 1_800_000_000_123)),
            ],
            ["deviceId": "peer_b", "userId": .int(42)],  // missing fields take DeviceView.peer's defaults
        ]
        let generic = JSONWriter.bytes(["peers": .array(devices.map(DeviceView.peer))])
        #expect(DeviceView.peersListing(devices).bytes == generic)
        #expect(DeviceView.peersListing([]).bytes == Array("{\"peers\":[]}".utf8))
    }

    @Test func datesAreWrittenAsTimestampDescribesThem() {
        let samples: [Int64] = [
            0, 1, -1, 999, 86_399_999, 86_400_000, -86_400_001, 951_782_400_000, 1_800_000_000_123, 253_402_300_799_999, -62_135_596_800_000,
            -62_135_596_800_001, 253_402_300_800_000,
        ]
        for millis in samples {
            let stamp = Timestamp(millisecondsSinceEpoch: millis)
            #expect(JSONWriter.string(.date(stamp)) == "\"\(stamp.description)\"", "\(millis)")
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let stamp = Timestamp(millisecondsSinceEpoch: Int64.random(in: -70_000_000_000_000...260_000_000_000_000, using: &generator))
            #expect(JSONWriter.string(.date(stamp)) == "\"\(stamp.description)\"")
        }
    }
}

@Suite struct PeersOrderTests {
    @Test func newestFirstThenDeviceIdInByteOrder() {
        func device(_ id: String, _ millis: Int64) -> Document {
            ["deviceId": .string(id), "lastSeen": .date(Timestamp(millisecondsSinceEpoch: millis))]
        }
        let devices = [device("peer_b", 5), device("peer_a", 5), device("peer_c", 9), device("peer_", 5), device("peer_Z", 5), device("peer_é", 5)]
        #expect(
            PeersHandler.newestFirst(devices).compactMap { $0["deviceId"]?.stringValue } == [
                "peer_c", "peer_", "peer_Z", "peer_a", "peer_b", "peer_é",
            ]
        )
        #expect(PeersHandler.bytewiseLess("", "a") && !PeersHandler.bytewiseLess("a", "") && !PeersHandler.bytewiseLess("", ""))
    }
}
