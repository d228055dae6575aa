import Foundation

/// The README's "Adding an endpoint" walkthrough, read from README.md: the Swift file and function that get the
/// handler line, the line itself, the routes.yaml entry, and the request with the answer the README promises.
///
/// Everything comes from the section's text, so a test that applies it checks the README as a reader follows it.
struct ReadmeWalkthrough {
    /// The file that gets the handler line, relative to the package root.
    var swiftFile: String
    /// The declaration the line goes at the top of, as the README names it (`register(into registry: inout …)`).
    var function: String
    /// The Swift block.
    var swiftCode: [String]
    /// The YAML block: an entry of the `routes:` list, indented as in routes.yaml.
    var routeEntry: [String]
    /// The path the README's `curl` requests.
    var requestPath: String
    /// The body the README says comes back.
    var expectedBody: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads the walkthrough from the README's section titled `heading`.
    static func load(readme: URL, heading: String = "## Adding an endpoint") throws -> ReadmeWalkthrough {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let start = text.range(of: "\n\(heading)\n") else { throw Failure(description: "README has no section '\(heading)'") }
        let rest = text[start.upperBound...]
        let section = String(rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)])
        let names = codeSpans(in: section)
        guard let file = names.first(where: { $0.hasPrefix("Sources/") && $0.hasSuffix(".swift") }) else {
            throw Failure(description: "the walkthrough names no Sources/….swift file")
        }
        guard let function = names.first(where: { $0.contains("(") && !$0.contains("\"") }) else {
            throw Failure(description: "the walkthrough names no function for the handler line")
        }
        let swift = try block("swift", in: section)
        let yaml = try block("yaml", in: section)
        let shell = try block("sh", in: section)
        guard let curl = shell.first(where: { $0.hasPrefix("curl ") }), let hash = curl.range(of: "#") else {
            throw Failure(description: "the walkthrough's sh block has no `curl … # answer` line")
        }
        let command = curl[..<hash.lowerBound].split(separator: " ")
        guard let url = command.last(where: { $0.hasPrefix("localhost:") }), let slash = url.firstIndex(of: "/") else {
            throw Failure(description: "no localhost URL in '\(curl)'")
        }
        return ReadmeWalkthrough(
            swiftFile: file,
            function: function,
            swiftCode: swift,
            routeEntry: yaml,
            requestPath: String(url[slash...]),
            expectedBody: curl[hash.upperBound...].trimmingCharacters(in: .whitespaces)
        )
    }

    /// The handler file with the Swift block at the top of the named function's body.
    func editedSwift(_ original: String) throws -> String {
        var lines = original.components(separatedBy: "\n")
        guard let declaration = lines.firstIndex(where: { $0.contains("func \(function)") && $0.hasSuffix("{") }) else {
            throw Failure(description: "\(swiftFile) has no `func \(function) {`")
        }
        let indent = String(lines[declaration].prefix { $0 == " " }) + "    "
        lines.insert(contentsOf: swiftCode.map { indent + $0 }, at: declaration + 1)
        return lines.joined(separator: "\n")
    }

    /// routes.yaml with the entry at the end of the `routes:` list, before `websockets:`, as the README says.
    func editedRoutes(_ original: String) throws -> String {
        guard let websockets = original.range(of: "\nwebsockets:") else { throw Failure(description: "routes.yaml has no websockets: key") }
        return original[..<websockets.lowerBound] + "\n\n" + routeEntry.joined(separator: "\n") + "\n" + original[websockets.lowerBound...]
    }

    /// The `code` spans of a Markdown text, outside its fenced blocks.
    private static func codeSpans(in text: String) -> [String] {
        var prose: [String] = []
        var fenced = false
        for line in text.components(separatedBy: "\n") {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                fenced.toggle()
            } else if !fenced {
                prose.append(line)
            }
        }
        let parts = prose.joined(separator: "\n").split(separator: "`", omittingEmptySubsequences: false)
        return parts.enumerated().filter { $0.offset % 2 == 1 }.map { $0.element.replacingOccurrences(of: "\n", with: " ") }
    }

    /// The lines of the first fenced block of `language`, without the fence's own indentation (a block inside a list
    /// item is indented with the item).
    private static func block(_ language: String, in text: String) throws -> [String] {
        let lines = text.components(separatedBy: "\n")
        guard let open = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "```\(language)" }) else {
            throw Failure(description: "the walkthrough has no ```\(language) block")
        }
        let indent = lines[open].prefix { $0 == " " }.count
        guard let close = lines[(open + 1)...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "```" }) else {
            throw Failure(description: "the ```\(language) block is not closed")
        }
        return lines[(open + 1)..<close].map { String($0.dropFirst(min(indent, $0.prefix { $0 == " " }.count))) }
    }
}
