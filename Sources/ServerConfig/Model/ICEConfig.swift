/// The ICE servers handed to WebRTC clients (routes.yaml `ice:`): STUN URLs as they are, and TURN URLs with
/// short-lived credentials in coturn's REST scheme (`use-auth-secret` with `static-auth-secret` equal to
/// ``turnSecret``). Applied by a live reload.
///
/// ```yaml
/// ice:
///   stunUrls: ${STUN_URLS:-}            # comma-separated: stun:stun.example.com:3478
///   turnUrls: ${TURN_URLS:-}            # turn:turn.example.com:3478?transport=udp, turns:turn.example.com:5349
///   turnSecret: ${TURN_SECRET:-}        # coturn's static-auth-secret; never printed or logged
///   credentialTtl: 10m
/// ```
///
/// The secret never appears in ``description``, ``summary`` or a reflection of the value (`dump`, string
/// interpolation of the whole configuration).
public struct ICEConfig: Sendable, Equatable {
    /// How long handed-out TURN credentials stay valid by default: 10 minutes.
    public static let defaultCredentialTTL: Duration = .seconds(600)

    /// STUN server URLs (`stun:` / `stuns:`), handed out without credentials. Default empty.
    public var stunURLs: [String]
    /// TURN server URLs (`turn:` / `turns:`), handed out with credentials when ``turnSecret`` is set. Default empty.
    public var turnURLs: [String]
    /// The secret shared with the TURN server (coturn's `static-auth-secret`). Empty (the default): no TURN entry is
    /// handed out.
    public var turnSecret: String
    /// How long a handed-out TURN credential is valid (its username's expiry is now plus this). Whole seconds (a fraction is
    /// dropped when read), at least 1s. Default 10m.
    public var credentialTTL: Duration

    /// Creates an ICE configuration; every argument has the documented default.
    public init(stunURLs: [String] = [], turnURLs: [String] = [], turnSecret: String = "", credentialTTL: Duration = ICEConfig.defaultCredentialTTL) {
        self.stunURLs = stunURLs
        self.turnURLs = turnURLs
        self.turnSecret = turnSecret
        self.credentialTTL = credentialTTL
    }

    /// True when TURN URLs are handed out: there are some and a secret signs their credentials.
    public var handsOutTURN: Bool { !turnURLs.isEmpty && !turnSecret.isEmpty }

    /// ``credentialTTL`` in whole seconds.
    public var credentialTTLSeconds: Int64 { credentialTTL.components.seconds }
}

extension ICEConfig: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// One line for logs and debugging, the secret as `<set, N bytes>`:
    /// `{ stunUrls: [stun:stun.example.com:3478], turnUrls: [], turnSecret: <not set>, credentialTtl: 10m }`.
    public var summary: String {
        let secret = turnSecret.isEmpty ? "<not set>" : "<set, \(turnSecret.utf8.count) bytes>"
        return "{ stunUrls: [\(stunURLs.joined(separator: ", "))], turnUrls: [\(turnURLs.joined(separator: ", "))], turnSecret: \(secret), "
            + "credentialTtl: \(DurationParser.format(credentialTTL)) }"
    }

    /// ``summary``: the secret redacted.
    public var description: String { summary }

    /// ``summary``: the secret redacted.
    public var debugDescription: String { summary }

    /// The fields without the secret (for `dump` and reflection-based printing).
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "stunURLs": stunURLs, "turnURLs": turnURLs, "turnSecret": turnSecret.isEmpty ? "<not set>" : "<redacted>",
                "credentialTTL": credentialTTL,
            ]
        )
    }
}
