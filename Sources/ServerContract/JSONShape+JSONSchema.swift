import OpenAPIKit
import ServerEngine

extension JSONShape {
    /// The shape as a JSON Schema (OpenAPI 3.1's dialect), required unless `required` is false.
    func jsonSchema(required: Bool = true, description: String? = nil) -> JSONSchema {
        switch self {
        case .string(let pattern, let minLength, let maxLength):
            return .string(required: required, description: description, minLength: minLength, maxLength: maxLength, pattern: pattern)
        case .oneOf(let values):
            return .string(required: required, description: description, allowedValues: values.map { AnyCodable($0) })
        case .constant(let value):
            return .string(required: required, description: description, allowedValues: [AnyCodable(value)])
        case .dateTime:
            return .string(format: .dateTime, required: required, description: description)
        case .integer(let minimum, let maximum):
            return .integer(
                required: required,
                description: description,
                maximum: maximum.map { ($0, exclusive: false) },
                minimum: minimum.map { ($0, exclusive: false) }
            )
        case .boolean:
            return .boolean(required: required, description: description)
        case .constantBoolean(let value):
            return .boolean(required: required, description: description, allowedValues: [AnyCodable(value)])
        case .array(let items, let maxItems):
            return .array(required: required, description: description, maxItems: maxItems, items: items.jsonSchema())
        case .object(let properties):
            return .object(
                required: required,
                description: description,
                properties: OrderedDictionary(
                    properties.map { ($0.name, $0.shape.jsonSchema(required: !$0.optional)) },
                    uniquingKeysWith: { first, _ in first }
                ),
                additionalProperties: .a(false)
            )
        case .nullable(let shape):
            return shape.jsonSchema(required: required, description: description).nullableSchemaObject()
        case .anyValue:
            return .any(of: Self.nonNullTypes, core: .init(required: required, description: description))
        case .anyOf(let shapes):
            return .any(of: shapes.map { $0.jsonSchema() }, core: .init(required: required, description: description))
        case .described(let text, let shape):
            return shape.jsonSchema(required: required, description: text)
        }
    }

    /// Every JSON type but null.
    private static let nonNullTypes: [JSONSchema] = [.string, .number, .boolean, .object, .array]
}
