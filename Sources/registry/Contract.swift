import ArgumentParser
import Foundation
import ServerContract

/// `registry openapi`: the HTTP API's OpenAPI 3.1 document, as `GET /openapi.json` serves it.
struct OpenAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Print the OpenAPI 3.1 document of the HTTP API, generated from routes.yaml (as GET /openapi.json serves it)."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let handlers = ConfigLoading.handlers()
        guard let config = ConfigLoading.load(directory: options.configDir, handlers: handlers) else { throw ExitCode(1) }
        FileHandle.standardOutput.write(Data(try OpenAPIGenerator.json(configuration: config, handlers: handlers) + [UInt8(ascii: "\n")]))
    }
}

/// `registry asyncapi`: the AsyncAPI 3.0 document of the WebSocket frames.
struct AsyncAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asyncapi",
        abstract: "Print the AsyncAPI 3.0 document of the signaling WebSocket: every frame in both directions, and the close codes."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let handlers = ConfigLoading.handlers()
        guard let config = ConfigLoading.load(directory: options.configDir, handlers: handlers) else { throw ExitCode(1) }
        FileHandle.standardOutput.write(Data(try AsyncAPIGenerator.json(configuration: config, handlers: handlers) + [UInt8(ascii: "\n")]))
    }
}
