import ServerConfig
import Testing

@Suite struct EnvironmentSubstitutionTests {
    @Test func defaultIsUsedWhenVariableIsUnset() throws {
        let substitution = EnvironmentSubstitution(environment: [:])
        #expect(try substitution.expand("${PORT:-3000}") == "3000")
    }

    @Test func variableOverridesDefault() throws {
        let substitution = EnvironmentSubstitution(environment: ["RATE_LIMIT_MAX_REQUESTS": "5"])
        #expect(try substitution.expand("${RATE_LIMIT_MAX_REQUESTS:-12}") == "5")
    }

    @Test func emptyVariableFallsBackToDefaultAsInShells() throws {
        let substitution = EnvironmentSubstitution(environment: ["PORT": ""])
        #expect(try substitution.expand("${PORT:-3000}") == "3000")
    }

    @Test func substitutionInsideText() throws {
        let substitution = EnvironmentSubstitution(environment: ["SIGNALING_PATH": "/ws"])
        #expect(try substitution.expand("${SIGNALING_PATH:-/signaling}/:deviceId") == "/ws/:deviceId")
        #expect(try substitution.expand("${RATE_LIMIT_WINDOW_MS:-60000}ms") == "60000ms")
    }

    @Test func emptyDefaultIsAllowed() throws {
        #expect(try EnvironmentSubstitution(environment: [:]).expand("${MONGODB_URI:-}") == "")
    }

    @Test func unsetVariableWithoutDefaultFailsNamingIt() {
        #expect(throws: EnvironmentSubstitution.Failure.unset("JWT_SECRET")) {
            try EnvironmentSubstitution(environment: [:]).expand("${JWT_SECRET}")
        }
    }

    @Test func doubleDollarIsALiteralDollar() throws {
        #expect(try EnvironmentSubstitution(environment: ["X": "y"]).expand("cost $$5 ${X}") == "cost $5 y")
    }

    @Test func unterminatedReferenceFails() {
        #expect(throws: EnvironmentSubstitution.Failure.unterminated) {
            try EnvironmentSubstitution(environment: [:]).expand("${PORT:-3000")
        }
    }

    @Test func invalidNameFails() {
        #expect(throws: EnvironmentSubstitution.Failure.invalidName("A B")) {
            try EnvironmentSubstitution(environment: [:]).expand("${A B}")
        }
    }

    @Test func environmentValueCannotInjectYAMLStructure() throws {
        let config = try ConfigFixtures.load(environment: ["JWT_SECRET": "x\nroutes: []\n#"])
        #expect(config.auth.jwtSecret == "x\nroutes: []\n#")
        #expect(config.routes.count == 2)
    }
}
