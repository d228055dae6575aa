import ArgumentParser
import Foundation
import RegistryClient

/// Run it in two terminals with two devices of two users: each announces, waits until it sees the other in
/// `GET /peers`, sends it a message as an offer, answers the other's offer, and exits once both directions worked.
struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Find another device of the network and exchange a message with it (the default).")

    @OptionGroup var options: DeviceOptions

    @Option(help: "The message to send.")
    var message: String = "hello"

    @Option(help: "Give up after this many seconds.")
    var timeout: Int = 300

    func run() async throws {
        let client = try options.makeClient()
        defer { client.shutdown() }
        let presence = client.presence(announcing: options.announcement, in: options.network, interval: .seconds(60))
        presence.start()
        let connection = client.signaling(deviceId: options.device)
        await connection.start()
        Self.say("\(options.device) announced in \(options.network); waiting for another device…")

        let (device, network, message, timeout) = (options.device, options.network, message, timeout)
        let outcome = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await Self.exchange(client: client, connection: connection, device: device, network: network, message: message) }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        await connection.close()
        await presence.stop()
        guard outcome else { throw ExitCode.failure }
        Self.say("done")
    }

    /// Finds the other device, sends it the message, answers its message; true once both directions worked.
    private static func exchange(
        client: RegistryClient,
        connection: SignalingConnection,
        device: String,
        network: String,
        message: String
    ) async throws -> Bool {
        let other = try await discover(client: client, device: device, network: network)
        say("found \(other.deviceId) (user \(other.userId))")
        try await connection.send(.offer, to: other.deviceId, data: ["type": "offer", "sdp": "", "text": .string(message)])
        say("→ sent \"\(message)\" to \(other.deviceId)")
        var heard = false
        var answered = false
        for await frame in connection.frames {
            switch frame {
            case .offer(let offer):
                say("← \(offer.fromPeerId) says \"\(offer.data["text"]?.stringValue ?? "")\"")
                try await connection.send(.answer, to: offer.fromPeerId, data: ["type": "answer", "sdp": "", "text": "got it"])
                heard = true
            case .answer(let answer):
                say("← \(answer.fromPeerId) answered \"\(answer.data["text"]?.stringValue ?? "")\"")
                answered = true
            case .error(let error):
                say("! \(error.code): \(error.error)")
            default:
                break
            }
            if heard && answered { return true }
        }
        return false
    }

    /// Polls `GET /peers` (a 304 costs no body) until another device is online.
    private static func discover(client: RegistryClient, device: String, network: String) async throws -> Peer {
        while true {
            let listing = try await client.peers(in: network)
            if let other = listing.peers.first(where: { $0.deviceId != device }) { return other }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// Prints a line at once (stdout may be a pipe).
    private static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
