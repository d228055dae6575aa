import CMongoc
import DocumentStore
import Foundation

/// What the store keeps from a connection string: the hosts for messages, and how to remove the
/// password from any text before it is thrown or logged.
package struct MongoURI: Sendable {
    /// The seed list as `host:port`, e.g. `["127.0.0.1:27017"]`.
    let hosts: [String]
    /// The connection string with the password replaced by `****`, for logs.
    package let redacted: String
    /// The password as written and percent-decoded; never printed, only used to redact text.
    private let secrets: [String]

    /// Splits out the hosts and the password of `uri`, without validating it (see ``parse(_:)``).
    package init(describing uri: String) {
        var secrets: [String] = []
        var redacted = uri
        if let scheme = uri.firstRange(of: "://") {
            let rest = uri[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    let password = String(userInfo[userInfo.index(after: colon)...])
                    if !password.isEmpty {
                        secrets.append(password)
                        if let decoded = password.removingPercentEncoding, decoded != password { secrets.append(decoded) }
                        redacted = String(uri[..<userInfo.index(after: colon)]) + "****" + String(uri[at...])
                    }
                }
            }
        }
        self.secrets = secrets.sorted { $0.count > $1.count }
        self.redacted = redacted
        self.hosts = []
    }

    private init(hosts: [String], redacted: String, secrets: [String]) {
        self.hosts = hosts
        self.redacted = redacted
        self.secrets = secrets
    }

    /// `text` with every occurrence of the password replaced by `****`.
    package func redact(_ text: String) -> String {
        secrets.reduce(text) { partial, secret in partial.replacing(secret, with: "****") }
    }

    /// The hosts joined for a message, e.g. `127.0.0.1:27017` or `a:27017, b:27017`.
    var hostList: String {
        hosts.isEmpty ? "(no host)" : hosts.joined(separator: ", ")
    }

    /// Validates `uri` with libmongoc and returns the parsed handle (the caller destroys it) and
    /// the description.
    ///
    /// - Throws: ``StoreError/Code/unavailable`` naming what is wrong, without the password.
    static func parse(_ uri: String) throws -> (handle: OpaquePointer, uri: MongoURI) {
        MongocRuntime.ensureInitialized()
        let description = MongoURI(describing: uri)
        var error = bson_error_t()
        guard let handle = mongoc_uri_new_with_error(uri, &error) else {
            let reason = description.redact(MongoFailure(error).message)
            throw StoreError(
                code: .unavailable,
                message: "invalid MongoDB connection string: \(reason); expected mongodb://[user:password@]host[:port][/database][?options]"
            )
        }
        var hosts: [String] = []
        var host = mongoc_uri_get_hosts(handle)
        while let current = host {
            hosts.append(
                withUnsafeBytes(of: current.pointee.host_and_port) { bytes in
                    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                }
            )
            host = UnsafePointer(current.pointee.next)
        }
        if hosts.isEmpty, let service = mongoc_uri_get_srv_hostname(handle) {
            hosts.append(String(cString: service))
        }
        var secrets = description.secrets
        if let password = mongoc_uri_get_password(handle).map({ String(cString: $0) }), !password.isEmpty, !secrets.contains(password) {
            secrets.append(password)
        }
        return (handle, MongoURI(hosts: hosts, redacted: description.redacted, secrets: secrets.sorted { $0.count > $1.count }))
    }
}
