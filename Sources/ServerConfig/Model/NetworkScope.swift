/// Which network a route touches, so the engine can hold a token's `networks` claim against it before the handler
/// runs. Every route with `auth: jwt` declares one; a route that touches no network says `network: none`.
///
/// ```yaml
/// network: networkId                                   # the path parameter names the network
/// network: { lookup: deviceNetwork, param: deviceId }  # a registered lookup maps the parameter to a network
/// network: none                                        # the route touches no network
/// ```
public enum NetworkScope: Sendable, Equatable, CustomStringConvertible {
    /// The route touches no network.
    case none
    /// The path parameter with this name is the network id.
    case parameter(String)
    /// The network is what the registered lookup `name` answers for the path parameter `parameter` (nil when the
    /// value is in no network yet, which any token may use).
    case lookup(name: String, parameter: String)

    /// The path parameter the scope reads; nil for `none`.
    public var parameter: String? {
        switch self {
        case .none: return nil
        case .parameter(let name): return name
        case .lookup(_, let parameter): return parameter
        }
    }

    /// As written in routes.yaml.
    public var description: String {
        switch self {
        case .none: return "none"
        case .parameter(let name): return name
        case .lookup(let name, let parameter): return "{ lookup: \(name), param: \(parameter) }"
        }
    }
}
