import ServerConfig

/// Answers which network a path parameter's value belongs to (nil when it is in none yet), for a route declaring
/// `network: { lookup: name, param: … }`; registered with ``HandlerRegistry/networkLookup(_:_:)``.
public typealias NetworkLookup = @Sendable (_ value: String, _ services: EngineServices) async throws -> String?

/// The engine's one check of a token's `networks` claim: every route and WebSocket route with `auth: jwt` declares
/// the network it touches (routes.yaml `network:`), and the engine refuses a token that does not grant it before
/// the handler runs, so no handler can forget the check.
///
/// A token without a `networks` claim may use every network, and costs no lookup.
struct NetworkGuard: Sendable {
    let lookups: [String: NetworkLookup]

    /// Nil when `user` may use the network `scope` names for these parameters; else the refusal's message.
    func denial(
        _ scope: NetworkScope?,
        parameters: [String: String],
        user: AuthenticatedUser?,
        services: EngineServices
    ) async throws -> String? {
        guard let user, user.networks != nil, let scope, let parameter = scope.parameter, let value = parameters[parameter] else {
            return nil
        }
        let network: String?
        switch scope {
        case .none:
            return nil
        case .parameter:
            network = value
        case .lookup(let name, _):
            guard let lookup = lookups[name] else { return "Network lookup '\(name)' is not registered" }
            network = try await lookup(value, services)
        }
        guard let network, !user.mayAccess(network: network) else { return nil }
        return "Token does not grant access to network \(network)"
    }
}
