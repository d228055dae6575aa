import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ServerEngine
import Testing

@Suite struct ValidationTests {
    static let valid: Document = ["peerId": "peer_alice_1", "signalAddress": "wss://signal.example.com/peer_alice_1", "capabilities": ["relay"]]

    static func body(_ changes: [String: Value?]) -> Value {
        var body = valid
        for (key, value) in changes { body[key] = value }
        return .document(body)
    }

    /// Invalid values per field; nil means the field is absent.
    static let invalidFields: [(String, Value?)] = [
        ("peerId", .string("alice_1")), ("peerId", .string("peer_" + String(repeating: "a", count: 96))), ("peerId", .string("peer_a-b")),
        ("peerId", .int(42)), ("peerId", .array([.string("peer_a")])), ("peerId", Optional<Value>.none),
        ("signalAddress", .string("http://signal.example.com/x")), ("signalAddress", .string("not a url")), ("signalAddress", .string("wss://")),
        ("signalAddress", Optional<Value>.none), ("signalAddress", .int(7)),
        ("capabilities", .string("relay")), ("capabilities", .array(["relay", "store", "coordinator", "relay"])),
    ]

    @Test(arguments: invalidFields)
    func invalidBodyFieldIsA400NamingTheField(field: String, value: Value?) async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let response = try await client.post("/network/net1/announce", json: Self.body([field: value]), token: token)
            #expect(response.status == .badRequest)
            let errors = response.validationErrors
            #expect(!errors.isEmpty)
            #expect(errors.allSatisfy { $0.location == "body" && $0.path == field })
            let first = try #require((response.json["errors"] as? [[String: Any]])?.first)
            #expect(first["type"] as? String == "field")
            #expect(first["msg"] as? String == "Invalid value")
            #expect((first["value"] != nil) == (value != nil))
        }
        #expect(try await registry.device("peer_alice_1") == nil)
    }

    @Test func unknownCapabilityIsReportedByItsIndex() async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let response = try await client.post("/network/net1/announce", json: Self.body(["capabilities": ["relay", "root"]]), token: token)
            #expect(response.status == .badRequest)
            #expect(response.validationErrors.map(\.path) == ["capabilities[1]"])
            let first = try #require((response.json["errors"] as? [[String: Any]])?.first)
            #expect(first["value"] as? String == "root")
        }
    }

    @Test func pathBoundaryValuesOfThePeerIdAreAccepted() async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let longest = "peer_" + String(repeating: "a", count: 95)
            #expect(try await client.post("/network/net1/announce", json: Self.body(["peerId": .string(longest)]), token: token).status == .ok)
            #expect(try await client.post("/network/net1/announce", json: Self.body(["capabilities": .some(nil)]), token: token).status == .ok)
            #expect(
                try await client.post("/network/net1/announce", json: Self.body(["signalAddress": "ws://127.0.0.1:8080/x"]), token: token).status
                    == .ok
            )
        }
    }

    @Test(arguments: ["net-1", "net_1", String(repeating: "n", count: 51), "n%C3%A9t"])
    func invalidNetworkIdIsA400InParams(networkId: String) async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let response = try await client.post("/network/\(networkId)/announce", json: .document(Self.valid), token: token)
            #expect(response.status == .badRequest)
            #expect(response.validationErrors.contains { $0.location == "params" && $0.path == "networkId" })
            let peers = try await client.get("/network/\(networkId)/peers", token: token)
            #expect(peers.status == .badRequest)
        }
    }

    @Test func malformedJSONIsA400() async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let response = try await client.send("/network/net1/announce", method: .post, body: ByteBuffer(string: "{\"peerId\": "), token: token)
            #expect(response.status == .badRequest)
            #expect(response.error?.hasPrefix("Malformed JSON body") == true)
        }
    }

    @Test func jsonThatIsNotAnObjectIsA400() async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let response = try await client.send("/network/net1/announce", method: .post, body: ByteBuffer(string: "[1,2]"), token: token)
            #expect(response.status == .badRequest)
            #expect(response.error == "Request body must be a JSON object")
        }
    }

    @Test func deeplyNestedJSONIsRefusedNotACrash() async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let nested = String(repeating: "[", count: 20000) + String(repeating: "]", count: 20000)
            let response = try await client.send("/network/net1/announce", method: .post, body: ByteBuffer(string: nested), token: token)
            #expect(response.status == .badRequest)
            #expect(response.error?.contains("nested deeper") == true)
        }
    }

    @Test func nonJSONContentTypeIsA415() async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let response = try await client.send(
                "/network/net1/announce",
                method: .post,
                body: ByteBuffer(string: "peerId=peer_a"),
                token: token,
                contentType: "application/x-www-form-urlencoded"
            )
            #expect(response.status == .unsupportedMediaType)
        }
    }

    @Test func hugeBodyIsA413() async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let padding = String(repeating: "x", count: 70_000)
            let response = try await client.post("/network/net1/announce", json: Self.body(["pad": .string(padding)]), token: token)
            #expect(response.status == .contentTooLarge)
            #expect(response.error?.contains("too large") == true)
        }
    }

    @Test func invalidDeviceIdOfTheDrainIsA400() async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let response = try await client.get("/signaling/messages/not-a-peer", token: token)
            #expect(response.status == .badRequest)
            #expect(response.validationErrors.map(\.path) == ["deviceId"])
        }
    }
}
