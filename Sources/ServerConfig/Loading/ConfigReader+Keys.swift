/// Reading the keyed sections through ``ConfigKeys``: each section's allowed names and each value's parser come from
/// the table.
extension ConfigReader {
    /// Reads the table's keys of `section` in `file` from its (already checked) mapping, then its subsections, into
    /// `config`. Returns every mapping read, by section path (`""`, `http`, `http.cors`), for the checks that span
    /// several keys.
    func readKeys(of file: String, section: String = "", map: MappingReader, into config: inout ServerConfiguration) -> [String: MappingReader] {
        var maps = [section: map]
        for key in ConfigKeys.all where key.file == file && key.section == section {
            if let node = map[key.name] { key.read(self, node, &config) }
        }
        for subsection in ConfigKeys.subsections(in: file, under: section) {
            let name = subsection.split(separator: ".").last.map(String.init) ?? subsection
            guard let node = map[name], let child = mapping(node, allowed: ConfigKeys.names(in: file, under: subsection)) else { continue }
            maps.merge(readKeys(of: file, section: subsection, map: child, into: &config)) { first, _ in first }
        }
        return maps
    }
}
