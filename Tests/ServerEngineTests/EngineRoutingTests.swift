import DocumentStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NetworkTestSupport
import ServerConfig
import ServerEngine
import Testing

@Suite struct EngineRoutingTests {
    @Test func boundHandlerReceivesPathParameters() async throws {
        try await EngineFixtures.application().test(.router) { client in
            try await client.execute(uri: "/echo/alice", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.body.jsonObject?["name"] as? String == "alice")
            }
        }
    }

    @Test func percentEncodedParameterIsDecoded() async throws {
        try await EngineFixtures.application().test(.router) { client in
            try await client.execute(uri: "/echo/a%20b", method: .get) { response in
                #expect(response.body.jsonObject?["name"] as? String == "a b")
            }
        }
    }

    @Test func unknownPathIsJSON404() async throws {
        try await EngineFixtures.application().test(.router) { client in
            try await client.execute(uri: "/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.body.jsonObject?["error"] as? String == "Not found: GET /nowhere")
            }
        }
    }

    @Test func wrongMethodIsJSON405WithAllow() async throws {
        try await EngineFixtures.application().test(.router) { client in
            try await client.execute(uri: "/echo/bob", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD")
                #expect((response.body.jsonObject?["error"] as? String)?.contains("DELETE not allowed") == true)
            }
        }
    }

    @Test func bodyWithinLimitReachesTheHandler() async throws {
        try await EngineFixtures.application().test(.router) { client in
            // A JSON string of 1022 letters: 1024 bytes.
            let body = ByteBuffer(string: "\"" + String(repeating: "A", count: 1022) + "\"")
            try await client.execute(uri: "/upload", method: .post, headers: [.contentType: "application/json"], body: body) { response in
                #expect(response.status == .ok)
                #expect(response.body.jsonObject?["bytes"] as? Int == 1024)
            }
        }
    }

    @Test func bodyOverLimitIsJSON413() async throws {
        try await EngineFixtures.application().test(.router) { client in
            try await client.execute(uri: "/upload", method: .post, body: ByteBuffer(repeating: 65, count: 1025)) { response in
                #expect(response.status == .contentTooLarge)
                #expect((response.body.jsonObject?["error"] as? String)?.contains("limit is 1024 bytes") == true)
            }
        }
    }

    @Test func declaredContentLengthOverLimitIsRefusedBeforeTheBodyArrives() async throws {
        try await EngineFixtures.application().test(.live) { client in
            let port = try #require(client.port)
            // Headers promise 5 MB; none of it is sent. The server must answer without waiting for it.
            let reply = try await RawHTTP.exchange(
                port: port,
                request: "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n",
                timeout: .seconds(5)
            )
            #expect(reply.hasPrefix("HTTP/1.1 413"))
            #expect(reply.contains("\"error\""))
        }
    }

    @Test func bodyOverLimitIsRefusedOverARealSocketToo() async throws {
        try await EngineFixtures.application().test(.live) { client in
            try await client.execute(uri: "/upload", method: .post, body: ByteBuffer(repeating: 65, count: 200_000)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.body.jsonObject?["error"] != nil)
            }
        }
    }

    @Test func handlerFailureIs500WithTheRouteMessageAndNoInternals() async throws {
        try await EngineFixtures.application().test(.router) { client in
            try await client.execute(uri: "/boom", method: .get) { response in
                #expect(response.status == .internalServerError)
                #expect(response.body.jsonObject?["error"] as? String == "Failed to boom")
                #expect(!response.body.text.contains("passwd"))
            }
        }
    }

    @Test func apiErrorKeepsItsStatusAndHeaders() async throws {
        try await EngineFixtures.application().test(.router) { client in
            try await client.execute(uri: "/teapot", method: .get) { response in
                #expect(response.status.code == 418)
                #expect(response.headers[.retryAfter] == "7")
                #expect(response.body.jsonObject?["error"] as? String == "I am a teapot")
            }
        }
    }

    @Test func healthzAnswersWithoutAuth() async throws {
        try await EngineFixtures.application().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.body.jsonObject?["status"] as? String == "ok")
                #expect(response.body.jsonObject?["service"] as? String == "engine-test")
            }
            try await client.execute(uri: "/healthz", method: .head) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func duplicateHandlerNameRefusesToStart() async throws {
        var handlers = EngineFixtures.handlers()
        handlers.json("echo") { _ in ["again": true] }
        await #expect(throws: EngineError.self) { try await EngineFixtures.engine(handlers: handlers) }
    }

    @Test func routeOnAReservedPathRefusesToStart() async throws {
        var handlers = HandlerRegistry()
        handlers.json("mine") { _ in ["ok": true] }
        let config = try ConfigLoader(directory: ".", environment: [:], catalog: handlers.catalog).load(sources: [
            "routes.yaml": "routes:\n  - { method: GET, path: /healthz, handler: mine, auth: none }\n", "limits.yaml": "", "jobs.yaml": "",
        ])
        await #expect(throws: EngineError.self) {
            try await Engine(configuration: config, handlers: handlers, store: MemoryStore(), logger: Logger(label: "t"))
        }
    }
}

@Suite struct EngineBodyTests {
    @Test func jsonBodyIsParsedForHandlers() async throws {
        var handlers = EngineFixtures.handlers()
        handlers.json("parsed") { context in ["peerId": context.bodyField("peerId")?.stringValue ?? "none"] }
        let config = try ConfigLoader(directory: ".", environment: [:], catalog: handlers.catalog).load(sources: [
            "routes.yaml": EngineFixtures.routes + "\n  - { method: POST, path: /parsed, handler: parsed, auth: none }\n",
            "limits.yaml": EngineFixtures.limits, "jobs.yaml": "",
        ])
        let engine = try await Engine(configuration: config, handlers: handlers, store: MemoryStore(), logger: Logger(label: "t"))
        try await engine.services.prepareStore()
        try await Application(router: engine.makeRouter()).test(.router) { client in
            try await client.execute(
                uri: "/parsed",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"peerId":"peer_x"}"#)
            ) { response in
                #expect(response.body.jsonObject?["peerId"] as? String == "peer_x")
            }
            try await client.execute(
                uri: "/parsed",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"peerId":"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect((response.body.jsonObject?["error"] as? String)?.hasPrefix("Malformed JSON body") == true)
            }
        }
    }

    @Test func routeWithJWTAuthNeedsASecretToStart() async throws {
        var handlers = HandlerRegistry()
        handlers.json("private") { _ in ["ok": true] }
        let config = try ConfigLoader(directory: ".", environment: [:], catalog: handlers.catalog).load(sources: [
            "routes.yaml": "routes:\n  - { method: GET, path: /private, handler: private, auth: jwt, network: none }\n", "limits.yaml": "",
            "jobs.yaml": "",
        ])
        await #expect(throws: EngineError.self) {
            try await Engine(configuration: config, handlers: handlers, store: MemoryStore(), logger: Logger(label: "t"))
        }
    }

    @Test func readyzReportsTheStore() async throws {
        try await EngineFixtures.application().test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.body.jsonObject?["store"] as? String == "memory")
            }
        }
    }
}
