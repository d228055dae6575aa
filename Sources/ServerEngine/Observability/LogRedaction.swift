/// Keeps tokens and secrets out of log lines: ``JSONLogHandler`` runs every value through it.
enum LogRedaction {
    /// What replaces a secret.
    static let placeholder = "[redacted]"

    /// Metadata keys whose values are never written.
    static func isSecretKey(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return ["authorization", "token", "secret", "password", "jwt", "cookie"].contains { lowered.contains($0) }
    }

    /// `text` with JWT-shaped words (`eyJ…` header, three base64url segments), `Bearer` credentials and `token=`
    /// query values masked.
    static func scrub(_ text: String) -> String {
        guard text.contains("eyJ") || text.contains("token=") || text.lowercased().contains("bearer ") else { return text }
        var result = text
        result.replace(/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/, with: placeholder)
        result.replace(/([?&]?token=)[^&\s"]*/, with: { match in match.output.1 + placeholder })
        result.replace(/([Bb]earer )[^\s"]+/, with: { match in match.output.1 + placeholder })
        return result
    }
}
