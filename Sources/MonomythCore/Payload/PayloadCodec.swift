import Foundation

/// How items become message bodies and back.
///
/// `String` travels as its UTF-8 bytes and `[UInt8]`/`Data` as-is, so plain
/// producers and consumers outside Monomyth interoperate; every other
/// `Codable` type travels as JSON. A body that is not valid for the expected
/// type throws ``PayloadError``. One codec per node thread (it is not `Sendable`).
public struct PayloadCodec {
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()

    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        switch value {
        case let text as String: return Array(text.utf8)
        case let bytes as [UInt8]: return bytes
        case let data as Data: return Array(data)
        default: return Array(try encoder.encode(value))
        }
    }

    public func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws -> T {
        if T.self == String.self {
            guard let text = String(validating: body, as: UTF8.self) else {
                throw PayloadError.invalidUTF8(byteCount: body.count)
            }
            return text as! T
        }
        if T.self == [UInt8].self { return body as! T }
        if T.self == Data.self { return Data(body) as! T }
        do {
            return try decoder.decode(T.self, from: Data(body))
        } catch {
            throw PayloadError.invalidJSON(type: String(describing: T.self), detail: Self.describe(error))
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        switch error {
        case .dataCorrupted(let context): return context.debugDescription
        case .keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            return "expected \(type) at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .valueNotFound(let type, let context):
            return "missing \(type) at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        @unknown default: return String(describing: error)
        }
    }
}

/// A message body that does not decode to the type a node expects.
public enum PayloadError: Error, Equatable, CustomStringConvertible {
    case invalidUTF8(byteCount: Int)
    case invalidJSON(type: String, detail: String)

    public var description: String {
        switch self {
        case .invalidUTF8(let count): "a \(count)-byte body is not valid UTF-8 text"
        case .invalidJSON(let type, let detail): "body is not JSON for \(type): \(detail)"
        }
    }
}

/// Stable message ids.
///
/// A source's message is `<SOURCE-TYPE>:<key>`; each stage appends its type,
/// `LOAD-FILE:120/MAP-TEXT`. The same input therefore always yields the same
/// ids, through redelivery and re-production alike.
public enum MessageID {
    public static func source(type: String, key: String) -> String { "\(type):\(key)" }
    public static func derived(from inputID: String, by type: String) -> String { "\(inputID)/\(type)" }
}
