import ArgumentParser
import Foundation
import RegistryClient

/// Signaling for another program (the end-to-end suite's aiortc peers): announces, opens the signaling connection,
/// then reads one JSON command a line on stdin and writes one JSON event a line on stdout, so that every request and
/// frame goes through `RegistryClient`.
///
/// Commands: `{"op":"peers"}`, `{"op":"send","type":"offer","to":"peer_b","data":{…}}`, `{"op":"drain"}`,
/// `{"op":"close"}`. Events: `{"event":"announced"}`, `{"event":"state","state":"connected"}`,
/// `{"event":"frame","frame":{…}}` (a relayed message or an error frame, as the server sent it), `{"event":"peers",
/// "peers":[…]}`, `{"event":"drained","messages":[…]}`, `{"event":"sent"}`, `{"event":"failed","error":"…"}`.
struct Bridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Signaling over stdin and stdout, for the end-to-end tests.")

    @OptionGroup var options: DeviceOptions

    @Option(help: "A capability to announce; repeat for several.")
    var capability: [String] = []

    func run() async throws {
        let client = try options.makeClient()
        defer { client.shutdown() }
        let output = BridgeOutput()
        var announcement = options.announcement
        announcement.capabilities = capability.isEmpty ? nil : capability.map(Capability.init(rawValue:))
        do {
            try await client.announce(announcement, in: options.network)
            output.emit(["event": "announced"])
        } catch {
            output.emit(["event": "failed", "error": .string("\(error)")])
            throw ExitCode.failure
        }
        let connection = client.signaling(deviceId: options.device)
        await connection.start()
        let forward = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await state in connection.states { output.emit(["event": "state", "state": .string(BridgeOutput.name(of: state))]) }
                }
                group.addTask { for await frame in connection.frames { output.emit(["event": "frame", "frame": BridgeOutput.json(of: frame)]) } }
            }
        }
        for await line in Self.standardInputLines() {
            guard let command = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)) else {
                output.emit(["event": "failed", "error": "not JSON"])
                continue
            }
            do {
                switch command["op"]?.stringValue {
                case "peers":
                    let peers = try await client.peers(in: options.network).peers
                    output.emit(["event": "peers", "peers": .array(peers.map { ["deviceId": .string($0.deviceId), "userId": .string($0.userId)] })])
                case "send":
                    try await connection.send(
                        SignalType(rawValue: command["type"]?.stringValue ?? ""),
                        to: command["to"]?.stringValue ?? "",
                        data: command["data"] ?? .null
                    )
                    output.emit(["event": "sent"])
                case "drain":
                    let messages = try await client.drain(deviceId: options.device)
                    output.emit([
                        "event": "drained",
                        "messages": .array(
                            messages.map {
                                [
                                    "id": $0.id.map(JSONValue.string) ?? .null, "type": .string($0.type.rawValue), "from": .string($0.from),
                                    "to": .string($0.to), "data": $0.data,
                                ]
                            }
                        ),
                    ])
                case "close":
                    await connection.close()
                    await forward.value
                    output.emit(["event": "closed"])
                    return
                default:
                    output.emit(["event": "failed", "error": "unknown op"])
                }
            } catch {
                output.emit(["event": "failed", "error": .string("\(error)")])
            }
        }
        await connection.close()
        await forward.value
    }

    /// stdin's lines, read on a thread of their own so that no task blocks in `readLine()`.
    private static func standardInputLines() -> AsyncStream<String> {
        AsyncStream { continuation in
            let reader = Thread {
                while let line = readLine() { continuation.yield(line) }
                continuation.finish()
            }
            reader.start()
        }
    }
}
