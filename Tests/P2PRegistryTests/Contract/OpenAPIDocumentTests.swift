import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OpenAPIKit
import ServerConfig
import ServerEngine
import Testing

/// `GET /openapi.json`: the OpenAPI 3.1 document the server generates from routes.yaml and the handlers' contracts,
/// as a client generator or a contract tester reads it.
@Suite struct OpenAPIDocumentTests {
    /// The served document, as JSON and as OpenAPIKit's model.
    static func served(_ harness: RegistryHarness) async throws -> (json: [String: Any], document: OpenAPI.Document) {
        let response = try await harness.test { client in try await client.get("/openapi.json", token: nil) }
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "application/json; charset=utf-8")
        let data = Data(response.body.readableBytesView)
        let document = try JSONDecoder().decode(OpenAPI.Document.self, from: data)
        return (response.json, document)
    }

    @Test func theServedDocumentIsAValidOpenAPI31DocumentOfEveryRoute() async throws {
        let harness = try await RegistryHarness.make()
        let (json, document) = try await Self.served(harness)
        #expect(json["openapi"] as? String == "3.1.1")
        _ = try document.validate()
        let operations = Set(document.routes.flatMap { route in route.pathItem.endpoints.map { "\($0.method.rawValue) \(route.path.rawValue)" } })
        for route in harness.engine.configuration.routes {
            let path = route.path.split(separator: "/").map { $0.first == ":" ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            #expect(operations.contains("\(route.method) /\(path)"), "\(route.method) \(route.path) missing from \(operations.sorted())")
        }
        #expect(operations.isSuperset(of: ["GET /healthz", "GET /readyz", "GET /openapi.json"]))
    }

    @Test func announceHasItsValidatorsAsSchemaAndItsRateLimitAnswers() async throws {
        let (json, _) = try await Self.served(try await RegistryHarness.make())
        let post = try #require(Self.object(json, "paths", "/network/{networkId}/announce", "post"))
        let body = try #require(Self.object(post, "requestBody", "content", "application/json", "schema"))
        #expect(Self.object(body, "properties", "peerId")?["pattern"] as? String == "^peer_[a-zA-Z0-9_]+$")
        #expect(Self.object(body, "properties", "peerId")?["maxLength"] as? Int == 100)
        let capabilities = try #require(Self.object(body, "properties", "capabilities"))
        #expect(capabilities["maxItems"] as? Int == 3)
        #expect(Self.object(capabilities, "items")?["enum"] as? [String] == ["relay", "store", "coordinator"])
        #expect(Set(body["required"] as? [String] ?? []) == ["peerId", "signalAddress"])
        let parameter = try #require((post["parameters"] as? [[String: Any]])?.first)
        #expect(parameter["name"] as? String == "networkId")
        #expect(Self.object(parameter, "schema")?["pattern"] as? String == "^[a-zA-Z0-9]+$")
        #expect(Self.object(parameter, "schema")?["maxLength"] as? Int == 50)
        #expect((post["security"] as? [[String: [String]]]) == [["bearerAuth": []]])
        let responses = try #require(Self.object(post, "responses"))
        #expect(Set(responses.keys) == ["200", "400", "401", "403", "404", "408", "413", "415", "429", "500", "503"])
        #expect(Self.object(responses, "200", "headers", "RateLimit-Remaining")?["required"] as? Bool == true)
        #expect(Self.object(responses, "429", "headers", "Retry-After")?["required"] as? Bool == true)
        #expect(Self.object(responses, "200", "content", "application/json", "schema", "properties", "success")?["const"] as? Bool == true)
    }

    @Test func leavingDeclaresItsOwnAnswers() async throws {
        let (json, _) = try await Self.served(try await RegistryHarness.make())
        let delete = try #require(Self.object(json, "paths", "/network/{networkId}/devices/{deviceId}", "delete"))
        #expect((delete["parameters"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["networkId", "deviceId"])
        let responses = try #require(Self.object(delete, "responses"))
        #expect(Set(responses.keys).isSuperset(of: ["200", "400", "401", "403", "404", "500", "503"]))
        #expect(Self.object(responses, "200", "content", "application/json", "schema", "properties", "success")?["const"] as? Bool == true)
        #expect((Self.object(responses, "404")?["description"] as? String)?.contains("not announced in the network") == true)
    }

    @Test func peersAnswers304WithItsETagAndHasNoRateLimitHeaders() async throws {
        let (json, _) = try await Self.served(try await RegistryHarness.make())
        let responses = try #require(Self.object(json, "paths", "/network/{networkId}/peers", "get", "responses"))
        #expect(Self.object(responses, "304", "headers", "ETag")?["required"] as? Bool == true)
        #expect(Self.object(responses, "200", "headers", "ETag") != nil)
        #expect(Self.object(responses, "200", "headers", "RateLimit-Limit") == nil)
        let health = try #require(Self.object(json, "paths", "/healthz", "get"))
        #expect(health["security"] as? [Any] == nil || (health["security"] as? [Any])?.isEmpty == true)
        #expect(Self.object(health, "responses", "401") == nil)
    }

    @Test func aRouteAddedToRoutesYamlAppearsWithItsRules() async throws {
        let harness = try await RegistryHarness.make(editRoutes: { text in
            text.replacingOccurrences(
                of: "routes:\n",
                with: """
                    routes:
                      - method: GET
                        path: /network/:networkId/count
                        handler: peer
                        auth: none
                        validate:
                          params:
                            networkId: { alphanumeric: true }
                          query:
                            limit: { optional: true, integer: { min: 1, max: 20 } }
                            verbose: { boolean: true }

                    """
            )
        })
        let (json, document) = try await Self.served(harness)
        _ = try document.validate()
        let get = try #require(Self.object(json, "paths", "/network/{networkId}/count", "get"))
        let parameters = try #require(get["parameters"] as? [[String: Any]])
        let limit = try #require(parameters.first { $0["name"] as? String == "limit" })
        #expect(limit["in"] as? String == "query")
        #expect(limit["required"] as? Bool != true)
        #expect(Self.object(limit, "schema")?["type"] as? String == "integer")
        #expect(Self.object(limit, "schema")?["minimum"] as? Int == 1)
        #expect(Self.object(limit, "schema")?["maximum"] as? Int == 20)
        let verbose = try #require(parameters.first { $0["name"] as? String == "verbose" })
        #expect(verbose["required"] as? Bool == true)
        #expect(Self.object(verbose, "schema")?["type"] as? String == "boolean")
        // auth: none: no security, no 401 or 429.
        #expect((get["security"] as? [Any])?.isEmpty ?? true)
        let responses = try #require(Self.object(get, "responses"))
        #expect(responses["401"] == nil)
        #expect(responses["429"] == nil)
    }

    @Test func httpOpenapiFalseServesNoDocument() async throws {
        let harness = try await RegistryHarness.make(editRoutes: { text in
            text.replacingOccurrences(of: "http:\n", with: "http:\n  openapi: false\n")
        })
        #expect(harness.engine.configuration.openAPI == false)
        let response = try await harness.test { client in try await client.get("/openapi.json", token: nil) }
        #expect(response.status == .notFound)
    }

    @Test func aRouteCannotTakeTheDocumentsPath() async throws {
        await #expect(throws: EngineError.self) {
            _ = try await RegistryHarness.make(editRoutes: { text in
                text.replacingOccurrences(of: "routes:\n", with: "routes:\n  - { method: GET, path: /openapi.json, handler: peers, auth: none }\n")
            })
        }
    }

    /// The dictionary at `keys` under `json`.
    static func object(_ json: [String: Any], _ keys: String...) -> [String: Any]? {
        var current: [String: Any]? = json
        for key in keys { current = current?[key] as? [String: Any] }
        return current
    }
}
