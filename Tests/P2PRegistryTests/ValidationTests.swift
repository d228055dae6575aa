import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ServerEngine
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite struct ValidationTests {
    static let valid: Document = ["peerId": "peer_alice_1", "signalAddress": "wss://signal.example.com/peer_alice_1", "capabilities": ["relay"]]

    static func body(_ changes: [String: Value?]) -> Value {
        var body = valid
        for (key, value) in changes { body[key] = value }
        return .document(body)
    }

    static let peerPattern = "^peer_[a-zA-Z0-9_]+$"
    static let wsURL = "must be a URL starting with ws:// or wss://"

    /// Invalid values per field (nil: the field is absent) and the one `msg` each gets: the failed rule in words.
    static let invalidFields: [(String, Value?, String)] = [
        ("peerId", .string("alice_1"), "must match \(peerPattern)"),
        ("peerId", .string("peer_" + String(repeating: "a", count: 96)), "must be at most 100 characters"),
        ("peerId", .string("peer_a-b"), "must match \(peerPattern)"), ("peerId", .int(42), "must be a string"),
        ("peerId", .array([.string("peer_a")]), "must be a string"), ("peerId", Optional<Value>.none, "is required"),
        ("signalAddress", .string("http://signal.example.com/x"), wsURL), ("signalAddress", .string("not a url"), wsURL),
        ("signalAddress", .string("wss://"), wsURL), ("signalAddress", Optional<Value>.none, "is required"),
        ("signalAddress", .int(7), "must be a string"), ("capabilities", .string("relay"), "must be an array"),
        ("capabilities", .array(["relay", "store", "coordinator", "relay"]), "must be an array of at most 3 items"),
    ]

    @Test(arguments: invalidFields)
    func invalidBodyFieldIsA400NamingTheFieldAndTheRule(field: String, value: Value?, message: String) async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let response = try await client.post("/network/net1/announce", json: Self.body([field: value]), token: token)
            #expect(response.status == .badRequest)
            #expect(response.validationMessages == ["body \(field): \(message)"])
            let first = try #require((response.json["errors"] as? [[String: Any]])?.first)
            #expect(first["type"] as? String == "field")
            #expect((first["value"] != nil) == (value != nil))
        }
        #expect(try await registry.device("peer_alice_1") == nil)
    }

    @Test func everyFailedRuleIsOneEntryInExpressValidatorsShapeAndOrder() async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let body: Value = ["peerId": .string("alice-" + String(repeating: "x", count: 100)), "signalAddress": "http://x"]
            let response = try await client.post("/network/net-1/announce", json: body, token: token)
            #expect(response.status == .badRequest)
            #expect(
                response.validationMessages == [
                    "params networkId: must contain only letters and digits",
                    "body peerId: must match \(Self.peerPattern)",
                    "body peerId: must be at most 100 characters",
                    "body signalAddress: \(Self.wsURL)",
                ]
            )
            let text = String(buffer: response.body)
            #expect(
                text.hasPrefix(
                    #"{"errors":[{"type":"field","value":"net-1","msg":"must contain only letters and digits","path":"networkId","location":"params"},"#
                )
            )
        }
    }

    @Test func theReadmeExampleOverTheListenerGetsTheReadmeAnswer() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let token = try await registry.token("alice")
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(registry.httpPort)/network/net-1/announce")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(#"{"peerId":"alice","signalAddress":"http://x"}"#.utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 400)
            let expected =
                #"{"errors":[{"type":"field","value":"net-1","msg":"must contain only letters and digits","path":"networkId","location":"params"},"#
                + #"{"type":"field","value":"alice","msg":"must match ^peer_[a-zA-Z0-9_]+$","path":"peerId","location":"body"},"#
                + #"{"type":"field","value":"http://x","msg":"must be a URL starting with ws:// or wss://","path":"signalAddress","location":"body"}]}"#
            #expect(String(decoding: data, as: UTF8.self) == expected)
        }
    }

    @Test func aValueOfTheWrongTypeIsReportedOnceNotPerCheck() async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            // peerId has string, matches and length checks: a number fails all three, for one reason.
            let response = try await client.post(
                "/network/net1/announce",
                json: Self.body(["peerId": .int(7), "capabilities": ["relay", 5, "x"]]),
                token: token
            )
            #expect(
                response.validationMessages == [
                    "body peerId: must be a string",
                    "body capabilities[1]: must be one of relay, store, coordinator",
                    "body capabilities[2]: must be one of relay, store, coordinator",
                ]
            )
        }
    }

    @Test func routesYAMLMayWordTheMessagesPerCheckOrPerField() async throws {
        let registry = try await RegistryHarness.make(editRoutes: { routes in
            routes.replacingOccurrences(
                of: "length: { max: 100 } }\n        signalAddress: { string: true, url: { protocols: [ws, wss] } }",
                with: "length: { max: 100 }, message: { matches: 'must start with peer_', required: 'send your device id' } }\n"
                    + "        signalAddress: { string: true, url: { protocols: [ws, wss] }, message: 'must be your signaling address' }"
            )
        })
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let missing = try await client.post("/network/net1/announce", json: Self.body(["peerId": nil, "signalAddress": .int(7)]), token: token)
            #expect(missing.validationMessages == ["body peerId: send your device id", "body signalAddress: must be your signaling address"])
            let long = "alice" + String(repeating: "x", count: 100)
            let wrong = try await client.post("/network/net1/announce", json: Self.body(["peerId": .string(long)]), token: token)
            #expect(wrong.validationMessages == ["body peerId: must start with peer_", "body peerId: must be at most 100 characters"])
        }
    }

    @Test func unknownCapabilityIsReportedByItsIndex() async throws {
        let registry = try await RegistryHarness.make()
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let response = try await client.post("/network/net1/announce", json: Self.body(["capabilities": ["relay", "root"]]), token: token)
            #expect(response.status == .badRequest)
            #expect(response.validationMessages == ["body capabilities[1]: must be one of relay, store, coordinator"])
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
            #expect(Set(response.validationMessages).count == response.validationMessages.count)
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
            #expect(response.validationMessages == ["params deviceId: must match \(Self.peerPattern)"])
        }
    }
}
