import ServerConfig
import Testing

/// IP addresses and CIDR ranges as `http.trustedProxies` reads them.
@Suite struct IPAddressTests {
    @Test(arguments: [
        ("192.0.2.7", "192.0.2.7"),
        ("0.0.0.0", "0.0.0.0"),
        ("255.255.255.255", "255.255.255.255"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("::FFFF:c000:0207", "192.0.2.7"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::1", "::1"),
        ("::", "::"),
        ("1::", "1::"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("2001:db8:1:1:1:1:1:1", "2001:db8:1:1:1:1:1:1"),
        ("2001:db8::0:1", "2001:db8::1"),
        ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
        ("::192.0.2.7", "::c000:207"),
        ("64:ff9b::192.0.2.7", "64:ff9b::c000:207"),
    ])
    func parsesAndPrintsCanonically(text: String, canonical: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.description == canonical)
        #expect(IPAddress(canonical) == address)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4:80", "[::1]",
        "::1%eth0", "fe80::1%25eth0", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", ":1", "1:", "12345::", "g::1", "::ffff:1.2.3",
        "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4", "+1::", "unknown", "_hidden", "localhost", "1.2.3.4/8",
    ])
    func rejectsWhatIsNotOneAddress(text: String) {
        #expect(IPAddress(text) == nil, "\(text)")
    }

    @Test func ipv4AndItsMappedFormAreOneAddress() throws {
        #expect(IPAddress("10.1.2.3") == IPAddress("::ffff:10.1.2.3"))
        #expect(try #require(IPAddress("::ffff:10.1.2.3")).isIPv4)
        #expect(try !#require(IPAddress("::10.1.2.3")).isIPv4)
        #expect(try !#require(IPAddress("2001:db8::1")).isIPv4)
    }
}

@Suite struct CIDRTests {
    @Test func ipv4RangesContainTheirAddressesAndTheirMappedForms() throws {
        let range = try CIDR("10.0.0.0/8")
        #expect(range.description == "10.0.0.0/8")
        #expect(range.contains(try #require(IPAddress("10.0.0.0"))))
        #expect(range.contains(try #require(IPAddress("10.255.255.255"))))
        #expect(range.contains(try #require(IPAddress("::ffff:10.1.2.3"))))
        #expect(!range.contains(try #require(IPAddress("11.0.0.0"))))
        #expect(!range.contains(try #require(IPAddress("9.255.255.255"))))
        #expect(!range.contains(try #require(IPAddress("::a01:203"))))  // ::10.1.2.3 is IPv4-compatible, not mapped
        #expect(!range.contains(try #require(IPAddress("2001:db8::1"))))
    }

    @Test func bareAddressesAreRangesOfOne() throws {
        let v4 = try CIDR("192.0.2.7")
        #expect(v4.description == "192.0.2.7/32")
        #expect(v4.contains(try #require(IPAddress("192.0.2.7"))))
        #expect(!v4.contains(try #require(IPAddress("192.0.2.8"))))
        let v6 = try CIDR(" 2001:DB8::1 ")
        #expect(v6.description == "2001:db8::1/128")
        #expect(v6.contains(try #require(IPAddress("2001:db8:0::1"))))
        #expect(!v6.contains(try #require(IPAddress("2001:db8::2"))))
    }

    @Test func ipv6RangesAndPrefixEdges() throws {
        let range = try CIDR("2001:db8::/32")
        #expect(range.contains(try #require(IPAddress("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"))))
        #expect(!range.contains(try #require(IPAddress("2001:db9::"))))
        let wide = try CIDR("2001:db8:abcd:1200::/56")  // a prefix inside the lower half's boundary
        #expect(wide.contains(try #require(IPAddress("2001:db8:abcd:12ff::1"))))
        #expect(!wide.contains(try #require(IPAddress("2001:db8:abcd:1300::1"))))
        let deep = try CIDR("2001:db8::8000/113")  // a prefix in the lower 64 bits
        #expect(deep.contains(try #require(IPAddress("2001:db8::ffff"))))
        #expect(!deep.contains(try #require(IPAddress("2001:db8::7fff"))))
        let everything6 = try CIDR("::/0")
        #expect(everything6.contains(try #require(IPAddress("2001:db8::1"))))
        #expect(everything6.contains(try #require(IPAddress("1.2.3.4"))))
        let everything4 = try CIDR("0.0.0.0/0")
        #expect(everything4.contains(try #require(IPAddress("1.2.3.4"))))
        #expect(!everything4.contains(try #require(IPAddress("2001:db8::1"))))
        let mapped = try CIDR("::ffff:10.0.0.0/104")
        #expect(mapped.description == "::ffff:10.0.0.0/104")
        #expect(mapped.contains(try #require(IPAddress("10.9.9.9"))))
    }

    @Test(arguments: [
        ("10.0.0.1/8", "bits set past its /8 prefix; did you mean 10.0.0.0/8?"),
        ("2001:db8::1/32", "did you mean 2001:db8::/32?"),
        ("10.0.0.0/33", "invalid prefix length; expected /0 to /32"),
        ("2001:db8::/129", "expected /0 to /128"),
        ("10.0.0.0/", "invalid prefix length"),
        ("10.0.0.0/-1", "invalid prefix length"),
        ("10.0.0.0/+8", "invalid prefix length"),
        ("10.0.0.0/8/8", "invalid prefix length"),
        ("10.0.0/8", "is not an IP address or CIDR range"),
        ("proxy.internal", "is not an IP address or CIDR range"),
        ("", "is not an IP address or CIDR range"),
    ])
    func invalidRangesSayWhatIsWrong(text: String, message: String) {
        #expect(throws: CIDR.Failure.self) { try CIDR(text) }
        do {
            _ = try CIDR(text)
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
            #expect(error.message.contains("'\(text)'"), "\(error.message)")
        }
    }
}
