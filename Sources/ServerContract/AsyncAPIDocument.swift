import OpenAPIKit

/// The subset of an AsyncAPI 3.0 document the generator writes: one channel per WebSocket route, its messages
/// (payloads as JSON Schema), a `receive` operation for the frames clients send and a `send` operation for the frames
/// the server sends (AsyncAPI describes the application, here the server).
struct AsyncAPIDocument: Encodable {
    struct Info: Encodable {
        var title: String
        var version: String
        var description: String
    }

    struct Reference: Encodable {
        var ref: String
        enum CodingKeys: String, CodingKey { case ref = "$ref" }
    }

    struct Parameter: Encodable {
        var description: String
    }

    struct Channel: Encodable {
        var address: String
        var title: String
        var description: String
        var parameters: [String: Parameter]
        var messages: [String: Reference]
    }

    struct Operation: Encodable {
        var action: String
        var title: String
        var summary: String
        var channel: Reference
        var messages: [Reference]
        var security: [Reference]?
    }

    struct Message: Encodable {
        var name: String
        var title: String
        var summary: String
        var contentType = "application/json"
        var payload: JSONSchema
    }

    struct SecurityScheme: Encodable {
        var type: String
        var description: String
        var scheme: String?
        var bearerFormat: String?
        var name: String?
        var location: String?

        enum CodingKeys: String, CodingKey {
            case type, description, scheme, bearerFormat, name
            case location = "in"
        }
    }

    struct Components: Encodable {
        var messages: [String: Message]
        var securitySchemes: [String: SecurityScheme]
    }

    var asyncapi = "3.0.0"
    var info: Info
    var defaultContentType = "application/json"
    var channels: [String: Channel]
    var operations: [String: Operation]
    var components: Components
}
