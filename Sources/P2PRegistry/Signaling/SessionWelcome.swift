import DocumentStore
import Foundation
import ServerEngine

/// The socket-accepted handshake (*added*, opt-in): a client that sends `{"type":"session_hello"}` is answered with
/// `{"type":"session_welcome","deviceId":…,"timestamp":…}`. The server reads no frame before it has accepted the
/// socket (token, device owner, store ready), so the welcome tells a client deterministically that the socket was
/// accepted and that what it sends on it now is processed; a refused socket is closed instead, and the hello is lost
/// with it. A client that never sends the hello sees nothing new.
enum SessionWelcome {
    /// The client's frame.
    static let hello = "session_hello"
    /// The server's answer.
    static let welcome = "session_welcome"

    /// The answer to `deviceId`'s hello.
    static func frame(deviceId: String, at time: Date) -> String {
        JSONWriter.string([
            "type": .string(welcome), "deviceId": .string(deviceId), "timestamp": .int(SignalingFrame.milliseconds(time)),
        ])
    }

    /// The frames as the AsyncAPI document lists them.
    static let receives = WebSocketContract.Frame(
        hello,
        summary: "Ask the server to confirm that it accepted this socket: answered with session_welcome (never relayed)",
        payload: .object([.init("type", .constant(hello))])
    )

    static let sends = WebSocketContract.Frame(
        welcome,
        summary: "The answer to session_hello: the server accepted the socket and processes what is sent on it",
        payload: .object([
            .init("type", .constant(welcome)),
            .init("deviceId", .described("The socket's device", SignalingContract.deviceId)),
            .init("timestamp", .described("Milliseconds since the epoch", .integer(minimum: 0))),
        ])
    )
}
