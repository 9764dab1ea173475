import Foundation
import Monomyth

/// The `load-file` source: the lines of a text file, `linesPerItem` at a
/// time, joined by newlines. The key of each item is the number of its first
/// line, so a restarted source gives every chunk the same id again.
public final class LineChunks: SourceGenerator {
    private let path: String
    private let linesPerItem: Int
    private let file: UnsafeMutablePointer<FILE>
    private var lineNumber = 0

    /// Opens the file; throws ``InputFileError`` if it cannot be read.
    public init(path: String, linesPerItem: Int = 10) throws(InputFileError) {
        guard let file = fopen(path, "r") else {
            throw InputFileError(path: path, reason: String(cString: strerror(errno)))
        }
        self.path = path
        self.linesPerItem = linesPerItem
        self.file = file
    }

    deinit { fclose(file) }

    public func next() throws -> Produced<String>? {
        var lines: [String] = []
        let first = lineNumber + 1
        while lines.count < linesPerItem, let line = try readLine() {
            lines.append(line)
        }
        guard !lines.isEmpty else { return nil }
        return Produced(key: String(first), item: lines.joined(separator: "\n"))
    }

    private func readLine() throws(InputFileError) -> String? {
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        errno = 0
        let length = getline(&buffer, &capacity, file)
        guard length >= 0, let buffer else {
            if ferror(file) != 0 { throw InputFileError(path: path, reason: String(cString: strerror(errno))) }
            return nil
        }
        lineNumber += 1
        var bytes = UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: length)
        if bytes.last == UInt8(ascii: "\n") { bytes = UnsafeBufferPointer(rebasing: bytes.dropLast()) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// An input file that cannot be opened or read.
public struct InputFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot read input file '\(path)': \(reason)" }
}
