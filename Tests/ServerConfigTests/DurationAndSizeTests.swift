import ServerConfig
import Testing

@Suite struct DurationAndSizeTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("1h", .seconds(3600)),
        ("1d", .seconds(86400)), ("1h30m", .seconds(5400)), ("0.05m", .seconds(3)), ("60000ms", .seconds(60)),
        ("1.5s", .milliseconds(1500)), (" 2s ", .seconds(2)), ("0s", .zero),
    ])
    func parsesDurations(text: String, expected: Duration) throws {
        #expect(try DurationParser.parse(text) == expected)
    }

    @Test(arguments: ["5 minutes", "10", "", "m", "5x", "1..5s", "-5s", "5mm"])
    func rejectsMalformedDurations(text: String) {
        #expect(throws: DurationParser.Failure.self) { try DurationParser.parse(text) }
    }

    @Test func rejectionExplainsTheAcceptedForms() {
        do {
            _ = try DurationParser.parse("5 minutes")
            Issue.record("expected a failure")
        } catch {
            #expect(error.message.contains("500ms, 30s, 5m, 1h"))
        }
    }

    @Test func formatsDurationsCompactly() {
        #expect(DurationParser.format(.seconds(5400)) == "1h30m")
        #expect(DurationParser.format(.milliseconds(250)) == "250ms")
        #expect(DurationParser.format(.seconds(3)) == "3s")
        #expect(DurationParser.format(.zero) == "0s")
    }

    @Test(arguments: [("512", 512), ("512B", 512), ("64KiB", 65536), ("1MiB", 1_048_576), ("64KB", 64000), ("1 MiB", 1_048_576)])
    func parsesSizes(text: String, expected: Int) throws {
        #expect(try ByteSizeParser.parse(text) == expected)
    }

    @Test(arguments: ["lots", "64XB", "", "KiB"])
    func rejectsMalformedSizes(text: String) {
        #expect(throws: ByteSizeParser.Failure.self) { try ByteSizeParser.parse(text) }
    }
}
