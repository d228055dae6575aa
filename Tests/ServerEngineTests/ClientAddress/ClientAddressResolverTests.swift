import ServerConfig
import ServerEngine
import Testing

/// Which address a request counts under, from its peer and its forwarding headers.
@Suite struct ClientAddressResolverTests {
    static func resolver(_ ranges: [String], header: ClientAddressConfig.Header = .xForwardedFor) throws -> ClientAddressResolver {
        ClientAddressResolver(ClientAddressConfig(trustedProxies: try ranges.map { try CIDR($0) }, header: header))
    }

    static let proxies = ["10.0.0.0/8", "2001:db8:ffff::/48"]

    @Test func withoutTrustedProxiesThePeerIsTheClientWhateverTheHeadersSay() throws {
        let resolver = try Self.resolver([])
        #expect(!resolver.trustsProxies)
        #expect(!resolver.isTrustedProxy("10.0.0.1"))
        #expect(resolver.clientAddress(peer: "10.0.0.1", xForwardedFor: ["203.0.113.7"], forwarded: ["for=203.0.113.7"]) == "10.0.0.1")
        #expect(resolver.clientAddress(peer: nil, xForwardedFor: ["203.0.113.7"], forwarded: []) == nil)
    }

    @Test func anUntrustedPeersHeadersAreNeverBelieved() throws {
        let resolver = try Self.resolver(Self.proxies)
        #expect(!resolver.isTrustedProxy("198.51.100.1"))
        #expect(resolver.clientAddress(peer: "198.51.100.1", xForwardedFor: ["9.9.9.9"], forwarded: []) == "198.51.100.1")
        #expect(resolver.clientAddress(peer: "198.51.100.1", xForwardedFor: ["10.0.0.5"], forwarded: []) == "198.51.100.1")
        #expect(resolver.clientAddress(peer: "2001:db8::1", xForwardedFor: ["9.9.9.9"], forwarded: []) == "2001:db8::1")
    }

    @Test func peerAddressesComeBackCanonical() throws {
        let resolver = try Self.resolver([])
        #expect(resolver.clientAddress(peer: "::ffff:198.51.100.1", xForwardedFor: [], forwarded: []) == "198.51.100.1")
        #expect(resolver.clientAddress(peer: "2001:DB8:0::1", xForwardedFor: [], forwarded: []) == "2001:db8::1")
        #expect(resolver.clientAddress(peer: "not-an-ip", xForwardedFor: [], forwarded: []) == "not-an-ip")
    }

    @Test func xForwardedForIsWalkedFromTheRightPastTrustedHops() throws {
        let resolver = try Self.resolver(Self.proxies)
        #expect(resolver.isTrustedProxy("10.0.0.2"))
        #expect(resolver.isTrustedProxy("::ffff:10.0.0.2"))
        // One proxy.
        #expect(resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: ["203.0.113.7"], forwarded: []) == "203.0.113.7")
        // Two trusted proxies: the inner one appended the outer one's address.
        #expect(resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: ["203.0.113.7, 10.0.0.3"], forwarded: []) == "203.0.113.7")
        // Spoofed entries left of the client (sent by the client itself) are ignored.
        #expect(resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: ["9.9.9.9, 1.1.1.1, 203.0.113.7"], forwarded: []) == "203.0.113.7")
        // A client that claims to be a trusted proxy does not get past the first untrusted hop from the right.
        #expect(resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: ["10.9.9.9, 203.0.113.7, 10.0.0.3"], forwarded: []) == "203.0.113.7")
        // Several header lines are one list, in order.
        #expect(resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: ["9.9.9.9", "203.0.113.7 ,\t10.0.0.3"], forwarded: []) == "203.0.113.7")
    }

    @Test func everyHopTrustedGivesTheLeftmost() throws {
        let resolver = try Self.resolver(Self.proxies)
        #expect(resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: ["10.1.1.1, 10.0.0.3"], forwarded: []) == "10.1.1.1")
    }

    @Test func ipv6AndMappedAddressesInXForwardedFor() throws {
        let resolver = try Self.resolver(Self.proxies)
        #expect(resolver.clientAddress(peer: "2001:db8:ffff::2", xForwardedFor: ["2001:DB8:1::7"], forwarded: []) == "2001:db8:1::7")
        #expect(resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: ["::ffff:203.0.113.7"], forwarded: []) == "203.0.113.7")
        #expect(resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: ["203.0.113.7, ::ffff:10.0.0.3"], forwarded: []) == "203.0.113.7")
        #expect(resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: ["[2001:db8:1::7]:4711"], forwarded: []) == "2001:db8:1::7")
        #expect(resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: ["203.0.113.7:4711"], forwarded: []) == "203.0.113.7")
        #expect(resolver.clientAddress(peer: "::ffff:10.0.0.2", xForwardedFor: ["203.0.113.7"], forwarded: []) == "203.0.113.7")
    }

