import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServerEngine
import Testing

/// Every JSON body the server writes has the same bytes for the same content: documented key order for the engine's
/// own answers, sorted keys for a handler's dictionary (which has no order of its own).
@Suite struct JSONKeyOrderTests {
    static func handlers() -> HandlerRegistry {
        var handlers = EngineFixtures.handlers()
        handlers.json("many") { _ in
            Dictionary(uniqueKeysWithValues: (0..<32).map { ("key\($0)", $0) })
        }
        return handlers
    }

    static let routes =
        EngineFixtures.routes + """

              - method: GET
                path: /many
                handler: many
                auth: none
            """

    @Test func healthAndErrorBodiesKeepTheirKeyOrderOnEveryRequest() async throws {
        try await EngineFixtures.application().test(.live) { client in
            for _ in 0..<20 {
                try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.body.text == #"{"status":"ok","service":"engine-test"}"#)
                }
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(
                        response.body.text.hasPrefix(#"{"status":"ready","service":"engine-test","store":"memory","config":{"version":1,"digest":""#)
                    )
                }
                try await client.execute(uri: "/teapot", method: .get) { response in
                    #expect(response.body.text == #"{"error":"I am a teapot"}"#)
                }
            }
        }
    }

    @Test func aHandlersDictionaryIsWrittenWithSortedKeys() async throws {
        let handlers = Self.handlers()
        let engine = try await EngineFixtures.engine(handlers: handlers, routes: Self.routes)
        let expected = "{" + (0..<32).map { "key\($0)" }.sorted().map { key in "\"\(key)\":\(key.dropFirst(3))" }.joined(separator: ",") + "}"
        try await Application(router: engine.makeRouter()).test(.live) { client in
            for _ in 0..<10 {
                try await client.execute(uri: "/many", method: .get) { response in
                    #expect(response.body.text == expected)
                }
            }
        }
    }
}
