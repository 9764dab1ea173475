import Foundation
import Monomyth

/// The word counts of one piece of text: a word is a maximal run of
/// non-whitespace code points, lower-cased. Whitespace is Unicode's
/// White_Space plus the separators U+001C–U+001F, as in Python's `str.split()`.
public func wordCounts(in text: String) -> [String: Int] {
    var counts: [String: Int] = [:]
    for word in text.unicodeScalars.split(whereSeparator: isSeparator) {
        counts[String(String.UnicodeScalarView(word)).lowercased(), default: 0] += 1
    }
    return counts
}

private func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
    // ASCII first: tab, line feed, vertical tab, form feed, carriage return,
    // U+001C–U+001F and space; the property lookup only for the rest.
    if scalar.isASCII { return (0x09...0x0D).contains(scalar.value) || (0x1C...0x20).contains(scalar.value) }
    return scalar.properties.isWhitespace
}

/// WordCount: `load-file` → `map-text` → `store-counts`.
///
/// - Parameters:
///   - input: the text file to count.
///   - database: the SQLite file the counts go to.
///   - mapInstances: how many `map-text` threads to run.
public func wordCountPipeline(input: String, database: String, mapInstances: Int = 2) -> Pipeline {
    Pipeline("word-count") {
        Source("load-file", batchSize: 1) { try LineChunks(path: input, linesPerItem: 10) }
        Stage("map-text", batchSize: 10) { (text: String) in wordCounts(in: text) }
            .instances(mapInstances)
        // One SQLite transaction per batch: a large batch writes far less.
        Sink("store-counts", batchSize: 100) { try CountsStore(path: database) }
    }
}

/// The text bundled with the sample: Moby-Dick (public domain).
public var bundledText: URL {
    Bundle.module.url(forResource: "moby-dick", withExtension: "txt")!
}
