import ServerConfig
import Testing

/// `message:` on a validation rule: the route's own wording of a failed check.
@Suite struct RuleMessagesConfigTests {
    static let peerRule = "peerId: { matches: '^peer_[a-zA-Z0-9_]+$', length: { max: 100 } }"

    static func routes(peerRule: String) -> String {
        ConfigFixtures.routes.replacingFirst(Self.peerRule, with: peerRule)
    }

    static func bodyRule(_ config: ServerConfiguration, _ field: String) -> FieldRule? {
        config.routes.first?.body.first { $0.field == field }
    }

    @Test func oneMessageForEveryCheckOfTheField() throws {
        let routes = Self.routes(peerRule: "peerId: { matches: '^peer_', length: { max: 100 }, message: 'must be a peer id' }")
        let rule = try #require(Self.bodyRule(try ConfigFixtures.load(routes: routes), "peerId"))
        #expect(rule.messages == RuleMessages(all: "must be a peer id"))
        #expect(rule.messages.message(for: "matches") == "must be a peer id")
        #expect(rule.messages.message(for: RuleMessages.required) == "must be a peer id")
    }

    @Test func messagesPerCheckAndForAnAbsentField() throws {
        let routes = Self.routes(
            peerRule: "peerId: { matches: '^peer_', length: { max: 100 }, message: { matches: 'must start with peer_', required: 'send peerId' } }"
        )
        let rule = try #require(Self.bodyRule(try ConfigFixtures.load(routes: routes), "peerId"))
        #expect(rule.messages.message(for: "matches") == "must start with peer_")
        #expect(rule.messages.message(for: RuleMessages.required) == "send peerId")
        #expect(rule.messages.message(for: "length") == nil)
    }

    @Test func messageOfTheElementsOfAnArray() throws {
        let routes = Self.routes(peerRule: "caps: { optional: true, array: true, each: { in: [relay], message: 'must be relay' } }")
        let rule = try #require(Self.bodyRule(try ConfigFixtures.load(routes: routes), "caps"))
        #expect(rule.each?.messages == RuleMessages(all: "must be relay"))
    }

    @Test func messageForACheckTheFieldDoesNotHaveIsAnError() {
        let routes = Self.routes(peerRule: "peerId: { matches: '^peer_', length: { max: 100 }, message: { url: 'x' } }")
        let errors = ConfigFixtures.errors(routes: routes)
        #expect(errors.count == 1)
        #expect(errors.first?.message == "a message for 'url', but this field has no 'url' check")
        #expect(errors.first?.keyPath == "routes[0].validate.body.peerId.message.url")
        #expect(errors.first?.location.line == ConfigFixtures.line(of: "url: 'x'", in: routes))
    }

    @Test func messageForAnUnknownCheckNameIsAnUnknownKey() {
        let routes = Self.routes(peerRule: "peerId: { matches: '^peer_', message: { lenght: 'x' } }")
        #expect(ConfigFixtures.errors(routes: routes).contains { $0.message == "unknown key 'lenght'" && $0.suggestion == "length" })
    }

    @Test func requiredMessageOnAnOptionalFieldIsAnError() {
        let routes = Self.routes(peerRule: "peerId: { optional: true, matches: '^peer_', message: { required: 'send it' } }")
        #expect(ConfigFixtures.errors(routes: routes).contains { $0.message.contains("never required") })
    }

    @Test func emptyMessageIsAnError() {
        let routes = Self.routes(peerRule: "peerId: { matches: '^peer_', message: '' }")
        #expect(ConfigFixtures.errors(routes: routes).contains { $0.message == "a message must not be empty" })
    }
}
