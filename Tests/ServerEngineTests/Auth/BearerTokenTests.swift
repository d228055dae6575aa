import ServerEngine
import Testing

/// The one parser of `Authorization: Bearer <token>` (the HTTP API, the signaling upgrade and `/metrics`).
@Suite struct BearerTokenTests {
    @Test func parsesTheTokenOfABearerHeader() {
        #expect(BearerToken.parse("Bearer abc.def.ghi") == "abc.def.ghi")
        #expect(BearerToken.parse("bearer abc") == "abc")
        #expect(BearerToken.parse("BEARER  abc \t") == "abc")
        #expect(BearerToken.parse("Basic dXNlcg==") == nil)
        #expect(BearerToken.parse("Bearer") == nil)
        #expect(BearerToken.parse("") == nil)
    }

    @Test func matchesOnlyTheExactToken() {
        #expect(BearerToken.matches("Bearer secret-token", token: "secret-token"))
        #expect(BearerToken.matches("bearer secret-token\t", token: "secret-token"))
        #expect(!BearerToken.matches("Bearer secret-tokem", token: "secret-token"))
        #expect(!BearerToken.matches("Bearer secret", token: "secret-token"))
        #expect(!BearerToken.matches("Basic secret-token", token: "secret-token"))
        #expect(!BearerToken.matches(nil, token: "secret-token"))
    }
}
