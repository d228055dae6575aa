import ServerConfig
import Testing

/// limits.yaml's resource bounds (issue 14): `http` timeouts and header size, the `websocket` bounds, `authThrottle`.
@Suite struct BoundsConfigTests {
    @Test func boundsHaveTheirDocumentedDefaultsWhenNotWritten() throws {
        let limits = try ConfigFixtures.load().limits
        #expect(limits.maxHeaderSize == 16 * 1024)
        #expect(limits.idleTimeout == .seconds(30))
        #expect(limits.bodyReadTimeout == .seconds(10))
        #expect(limits.webSocket == WebSocketLimits())
        #expect(limits.webSocket.maxConnections == 10_000)
        #expect(limits.webSocket.maxConnectionsPerUser == 10)
        #expect(limits.webSocket.sendBufferBytes == 256 * 1024)
        #expect(limits.webSocket.slowConsumerOverflow == 100)
        #expect(limits.authThrottle == AuthThrottleConfig())
        #expect(limits.authThrottle.maxFailures == 20)
        #expect(limits.authThrottle.blockFor == .seconds(300))
    }

    @Test func everyBoundIsReadFromLimitsYAML() throws {
        let limits = try ConfigFixtures.load(
            limits: """
                http:
                  maxBodySize: 64KiB
                  maxHeaderSize: 8KiB
                  idleTimeout: 5s
                  bodyReadTimeout: 2s
                websocket:
                  maxConnections: 50
                  maxConnectionsPerUser: 2
                  maxConnectionsPerIP: 3
                  connectsPerMinutePerUser: 4
                  connectsPerMinutePerIP: 5
                  messagesPerSecondPerUser: 6.5
                  messagesPerSecondPerIP: 7
                  bytesPerSecondPerUser: 8KiB
                  bytesPerSecondPerIP: 9KiB
                  maxRateViolations: 10
                  sendBuffer: 11KiB
                  sendBufferMessages: 12
                  slowConsumerOverflow: 13
                  slowConsumerCloseTimeout: 14s
                  maxBufferedBytes: 15MiB
                  handshakeTimeout: 3s
                  maxHeaderSize: 4KiB
                authThrottle:
                  window: 30s
                  slowAfter: 2
                  delay: 50ms
                  maxDelay: 1s
                  maxFailures: 6
                  blockFor: 2m
                rateLimits:
                  announce: { window: 1m, max: 12 }
                ttls:
                  deviceOnline: 10m
                """
        ).limits
        #expect(limits.maxHeaderSize == 8 * 1024)
        #expect(limits.idleTimeout == .seconds(5))
        #expect(limits.bodyReadTimeout == .seconds(2))
        #expect(
            limits.webSocket
                == WebSocketLimits(
                    maxConnections: 50,
                    maxConnectionsPerUser: 2,
                    maxConnectionsPerIP: 3,
                    connectsPerMinutePerUser: 4,
                    connectsPerMinutePerIP: 5,
                    messagesPerSecondPerUser: 6.5,
                    messagesPerSecondPerIP: 7,
                    bytesPerSecondPerUser: 8 * 1024,
                    bytesPerSecondPerIP: 9 * 1024,
                    maxRateViolations: 10,
                    sendBufferBytes: 11 * 1024,
                    sendBufferMessages: 12,
                    slowConsumerOverflow: 13,
                    slowConsumerCloseTimeout: .seconds(14),
                    maxBufferedBytes: 15 << 20,
                    handshakeTimeout: .seconds(3),
                    maxHeaderSize: 4 * 1024
                )
        )
        #expect(
            limits.authThrottle
                == AuthThrottleConfig(
                    window: .seconds(30),
                    slowAfter: 2,
                    delay: .milliseconds(50),
                    maxDelay: .seconds(1),
                    maxFailures: 6,
                    blockFor: .seconds(120)
                )
        )
    }

    @Test func theHandshakeBoundsHaveDefaultsAndAFloor() throws {
        let defaults = try ConfigFixtures.load().limits.webSocket
        #expect(defaults.handshakeTimeout == .seconds(10))
        #expect(defaults.maxHeaderSize == 16 * 1024)
        let floored = try ConfigFixtures.load(
            limits: """
                websocket:
                  maxHeaderSize: 10
                rateLimits:
                  announce: { window: 1m, max: 12 }
                ttls:
                  deviceOnline: 10m
                """
        ).limits.webSocket
        #expect(floored.maxHeaderSize == 1024)  // a head must fit an upgrade request with a token
    }

    @Test func aRateLimitsScopeIsReadAndCheckedAndDefaultsToAuto() throws {
        let limits = try ConfigFixtures.load(
            limits: """
                rateLimits:
                  announce: { window: 1m, max: 12, scope: shared }
                  other: { window: 1m, max: 1, scope: instance }
                  third: { window: 1m, max: 1 }
                ttls:
                  deviceOnline: 10m
                """
        ).limits
        #expect(limits.rateLimits["announce"]?.scope == .shared)
        #expect(limits.rateLimits["other"]?.scope == .instance)
        #expect(limits.rateLimits["third"]?.scope == .auto)
        let errors = ConfigFixtures.errors(
            limits: """
                rateLimits:
                  announce: { window: 1m, max: 12, scope: cluster }
                ttls:
                  deviceOnline: 10m
                """
        )
        let text = errors.map(\.description).joined(separator: "\n")
        #expect(errors.count == 1 && text.contains("cluster") && text.contains("shared"), "\(text)")
    }

    @Test func misspelledOrInvalidBoundsAreReported() {
        let errors = ConfigFixtures.errors(
            limits: """
                websocket:
                  maxConections: 5
                  sendBuffer: lots
                authThrottle:
                  maxFailures: -1
                rateLimits:
                  announce: { window: 1m, max: 12 }
                ttls:
                  deviceOnline: 10m
                """
        )
        let text = errors.map(\.description).joined(separator: "\n")
        #expect(errors.count == 3, "\(text)")
        #expect(text.contains("maxConections"))
        #expect(text.contains("maxConnections"))
        #expect(text.contains("sendBuffer"))
        #expect(text.contains("maxFailures"))
    }

    @Test func summaryPrintsTheBounds() throws {
        let summary = try ConfigFixtures.load().summary()
        #expect(summary.contains("maxHeaderSize: 16KiB"))
        #expect(summary.contains("slowConsumerOverflow: 100"))
        #expect(summary.contains("authThrottle: { window: 1m"))
    }
}
