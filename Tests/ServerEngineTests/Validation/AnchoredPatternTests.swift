import DocumentStore
import ServerConfig
import ServerEngine
import Testing

/// The `matches:` fast path agrees with the Regex engine it stands in for, and the other byte-level checks with
/// the Character-level ones they replace.
@Suite struct AnchoredPatternTests {
    static let patterns = [
        "^peer_[a-zA-Z0-9_]+$", "^[a-z]{3}$", "^[A-Z0-9]{2,4}$", "^id-[0-9]{1,}$", "^[a-z.]*$", "^[-a-z]+$", "^[a-z_-]+$",
        "^x[0-9]{0,2}$",
    ]
    static let texts = [
        "", "peer_", "peer_a", "peer_Alice_42", "peer_a\n", "peer_a\r\n", "xpeer_a", "peer_é", "peer_a\u{301}", "peer_a b", "abc", "abcd", "ab",
        "AB", "AB12", "AB123", "ab12", "id-", "id-7", "id-77x", "a.b", "...", "-a-", "a_b-c", "x", "x1", "x12", "x123", "PEER_a", "peer_🙂",
    ]

    @Test(arguments: patterns) func agreesWithTheRegexEngine(pattern: String) throws {
        let anchored = try #require(AnchoredPattern(pattern))
        let regex = try Regex(pattern)
        for text in Self.texts {
            let expected = (try? regex.firstMatch(in: text)) != nil
            #expect(anchored.matches(text) == expected, "\(pattern) on \(text.debugDescription)")
        }
    }

    @Test(arguments: [
        "peer_[a-z]+$", "^peer_[a-z]+", "^(a|b)$", "^[^a-z]+$", "^[a-z]+?$", "^\\d+$", "^[a-z]{,3}$", "^[a-z]{3,1}$", "^[a-z][0-9]$",
        "^[a-Z]+$", "^[a-z-0]+$", "^[a-z]{1,2,3}$", "^a.b$",
    ])
    func otherShapesAreLeftToTheRegexEngine(pattern: String) {
        #expect(AnchoredPattern(pattern) == nil)
    }

    @Test func theRouteValidatorUsesTheFastPathAndStillFallsBack() throws {
        let fast = try CompiledCheck(.matches("^peer_[a-z]+$"))
        let slow = try CompiledCheck(.matches("^(peer|node)_[a-z]+$"))
        #expect(fast.anchored != nil && fast.regex == nil)
        #expect(slow.anchored == nil && slow.regex != nil)
        #expect(fast.failure(of: .string("peer_abc"), textual: false) == nil)
        #expect(fast.failure(of: .string("peer_ABC"), textual: false) != nil)
        #expect(slow.failure(of: .string("node_abc"), textual: false) == nil)
    }

    @Test func alphanumericIsASCIILettersAndDigits() throws {
        let check = try CompiledCheck(.alphanumeric)
        #expect(check.failure(of: .string("brnet42"), textual: true) == nil)
        for text in ["", "br-net", "brnét", "br net", "٣", "ｂｒ"] {
            #expect(check.failure(of: .string(text), textual: true) != nil, "\(text)")
        }
    }

    @Test func urlChecksAgreeForASCIIAndOtherText() {
        let cases: [(String, Bool)] = [
            ("wss://signal.example.com/peer_a", true), ("ws://127.0.0.1:8080/x", true), ("wss://[::1]:443/", true),
            ("wss://signal.example.com/a b", false), ("wss://signal.example.com/a\tb", false), ("https://signal.example.com/", false),
            ("wss://user:pw@signal.example.com/", false), ("wss://.example.com/", false), ("wss:///path", false),
            ("wss://bücher.example/", true), ("wss://b\u{00A0}x.example/", false), ("wss://%C3%A9x.example/", true), ("wss://a_b.example/", false),
        ]
        for (text, valid) in cases {
            #expect(URLCheck.isValid(text, protocols: ["ws", "wss"]) == valid, "\(text)")
        }
    }

    @Test func plainURLsAreAnsweredAsURLComponentsAnswers() {
        let plain = [
            "wss://signal.example.com/peer_a", "WSS://Signal.Example.com/", "ws://a", "wss://a.b.c/x?y=1&z=2", "wss://.x/", "wss://x../",
            "wss://x./", "wss://-x-/", "wss://1.2.3.4/a/b", "wss:///", "wss://", "wss://x/p@q:r;s=t,u+v*w(x)y'z!$~", "https://x/",
            "w-s.s+1://x/", "wss://x/?a=1?b=/c",
        ]
        for text in plain {
            #expect(PlainURL(text) != nil, "\(text)")
            #expect(URLCheck.isValid(text, protocols: ["ws", "wss"]) == URLCheck.isValidByComponents(text, protocols: ["ws", "wss"]), "\(text)")
        }
        let other = [
            "wss://user@x/", "wss://x:443/", "wss://[::1]/", "wss://x/a%20b", "wss://x/#frag", "wss://x/a b", "wss://a_b/", "1ws://x/",
            "wss:/x", "wss:x", "://x", "wss://x/a\u{7F}", "wss://bücher.example/", "wss://x/<a>",
        ]
        for text in other {
            #expect(PlainURL(text) == nil, "\(text)")
        }
    }
}
