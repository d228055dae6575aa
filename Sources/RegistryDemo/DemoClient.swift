import ArgumentParser
import Foundation
import Logging
import RegistryClient

extension DeviceOptions {
    /// The client these options describe.
    func makeClient() throws -> RegistryClient {
        guard let apiURL = URL(string: api), let signalingURL = URL(string: signaling) else {
            throw ValidationError("--api and --signaling must be URLs")
        }
        guard let token = token ?? ProcessInfo.processInfo.environment["REGISTRY_TOKEN"], !token.isEmpty else {
            throw ValidationError("no token: pass --token or set REGISTRY_TOKEN (registry token --user alice)")
        }
        var logger = Logger(label: "registry-demo") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = verbose ? .debug : .warning
        return RegistryClient(configuration: .init(apiURL: apiURL, signalingURL: signalingURL), tokens: .constant(token), logger: logger)
    }

    /// This device's announcement: its socket address on the signaling listener.
    var announcement: Announcement {
        var base = signaling
        while base.hasSuffix("/") { base.removeLast() }
        return Announcement(peerId: device, signalAddress: "\(base)/signaling/\(device)", capabilities: [.relay])
    }
}
