import DocumentStore
import ServerEngine
import Testing

/// Reading only a frame's envelope: the same verdict as the full parser on every input, the requested strings
/// decoded, every member's raw text kept as it came.
@Suite struct JSONEnvelopeTests {
    static func envelope(_ text: String) throws -> JSONEnvelope? {
        try JSONEnvelope.parse(Array(text.utf8), strings: ["type", "toPeerId"])
    }

    @Test func membersKeepTheirRawTextAndRequestedStringsAreDecoded() throws {
        let text = #"{ "type" : "off\u0065r", "toPeerId":"peer_b", "data" : {"sdp":"v=0\r\n","n":1.50,"e":"\u00e9"} , "x":[1,2]}"#
        let envelope = try #require(try Self.envelope(text))
        #expect(envelope.strings["type"] == "offer")
        #expect(envelope.strings["toPeerId"] == "peer_b")
        #expect(envelope.raw("data") == #"{"sdp":"v=0\r\n","n":1.50,"e":"\u00e9"}"#)
        #expect(envelope.raw("x") == "[1,2]")
        #expect(envelope.raw("missing") == nil)
        #expect(envelope.strings["x"] == nil)
    }

    @Test func aRepeatedKeyIsRefusedAtAnyDepthWhereJSONParseWouldKeepTheLast() throws {
        for text in [
            #"{"type":"offer","data":1,"type":{"not":"a string"}}"#,
            #"{"type":"offer","t\u0079pe":"answer"}"#,
            #"{"type":"offer","data":{"sdp":"a","sdp":"b"}}"#,
            #"{"data":[{"k":1},{"x":{"k":1,"k":2}}]}"#,
        ] {
            #expect(throws: JSONParser.Failure.self, "\(text)") { try Self.envelope(text) }
            #expect(throws: JSONParser.Failure.self, "\(text)") { try JSONParser.parse(Array(text.utf8)) }
        }
        // The same key in sibling objects is no repetition.
        #expect(try Self.envelope(#"{"data":[{"k":1},{"k":2}],"k":3}"#) != nil)
    }

    @Test func aLargeObjectIsReadAndARepeatedKeyAtItsEndIsFound() throws {
        let members = (0..<100_000).map { #""key\#($0)":\#($0)"# }
        let text = "{" + members.joined(separator: ",") + "}"
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(value.documentValue?.count == 100_000)
        #expect(value.documentValue?["key99999"] == .int(99_999))
        let repeated = "{" + members.joined(separator: ",") + #","key7":0}"#
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(repeated.utf8)) }
        #expect(throws: JSONParser.Failure.self) { try JSONEnvelope.parse(Array(("{\"data\":" + repeated + "}").utf8), strings: []) }
    }

    @Test func validJSONThatIsNotAnObjectIsNil() throws {
        for text in ["[1,2]", "\"offer\"", "3", "null", " true "] {
            #expect(try Self.envelope(text) == nil, "\(text)")
        }
    }

    /// The envelope accepts exactly what the full parser accepts.
    @Test func itAgreesWithTheFullParserOnEveryInput() {
        let deep = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        let inputs = [
            #"{"data":{"a":[1,2,{"b":"c"}],"d":-0.5e3,"e":true,"f":null}}"#,
            #"{"data":"\ud83d\ude00 and \u00e9"}"#,
            #"{"data":{"a":1,}}"#, #"{"data":[1,2,]}"#, #"{"data":01}"#, #"{"data":1.}"#, #"{"data":"\x"}"#,
            "{\"data\":\"tab\tinside\"}", #"{"data":tru}"#, #"{"data":1e999}"#, #"{"data":{"a" 1}}"#, #"{"data":[1 2]}"#,
            #"{"data":{}}"#, #"{"data":[]}"#, #"{"data":{"k":"v"}} trailing"#, #"{"data":"unterminated}"#,
            "{\"data\":" + deep + "}", "{\"data\":\"\u{00e9}\"}", #"{"a":1"#, #"{"#, #"{}"#, "",
            #"{"data":{"a":1,"a":1}}"#, #"{"a":1,"a":1}"#, #"{"data":{"a":1},"b":{"a":1}}"#,
        ]
        for text in inputs {
            let parserAccepts = (try? JSONParser.parse(Array(text.utf8))) != nil
            let envelopeAccepts = (try? JSONEnvelope.parse(Array(text.utf8), strings: [])) != nil
            #expect(parserAccepts == envelopeAccepts, "\(text)")
        }
        // Invalid UTF-8 inside a value is refused too.
        let invalid: [UInt8] = Array(#"{"data":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect((try? JSONEnvelope.parse(invalid, strings: [])) == nil)
    }
}
