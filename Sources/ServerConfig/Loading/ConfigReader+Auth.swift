import Yams

/// The parsers and checks of routes.yaml `auth.jwt` and `metrics.token` that go beyond their types.
extension ConfigReader {
    /// `auth.jwt.secret`, with a warning when it is empty or shorter than 32 bytes.
    func jwtSecret(_ node: ConfigNode) -> String? {
        guard let secret = string(node) else { return nil }
        if secret.isEmpty {
            warning(
                "no JWT secret: set JWT_SECRET (at least 32 random bytes, e.g. `openssl rand -hex 32`); the server will not start without it",
                at: node
            )
        } else if secret.utf8.count < 32 {
            warning("the JWT secret is shorter than 32 bytes; HS256 secrets that short can be brute-forced", at: node)
        }
        return secret
    }

    /// RFC 7518 §3.2: an HMAC key at least as long as the hash output (HS256's short secrets stay a warning).
    func checkAlgorithmSecrets(_ auth: AuthConfig, jwt: MappingReader?) {
        guard let node = jwt?["algorithms"] else { return }
        let length = auth.jwtSecret.utf8.count
        for algorithm in auth.algorithms where algorithm != .hs256 && length > 0 && length < algorithm.minimumSecretLength {
            error(
                "\(algorithm.rawValue) needs a secret of at least \(algorithm.minimumSecretLength) bytes and JWT_SECRET has \(length); use a longer secret (`openssl rand -hex \(algorithm.minimumSecretLength)`) or drop \(algorithm.rawValue)",
                at: node
            )
        }
    }

    /// `auth.jwt.algorithms`: a non-empty list of HS256, HS384, HS512 (the algorithms one shared secret can verify);
    /// a single value is a one-element list.
    func jwtAlgorithms(_ node: ConfigNode) -> [JWTAlgorithmName]? {
        let items: [ConfigNode]
        if case .scalar = node.node {
            items = [node]
        } else {
            guard let list = sequence(node) else { return nil }
            items = list
        }
        guard !items.isEmpty else {
            error("list at least one JWT algorithm: HS256, HS384 or HS512 (default [HS256])", at: node)
            return nil
        }
        var algorithms: [JWTAlgorithmName] = []
        for item in items {
            guard let algorithm = jwtAlgorithm(item) else { return nil }
            if !algorithms.contains(algorithm) { algorithms.append(algorithm) }
        }
        return algorithms
    }

    private func jwtAlgorithm(_ node: ConfigNode) -> JWTAlgorithmName? {
        guard let text = string(node) else { return nil }
        if let algorithm = JWTAlgorithmName(rawValue: text.trimmingWhitespace()) { return algorithm }
        let names = JWTAlgorithmName.allCases.map(\.rawValue)
        error(
            "unsupported JWT algorithm '\(text)'; one shared secret verifies \(names.joined(separator: ", ")) only",
            at: node,
            suggestion: NearestName.suggest(for: text, among: names)
        )
        return nil
    }

    /// `metrics.token`, with a warning when it is set but shorter than 16 bytes.
    func metricsToken(_ node: ConfigNode) -> String? {
        guard let token = string(node) else { return nil }
        if !token.isEmpty, token.utf8.count < 16 {
            warning("the metrics token is shorter than 16 bytes; use a random one (`openssl rand -hex 16`)", at: node)
        }
        return token
    }
}
