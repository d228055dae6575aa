import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Only `application/json` bodies are read, and a JSON object that repeats a key is malformed (issue 19, item 7).
@Suite struct RequestBodyTests {
    static let json = #"{"peerId":"peer_x"}"#

    @Test(arguments: [
        nil, "text/json", "application/jsonx", "text/plain", "application/problem+json", "application/x-www-form-urlencoded", "", "application/ json",
        "application/json x", "application/jsoN2",
    ])
    func aBodyThatIsNotDeclaredApplicationJSONIs415(contentType: String?) async throws {
        try await EngineFixtures.application().test(.live) { client in
            var headers: HTTPFields = [:]
            if let contentType { headers[.contentType] = contentType }
            try await client.execute(uri: "/upload", method: .post, headers: headers, body: ByteBuffer(string: Self.json)) { response in
                #expect(response.status == .unsupportedMediaType, "\(contentType ?? "none")")
                #expect(response.body.jsonObject?["error"] as? String == "Content-Type must be application/json")
            }
        }
    }

    @Test(arguments: [
        "application/json", "Application/JSON", "application/json; charset=utf-8", " application/json ;charset=UTF-8", "\tAPPLICATION/json\t;x=1",
        "application/json;",
    ])
    func applicationJSONWithParametersIsRead(contentType: String) async throws {
        try await EngineFixtures.application().test(.router) { client in
            try await client.execute(uri: "/upload", method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: Self.json)) {
                response in
                #expect(response.status == .ok, "\(contentType)")
                #expect(response.body.jsonObject?["bytes"] as? Int == Self.json.utf8.count)
            }
        }
    }

    @Test func aRequestWithoutABodyNeedsNoContentType() async throws {
        try await EngineFixtures.application().test(.router) { client in
            try await client.execute(uri: "/upload", method: .post) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test(arguments: [
        #"{"peerId":"peer_x","peerId":"peer_y"}"#,
        #"{"peerId":"peer_x","peer\u0049d":"peer_y"}"#,
        #"{"a":{"b":1,"b":2}}"#,
        #"[{"b":1},{"c":{"d":1,"d":1}}]"#,
    ])
    func aRepeatedKeyIsA400(body: String) async throws {
        try await EngineFixtures.application().test(.live) { client in
            try await client.execute(uri: "/upload", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)) {
                response in
                #expect(response.status == .badRequest, "\(body)")
                let error = response.body.jsonObject?["error"] as? String
                #expect(error?.hasPrefix("Malformed JSON body: duplicate key at byte ") == true, "\(error ?? "")")
            }
        }
    }
}
