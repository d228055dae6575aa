import Foundation
import OpenAPIKit
import ServerConfig
import ServerEngine

/// Generates the AsyncAPI 3.0 document of the WebSocket routes (`registry asyncapi`): every frame in both directions
/// as the handlers declare them (``WebSocketContract``), the engine's own error frames and close codes, and the
/// handlers' close codes, in a table in each channel's description.
///
/// ```swift
/// let json = try AsyncAPIGenerator.json(configuration: config, handlers: handlers)
/// ```
public enum AsyncAPIGenerator {
    /// The document as pretty-printed JSON with sorted keys.
    public static func json(configuration: ServerConfiguration, handlers: HandlerRegistry) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(document(configuration: configuration, handlers: handlers)))
    }

    static func document(configuration: ServerConfiguration, handlers: HandlerRegistry) -> AsyncAPIDocument {
        var channels: [String: AsyncAPIDocument.Channel] = [:]
        var operations: [String: AsyncAPIDocument.Operation] = [:]
        var messages: [String: AsyncAPIDocument.Message] = [:]
        for route in configuration.webSocketRoutes {
            let contract = handlers.webSocketContracts[route.handler]?(configuration) ?? WebSocketContract(receives: [], sends: [])
            let channel = route.handler
            let sends = contract.sends + EngineFrames.sends
            var channelMessages: [String: AsyncAPIDocument.Reference] = [:]
            for frame in contract.receives + sends {
                let key = "\(channel).\(frame.name)"
                messages[key] = AsyncAPIDocument.Message(
                    name: frame.name,
                    title: frame.name,
                    summary: frame.summary,
                    payload: frame.payload.jsonSchema()
                )
                channelMessages[frame.name] = .init(ref: "#/components/messages/\(key)")
            }
            channels[channel] = AsyncAPIDocument.Channel(
                address: OpenAPIGenerator.openAPIPath(route.path),
                title: "\(route.path) (handler `\(route.handler)`)",
                description: channelDescription(route: route, contract: contract, configuration: configuration),
                parameters: Dictionary(
                    uniqueKeysWithValues: RoutePath.parameters(of: route.path).map {
                        ($0, AsyncAPIDocument.Parameter(description: "Path parameter `\($0)`"))
                    }
                ),
                messages: channelMessages
            )
            let security: [AsyncAPIDocument.Reference]? =
                route.auth == .jwt ? [.init(ref: "#/components/securitySchemes/bearer"), .init(ref: "#/components/securitySchemes/queryToken")] : nil
            operations["\(channel)Receive"] = AsyncAPIDocument.Operation(
                action: "receive",
                title: "Frames a client sends",
                summary: "JSON text frames from the client; each refused one is answered with an error frame",
                channel: .init(ref: "#/channels/\(channel)"),
                messages: contract.receives.map { .init(ref: "#/channels/\(channel)/messages/\($0.name)") },
                security: security
            )
            operations["\(channel)Send"] = AsyncAPIDocument.Operation(
                action: "send",
                title: "Frames the server sends",
                summary: "JSON text frames to the client",
                channel: .init(ref: "#/channels/\(channel)"),
                messages: sends.map { .init(ref: "#/channels/\(channel)/messages/\($0.name)") },
                security: security
            )
        }
        return AsyncAPIDocument(
            info: .init(
                title: "\(configuration.service) WebSocket frames",
                version: BuildInfo.version,
                description: "The WebSocket routes of \(configuration.service), generated from its routes.yaml and the handlers' "
                    + "declared frames. Text frames only, each one JSON value, at most \(configuration.limits.maxFrameSize) bytes."
            ),
            channels: channels,
            operations: operations,
            components: .init(
                messages: messages,
                securitySchemes: [
                    "bearer": .init(
                        type: "http",
                        description: "`Authorization: Bearer <JWT>` on the upgrade request",
                        scheme: "bearer",
                        bearerFormat: "JWT"
                    ),
                    "queryToken": .init(
                        type: "httpApiKey",
                        description: "`?token=<JWT>` in the URL, for browsers (which cannot set headers on a WebSocket)",
                        name: "token",
                        location: "query"
                    ),
                ]
            )
        )
    }

    /// The channel's description: how it is reached and the table of close codes.
    private static func channelDescription(
        route: WebSocketRouteConfig,
        contract: WebSocketContract,
        configuration: ServerConfiguration
    )
        -> String
    {
        var lines = ["On the signaling listener (port \(configuration.webSocket.port) by default).", "", "Close codes:", ""]
        lines.append("| code | reason | when |")
        lines.append("|---|---|---|")
        for close in (EngineFrames.closes + contract.closes).sorted(by: { $0.code.rawValue < $1.code.rawValue }) {
            lines.append("| \(close.code.rawValue) | \(close.reasons) | \(close.when) |")
        }
        return lines.joined(separator: "\n")
    }
}
