import NIOCore

/// Announces `devices` before a scenario starts (device `i` by the user of `tokens[i]`, in `network(i)`, with the
/// `relay` capability), over 4 keep-alive connections 32 deep; throws unless every announce answers 200. `what` names
/// the devices in the error.
func announceDevices(
    _ devices: [String],
    tokens: [String],
    network: (Int) -> String,
    group: any EventLoopGroup,
    options: Options,
    what: String
) async throws {
    let host = "\(options.host):\(options.httpPort)"
    let announces = devices.indices.map { index in
        encodeRequest(
            "POST",
            "/network/\(network(index))/announce",
            host: host,
            token: tokens[index],
            json: "{\"peerId\":\"\(devices[index])\",\"signalAddress\":\"wss://signal.example/\(devices[index])\",\"capabilities\":[\"relay\"]}"
        )
    }
    let seeded = try await runHTTPLoad(
        group: group,
        host: options.host,
        port: options.httpPort,
        requests: announces,
        connections: 4,
        depth: 32,
        duration: nil
    )
    guard seeded.count(200) == devices.count else {
        throw UsageError("announcing the \(what) failed: \(seeded.statuses) \(seeded.errors.prefix(3))")
    }
}
