import Foundation
import ServerConfig
import ServerContract
import ServerEngine
import Testing

/// The AsyncAPI document of the signaling socket follows the configuration the parser reads: each accepted message
/// type (limits.yaml `settings.messageTypes`) is a client frame and a relayed frame, and no other type is.
@Suite struct AsyncAPIDocumentTests {
    static func messages(_ harness: RegistryHarness) throws -> [String: [String: Any]] {
        let bytes = try AsyncAPIGenerator.json(configuration: harness.engine.configuration, handlers: harness.engine.handlers)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(json["asyncapi"] as? String == "3.0.0")
        let components = try #require(json["components"] as? [String: Any])
        return try #require(components["messages"] as? [String: [String: Any]])
    }

    @Test func theDefaultTypesAreDocumentedInBothDirections() async throws {
        let names = Set(try Self.messages(try await RegistryHarness.make()).keys)
        #expect(
            names == [
                "signaling.offer", "signaling.answer", "signaling.ice-candidate", "signaling.relayed-offer", "signaling.relayed-answer",
                "signaling.relayed-ice-candidate", "signaling.error", "signaling.connectionRefused", "signaling.presence_subscribe",
                "signaling.presence_unsubscribe", "signaling.presence_state", "signaling.presence_diff", "signaling.delivered",
                "signaling.session_hello", "signaling.session_welcome",
            ]
        )
    }

    @Test func theTypesOfSettingsMessageTypesAreTheDocumentedOnes() async throws {
        let harness = try await RegistryHarness.make(adjust: { config in
            config.limits.settings["messageTypes"] = .stringList(["offer", "answer", "renegotiate"])
        })
        let messages = try Self.messages(harness)
        #expect(messages["signaling.renegotiate"] != nil)
        #expect(messages["signaling.relayed-renegotiate"] != nil)
        #expect(messages["signaling.ice-candidate"] == nil)
        let payload = try #require(messages["signaling.renegotiate"]?["payload"] as? [String: Any])
        let type = try #require((payload["properties"] as? [String: Any])?["type"] as? [String: Any])
        #expect(type["const"] as? String == "renegotiate")
    }
}
