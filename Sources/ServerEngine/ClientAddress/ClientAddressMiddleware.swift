import HTTPTypes
import Hummingbird
import ServerConfig

/// Sets each request's ``EngineRequestContext/clientAddress`` from its peer and, when the peer is a trusted proxy,
/// its forwarding header (``ClientAddressResolver``). The outermost middleware of the HTTP API, so the request log,
/// the auth throttle and the rate limits all see the same address. The trusted proxies are read per request, so a
/// reload applies to the next one.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = EngineRequestContext

    let configuration: LiveConfiguration

    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwarded = HTTPField.Name("Forwarded")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let resolver = ClientAddressResolver(configuration.current.clientAddress)
        if resolver.trustsProxies {
            context.clientAddress = resolver.clientAddress(
                peer: context.remoteAddress,
                xForwardedFor: request.headers[values: Self.xForwardedFor],
                forwarded: request.headers[values: Self.forwarded]
            )
        } else {
            context.clientAddress = resolver.clientAddress(peer: context.remoteAddress, xForwardedFor: [], forwarded: [])
        }
        return try await next(request, context)
    }
}
