import DocumentStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServerEngine
import Testing

/// The engine's own response vocabulary (`ResponseStatus`, `ResponseHeader`, `HandlerBody`), which lets an
/// application answer without importing HTTPTypes or NIO, gives the same responses as the HTTPTypes spelling.
@Suite struct HandlerVocabularyTests {
    static let routes = """
        service: engine-test
        routes:
          - method: GET
            path: /rendered
            handler: rendered
            auth: none
          - method: GET
            path: /refused
            handler: refused
            auth: none
        """

    static func handlers() -> HandlerRegistry {
        var handlers = HandlerRegistry()
        handlers.http("rendered") { _ in
            .json(rendered: HandlerBody(json: ["answer": 42]), status: .created, headers: [.cacheControl: "no-store", .eTag: "\"v1\""])
        }
        handlers.http("refused") { _ in throw APIError(.forbidden, "Not yours") }
        return handlers
    }

    @Test func aRenderedBodyIsServedWithItsStatusAndHeaders() async throws {
        let engine = try await EngineFixtures.engine(handlers: Self.handlers(), routes: Self.routes)
        try await Application(router: try engine.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/rendered", method: .get) { response in
                #expect(response.status == .created)
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[.eTag] == "\"v1\"")
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.body.text == #"{"answer":42}"#)
            }
            try await client.execute(uri: "/refused", method: .get) { response in
                #expect(response.status == .forbidden)
                #expect(response.body.text == #"{"error":"Not yours"}"#)
            }
        }
    }

    @Test func aResponseKeepsTheHeadersInOrderThenTheContentType() {
        let response = HandlerResponse.json(rendered: HandlerBody(string: "[]"), headers: [.eTag: "\"t\"", .location: "/x"])
        #expect(response.headers.map(\.name) == [.eTag, .location, .contentType])
        #expect(response.status == .ok && response.responseStatus == .ok)
        #expect(response.body.readableBytes == 2)
    }

    @Test func statusesAreTheirCodesWithHTTPTypesReasonPhrases() {
        #expect(ResponseStatus.forbidden.code == 403)
        #expect(ResponseStatus.forbidden.description == "403 Forbidden")
        #expect(ResponseStatus(code: 403) == .forbidden)
        #expect(ResponseStatus(code: 418).description == "418")
        let error = APIError(.tooManyRequests, "Slow down")
        #expect(error.status == .tooManyRequests)
        #expect(error.responseStatus == .tooManyRequests)
        #expect(ResponseHeader("X-Request-Id")?.description == "X-Request-Id")
        #expect(ResponseHeader("not a name") == nil)
    }

    @Test func aBodyWrittenPieceByPieceIsWhatTheJSONWriterWrites() {
        let value: Value = ["peers": [["deviceId": "peer_a", "lastSeen": .date(Timestamp(millisecondsSinceEpoch: 1_800_000_000_123))]]]
        var body = HandlerBody(capacity: 8)
        body.append("{\"peers\":[")
        body.append(json: ["deviceId": "peer_a", "lastSeen": .date(Timestamp(millisecondsSinceEpoch: 1_800_000_000_123))])
        body.append("]}")
        #expect(body == HandlerBody(json: value))
        #expect(body.bytes == JSONWriter.bytes(value))
        #expect(body.count == JSONWriter.bytes(value).count)
        #expect(body.storageSize >= body.count)
        #expect(HandlerBody(bytes: Array("ab".utf8)) == HandlerBody(string: "ab"))
        #expect(HandlerBody().count == 0)
    }
}
