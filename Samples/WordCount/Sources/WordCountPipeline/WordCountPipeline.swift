import Foundation
import Monomyth

/// The word counts of one piece of text: a word is a maximal run of
/// non-whitespace characters, lower-cased.
public func wordCounts(in text: String) -> [String: Int] {
    var counts: [String: Int] = [:]
    for word in text.split(whereSeparator: \.isWhitespace) {
        counts[word.lowercased(), default: 0] += 1
    }
    return counts
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
        Sink("store-counts", batchSize: 10) { try CountsStore(path: database) }
    }
}

/// The text bundled with the sample: Moby-Dick (public domain).
public var bundledText: URL {
    Bundle.module.url(forResource: "moby-dick", withExtension: "txt")!
}
