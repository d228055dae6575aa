import DocumentStore
import Foundation
import ServerConfig

/// Reads the `alg` of a compact JWT's header before its signature is verified, so a token is verified only with the
/// algorithm its header names, and only if that algorithm is configured (`auth.jwt.algorithms`).
///
/// JWTKit verifies with the key collection's key whatever the header says; without this check a token whose header
/// claims `none` or `RS256` but that is HMAC-signed with the secret would pass. A header that is not a JSON object
/// (or repeats a key, such as two `alg`s), has no string `alg`, or has a `crit` member (no extension is understood
/// here) is refused too.
///
/// ```swift
/// let algorithm = try JWTHeaderCheck.algorithm(of: token, allowed: [.hs256])  // .hs256, or throws
/// ```
enum JWTHeaderCheck {
    /// Why a header was refused (never shown to the caller: every refusal is "Invalid authentication token").
    struct Refusal: Error, Equatable {
        var reason: String
    }

    /// The longest header read (a real one is under 100 bytes).
    static let maxHeaderLength = 4096

    /// The algorithm the header of `token` names, if it is one of `allowed`.
    static func algorithm(of token: String, allowed: [JWTAlgorithmName]) throws(Refusal) -> JWTAlgorithmName {
        guard let dot = token.utf8.firstIndex(of: UInt8(ascii: ".")) else { throw Refusal(reason: "not a compact JWT") }
        let encoded = token.utf8[..<dot]
        guard encoded.count <= maxHeaderLength, let bytes = base64URLDecoded(encoded) else {
            throw Refusal(reason: "header is not base64url")
        }
        guard let header = try? JSONParser.parse(bytes).documentValue else { throw Refusal(reason: "header is not a JSON object") }
        guard header["crit"] == nil else { throw Refusal(reason: "header has crit extensions") }
        guard let name = header["alg"]?.stringValue else { throw Refusal(reason: "header has no alg") }
        guard let algorithm = allowed.first(where: { $0.rawValue == name }) else {
            throw Refusal(reason: "alg '\(name)' is not accepted")
        }
        return algorithm
    }

    /// Bytes of unpadded base64url text (RFC 7515 §2), nil for any other character.
    static func base64URLDecoded(_ text: Substring.UTF8View) -> [UInt8]? {
        var standard = [UInt8]()
        standard.reserveCapacity(text.count + 3)
        for byte in text {
            switch byte {
            case UInt8(ascii: "-"): standard.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): standard.append(UInt8(ascii: "/"))
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                standard.append(byte)
            default: return nil
            }
        }
        while standard.count % 4 != 0 { standard.append(UInt8(ascii: "=")) }
        return Data(base64Encoded: Data(standard)).map(Array.init)
    }
}
