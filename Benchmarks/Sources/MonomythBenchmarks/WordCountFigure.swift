import Foundation
import Monomyth
import WordCountPipeline

/// WordCount embedded, end to end (start to completed run, counts in
/// SQLite), against the coreutils pipeline on the same file; seconds.
func wordCount(_ options: BenchmarkOptions) throws -> [BenchmarkRow] {
    let result = try alternating(
        rounds: options.rounds,
        product: { try timeWordCount(options.text) },
        baseline: { try timeCoreutils(options.text) })
    return [
        BenchmarkRow(
            figure: "WordCount, embedded, end to end", unit: "s", product: result.product, baseline: result.baseline,
            target: "≤ 3× coreutils pipeline", met: result.product / result.baseline <= 3)
    ]
}

private func timeWordCount(_ text: String) throws -> Double {
    let database = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).sqlite").path
    defer { try? FileManager.default.removeItem(atPath: database) }
    let start = ContinuousClock.now
    let run = try LocalRun(wordCountPipeline(input: text, database: database))
    try run.start()
    _ = try run.wait(timeout: .seconds(600))
    return (ContinuousClock.now - start).seconds
}

private func timeCoreutils(_ text: String) throws -> Double {
    let quoted = "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", "tr -s '[:space:]' '\\n' < \(quoted) | tr A-Z a-z | sort | uniq -c > /dev/null"]
    let start = ContinuousClock.now
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchmarkError.failed("the coreutils pipeline failed") }
    return (ContinuousClock.now - start).seconds
}
