import NIOCore
import NIOPosix

/// What one HTTP load phase measured, summed over its connections.
struct HTTPLoadResult {
    var responses = 0
    var statuses: [Int: Int] = [:]
    var latenciesMicros: [UInt32] = []
    var bodyBytes = 0
    var errors: [String] = []
    var elapsed = 0.0
    var firstBody: ByteBuffer?
    var firstETag: String?

    var rate: Double { elapsed > 0 ? Double(responses) / elapsed : 0 }
    func count(_ status: Int) -> Int { statuses[status] ?? 0 }
    var non2xx: Int { statuses.filter { !(200..<300).contains($0.key) }.values.reduce(0, +) }

    mutating func merge(_ other: HTTPLoadResult) {
        responses += other.responses
        for (status, count) in other.statuses { statuses[status, default: 0] += count }
        latenciesMicros.append(contentsOf: other.latenciesMicros)
        bodyBytes += other.bodyBytes
        errors.append(contentsOf: other.errors)
        if firstBody == nil { firstBody = other.firstBody }
        if firstETag == nil { firstETag = other.firstETag }
    }
}

/// One keep-alive HTTP/1.1 connection that keeps `depth` pre-encoded requests in flight (pipelining) until a
/// deadline, or sends each of its share of the requests once.
final class PipelinedHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let requests: [ByteBuffer]
    private let step: Int
    private var nextIndex: Int
    private let once: Bool
    private let depth: Int
    private let deadline: NIODeadline
    private var sendTimes = CircularBuffer<UInt64>(initialCapacity: 64)
    private var parser = HTTPResponseParser()
    private var result = HTTPLoadResult()
    private let done: EventLoopPromise<HTTPLoadResult>
    private var finished = false

    init(
        requests: [ByteBuffer],
        connection: Int,
        connections: Int,
        once: Bool,
        depth: Int,
        deadline: NIODeadline,
        captureFirstBody: Bool,
        done: EventLoopPromise<HTTPLoadResult>
    ) {
        self.requests = requests
        self.step = connections
        self.nextIndex = connection
        self.once = once
        self.depth = depth
        self.deadline = deadline
        self.done = done
        self.parser.captureBody = captureFirstBody
        self.result.latenciesMicros.reserveCapacity(once ? requests.count / connections + 1 : 1 << 16)
    }

    private var canSend: Bool { once ? nextIndex < requests.count : NIODeadline.now() < deadline }

    private func fill(_ context: ChannelHandlerContext) {
        var wrote = false
        while sendTimes.count < depth, canSend {
            sendTimes.append(NIODeadline.now().uptimeNanoseconds)
            context.write(wrapOutboundOut(requests[nextIndex % requests.count]), promise: nil)
            nextIndex += step
            wrote = true
        }
        if wrote { context.flush() }
        if sendTimes.isEmpty, !canSend { finish(context, error: nil) }
    }

    func channelActive(context: ChannelHandlerContext) { fill(context) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        parser.append(&bytes)
        do {
            while let response = try parser.next() {
                let now = NIODeadline.now().uptimeNanoseconds
                guard let sent = sendTimes.popFirst() else {
                    finish(context, error: "response without a request")
                    return
                }
                result.responses += 1
                result.statuses[response.status, default: 0] += 1
                result.latenciesMicros.append(UInt32(min((now &- sent) / 1000, UInt64(UInt32.max))))
                result.bodyBytes += response.bodyLength
                if result.firstETag == nil { result.firstETag = response.etag }
                if result.firstBody == nil, let body = response.body { result.firstBody = body }
            }
        } catch {
            finish(context, error: "bad response: \(error)")
            return
        }
        if !finished { fill(context) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { finish(context, error: "\(error)") }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished { finish(context, error: "connection closed with \(sendTimes.count) requests in flight") }
    }

    private func finish(_ context: ChannelHandlerContext, error: String?) {
        guard !finished else { return }
        finished = true
        if let error { result.errors.append(error) }
        context.close(promise: nil)
        done.succeed(result)
    }
}

/// Runs pre-encoded requests over `connections` pipelined connections: for `duration` seconds, or each once.
func runHTTPLoad(
    group: any EventLoopGroup,
    host: String,
    port: Int,
    requests: [ByteBuffer],
    connections: Int,
    depth: Int,
    duration: Double?,
    sources: [String] = [],
    captureFirstBody: Bool = false
) async throws -> HTTPLoadResult {
    let connections = max(1, duration == nil ? min(connections, requests.count) : connections)
    let start = NIODeadline.now()
    let deadline = start + .nanoseconds(Int64((duration ?? 0) * 1e9))
    var results: [EventLoopFuture<HTTPLoadResult>] = []
    for connection in 0..<connections {
        let loop = group.next()
        let done = loop.makePromise(of: HTTPLoadResult.self)
        var bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        PipelinedHTTPHandler(
                            requests: requests,
                            connection: connection,
                            connections: connections,
                            once: duration == nil,
                            depth: depth,
                            deadline: deadline,
                            captureFirstBody: captureFirstBody && connection == 0,
                            done: done
                        )
                    )
                }
            }
        if !sources.isEmpty { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: sources[connection % sources.count], port: 0)) }
        let connected = bootstrap.connect(host: host, port: port)
        connected.whenFailure { done.succeed(HTTPLoadResult(errors: ["connect: \($0)"])) }
        results.append(done.futureResult)
    }
    var total = HTTPLoadResult()
    for future in results { total.merge(try await future.get()) }
    total.elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e9
    return total
}

/// A pre-encoded HTTP/1.1 request.
func encodeRequest(
    _ method: String,
    _ path: String,
    host: String,
    token: String? = nil,
    headers: [(String, String)] = [],
    json: String? = nil
) -> ByteBuffer {
    var text = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\n"
    if let token { text += "Authorization: Bearer \(token)\r\n" }
    for (name, value) in headers { text += "\(name): \(value)\r\n" }
    if let json { text += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)" } else { text += "\r\n" }
    return ByteBuffer(string: text)
}