    @Test func missingOrMalformedHeadersGiveThePeer() throws {
        let resolver = try Self.resolver(Self.proxies)
        for lines in [
            [], [""], ["203.0.113.7,"], [", 203.0.113.7"], ["203.0.113.7,,10.0.0.3"], ["unknown"], ["garbage"], ["203.0.113.7, junk"],
            ["[2001:db8::1"], ["203.0.113.7:99999"], ["1.2.3.4:80:80"], ["2001:db8::1:80]"],
        ] {
            #expect(resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: lines, forwarded: []) == "10.0.0.2", "\(lines)")
        }
        // Garbage left of the client is never reached.
        #expect(resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: ["junk, 203.0.113.7"], forwarded: []) == "203.0.113.7")
    }

    @Test func onlyTheConfiguredHeaderIsRead() throws {
        let xff = try Self.resolver(Self.proxies)
        // A client behind an X-Forwarded-For proxy sends its own Forwarded header through it: ignored.
        #expect(xff.clientAddress(peer: "10.0.0.2", xForwardedFor: ["203.0.113.7"], forwarded: ["for=9.9.9.9"]) == "203.0.113.7")
        #expect(xff.clientAddress(peer: "10.0.0.2", xForwardedFor: [], forwarded: ["for=9.9.9.9"]) == "10.0.0.2")
        let forwarded = try Self.resolver(Self.proxies, header: .forwarded)
        #expect(forwarded.clientAddress(peer: "10.0.0.2", xForwardedFor: ["9.9.9.9"], forwarded: ["for=203.0.113.7"]) == "203.0.113.7")
        #expect(forwarded.clientAddress(peer: "10.0.0.2", xForwardedFor: ["9.9.9.9"], forwarded: []) == "10.0.0.2")
    }

    @Test func forwardedIsParsedAsRFC7239Says() throws {
        let resolver = try Self.resolver(Self.proxies, header: .forwarded)
        func client(_ lines: [String]) -> String? { resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: [], forwarded: lines) }
        #expect(client(["for=192.0.2.60;proto=http;by=203.0.113.43"]) == "192.0.2.60")
        #expect(client(["For=\"[2001:db8:cafe::17]:4711\""]) == "2001:db8:cafe::17")
        #expect(client(["for=\"[2001:db8:cafe::17]\""]) == "2001:db8:cafe::17")
        #expect(client(["for=\"192.0.2.43:47011\""]) == "192.0.2.43")
        #expect(client(["for=\"192.0.2.43:_port\""]) == "192.0.2.43")
        #expect(client(["for=192.0.2.43, for=198.51.100.17"]) == "198.51.100.17")
        #expect(client(["for=9.9.9.9, for=192.0.2.43;by=10.0.0.3, for=10.0.0.3"]) == "192.0.2.43")
        #expect(client(["for=9.9.9.9", "for=192.0.2.43 ,for=10.0.0.3"]) == "192.0.2.43")
        #expect(client(["proto=https;for=\"192.0.2.\\43\""]) == "192.0.2.43")  // a quoted-pair
        #expect(client(["for=192.0.2.43,,for=10.0.0.3"]) == "192.0.2.43")  // empty list elements are skipped
        #expect(client(["for=\"::ffff:192.0.2.43\""]) == "192.0.2.43")
    }

    @Test func forwardedUnknownObfuscatedOrMalformedGiveThePeer() throws {
        let resolver = try Self.resolver(Self.proxies, header: .forwarded)
        func client(_ lines: [String]) -> String? { resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: [], forwarded: lines) }
        for lines in [
            ["for=unknown"], ["for=_hidden"], ["for=\"_gazonk\""], ["proto=https"], ["for=192.0.2.43, for=unknown"],
            ["for=192.0.2.43, proto=https"], ["for=\"192.0.2.43"], ["for=192.0.2.43;for=198.51.100.17"], ["for"], ["for="],
            ["=192.0.2.43"], ["for=[2001:db8::1]"], ["for=192.0.2.43 junk"], ["for=\"[2001:db8::1]:99999\""], [""], [],
        ] {
            #expect(client(lines) == "10.0.0.2", "\(lines)")
        }
        // An unidentified hop left of the client is never reached.
        #expect(client(["for=unknown, for=192.0.2.43"]) == "192.0.2.43")
    }
}
