/// The token in use, shared by the HTTP requests and the signaling connection of one client: the provider is asked
/// once, and again only when the server refused the cached token.
actor TokenCache {
    private let provider: TokenProvider
    private var token: String?
    private var fetching: Task<String, any Error>?

    init(provider: TokenProvider) {
        self.provider = provider
    }

    /// The cached token, or the provider's first one.
    func current() async throws -> String {
        if let token { return token }
        return try await fetch(.initial)
    }

    /// A new token from the provider, unless another caller already replaced `refused` in the meantime.
    func refresh(replacing refused: String) async throws -> String {
        if let token, token != refused { return token }
        return try await fetch(.refresh)
    }

    private func fetch(_ reason: TokenRequestReason) async throws -> String {
        if let fetching { return try await fetching.value }
        let provider = provider
        let task = Task { try await provider.fetch(reason) }
        fetching = task
        defer { fetching = nil }
        do {
            let fresh = try await task.value
            token = fresh
            return fresh
        } catch {
            throw RegistryError.tokenUnavailable(String(describing: error))
        }
    }
}
