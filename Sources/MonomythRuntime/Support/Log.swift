import Foundation

/// Line-oriented logging to standard error, filtered by `MONOMYTH_LOG_LEVEL`
/// (`debug`, `info`, `warning`, `error`; default `info`).
public enum Log {
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case debug, info, warning, error

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        public init?(name: String) {
            guard let level = Self.allCases.first(where: { "\($0)" == name.lowercased() }) else { return nil }
            self = level
        }
    }

    /// The lowest level written.
    public static let threshold: Level =
        ProcessInfo.processInfo.environment["MONOMYTH_LOG_LEVEL"].flatMap(Level.init(name:)) ?? .info

    public static func debug(_ message: @autoclosure () -> String, from origin: String) {
        write(.debug, message, origin)
    }
    public static func info(_ message: @autoclosure () -> String, from origin: String) {
        write(.info, message, origin)
    }
    public static func warning(_ message: @autoclosure () -> String, from origin: String) {
        write(.warning, message, origin)
    }
    public static func error(_ message: @autoclosure () -> String, from origin: String) {
        write(.error, message, origin)
    }

    private static func write(_ level: Level, _ message: () -> String, _ origin: String) {
        guard level >= threshold else { return }
        let stamp = Date().formatted(.iso8601)
        let line = "\(stamp) \(level) [\(origin)] \(escapingControlCharacters(message()))\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Keeps bytes a peer sent from writing control sequences into the log.
    private static func escapingControlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        return String(text.unicodeScalars.map { isControl($0) ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined())
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control
    }
}
